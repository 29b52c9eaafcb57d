/**
 * 3×3 matrices in row-major order that map an OUTPUT pixel position to an INPUT position, in
 * continuous coordinates where pixel (i, j) covers [j, j+1) × [i, i+1) and its centre is
 * (j + 0.5, i + 0.5). With this convention a crop, a resize and a flip are exact and compose by
 * plain multiplication.
 */
// Sizes are the decoder's as much as the ops': one definition, beside where decoded pixels lie.
export type { Size } from '../codec/jpegWindow.js';
import type { Size } from '../codec/jpegWindow.js';

export type Mat3 = readonly [number, number, number, number, number, number, number, number, number];

export const IDENTITY: Mat3 = [1, 0, 0, 0, 1, 0, 0, 0, 1];

export function multiply(a: Mat3, b: Mat3): Mat3 {
  const r = new Array<number>(9);
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) r[i * 3 + j] = a[i * 3] * b[j] + a[i * 3 + 1] * b[3 + j] + a[i * 3 + 2] * b[6 + j];
  }
  return r as unknown as Mat3;
}

/** Output (u, v) ↦ input (sx·u + tx, sy·v + ty). */
export function scaleTranslate(sx: number, sy: number, tx: number, ty: number): Mat3 {
  return [sx, 0, tx, 0, sy, ty, 0, 0, 1];
}

/** The matrix that reads the box (left, top, width, height) of the input into an output of `out`. */
export function cropResize(left: number, top: number, width: number, height: number, out: Size): Mat3 {
  return scaleTranslate(width / out.width, height / out.height, left, top);
}

/** True when the matrix only scales, translates and flips along the axes (no rotation or shear). */
export function isAxisAligned(m: Mat3): boolean {
  return m[1] === 0 && m[3] === 0 && m[6] === 0 && m[7] === 0 && m[8] === 1;
}
