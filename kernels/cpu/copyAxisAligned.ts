/**
 * The geometry pass when it moves whole pixels: a matrix that only translates by whole pixels
 * and maybe flips (centerCrop, randomCrop, flips, and their products). The resampling pass would
 * give each output pixel one source pixel with weight 1, so its result is exactly the source's
 * bytes; this copies them instead of going through floats (a 256² → 224² centre crop: a row copy
 * per output row instead of two resampling passes and a rounding).
 */
import type { Mat3 } from '../../src/augment/geometry.js';
import { fillSpan } from './resampleAxisAligned.js';
import { uninitializedBytes } from '../../src/util/bytes.js';

/** True when every output pixel centre lands on a source pixel centre: scale ±1, whole-pixel offsets. */
export function movesWholePixels(m: Mat3): boolean {
  return (
    Math.abs(m[0]) === 1 && Math.abs(m[4]) === 1 && m[1] === 0 && m[3] === 0 && m[6] === 0 && m[7] === 0 && m[8] === 1 &&
    Number.isInteger(m[2]) && Number.isInteger(m[5])
  );
}

/**
 * @param src RGB bytes, `srcHeight × srcWidth × 3`
 * @param m a matrix for which `movesWholePixels` holds (output → source)
 * @param fill the colour of output pixels whose centre maps outside the source, rounded as the
 *   resampling pass rounds it
 */
export function copyAxisAligned(src: Uint8Array, srcWidth: number, srcHeight: number, m: Mat3, outWidth: number, outHeight: number, fill: ArrayLike<number>): Uint8Array {
  const fillBytes = Array.from({ length: 3 }, (_, c) => Math.min(255, Math.max(0, Math.floor(fill[c] + 0.5))));
  const needsFill = fillBytes.some((v) => v !== 0);
  // Output column u reads source column m0·u + x0, row v reads m4·v + y0 (centres to centres).
  const x0 = m[2] + (m[0] - 1) / 2;
  const y0 = m[5] + (m[4] - 1) / 2;
  // The output columns whose source column lies inside the image (an interval, in either direction).
  const uA = m[0] === 1 ? -x0 : x0 - (srcWidth - 1);
  const uFirst = Math.max(0, uA);
  const uEnd = Math.min(outWidth, uA + srcWidth);
  const rowsInside = [y0, m[4] * (outHeight - 1) + y0].every((sy) => sy >= 0 && sy < srcHeight);
  // A crop inside the image writes every byte; elsewhere a zero fill is left as the buffer's zeros.
  const out = outHeight > 0 && rowsInside && uFirst === 0 && uEnd === outWidth ? uninitializedBytes(outWidth * outHeight * 3) : new Uint8Array(outWidth * outHeight * 3);
  const rowBytes = outWidth * 3;
  for (let v = 0; v < outHeight; v++) {
    const sy = m[4] * v + y0;
    const at = v * rowBytes;
    if (sy < 0 || sy >= srcHeight || uFirst >= uEnd) {
      if (needsFill) fillSpan(out, at, at + rowBytes, fillBytes);
      continue;
    }
    if (needsFill) {
      fillSpan(out, at, at + uFirst * 3, fillBytes);
      fillSpan(out, at + uEnd * 3, at + rowBytes, fillBytes);
    }
    const srcRow = sy * srcWidth * 3;
    if (m[0] === 1) {
      const from = srcRow + (uFirst + x0) * 3;
      out.set(src.subarray(from, from + (uEnd - uFirst) * 3), at + uFirst * 3);
      continue;
    }
    for (let u = uFirst, o = at + uFirst * 3; u < uEnd; u++, o += 3) {
      const s = srcRow + (x0 - u) * 3;
      out[o] = src[s];
      out[o + 1] = src[s + 1];
      out[o + 2] = src[s + 2];
    }
  }
  return out;
}
