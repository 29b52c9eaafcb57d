import { multiply, type Mat3, type Size } from '../geometry.js';

/**
 * torchvision's `_get_inverse_affine_matrix`: output → input for a rotation by `angle` degrees
 * (clockwise on screen), a translation, a scale and a shear [x, y] in degrees, about `center`
 * (default: the image centre), in remux's continuous pixel coordinates.
 */
export function inverseAffine(angle: number, translate: [number, number], scale: number, shear: [number, number], size: Size, center?: [number, number]): Mat3 {
  const rot = (angle * Math.PI) / 180;
  const sx = (shear[0] * Math.PI) / 180;
  const sy = (shear[1] * Math.PI) / 180;
  const a = Math.cos(rot - sy) / Math.cos(sy);
  const b = (-Math.cos(rot - sy) * Math.tan(sx)) / Math.cos(sy) - Math.sin(rot);
  const c = Math.sin(rot - sy) / Math.cos(sy);
  const d = (-Math.sin(rot - sy) * Math.tan(sx)) / Math.cos(sy) + Math.cos(rot);
  const [tx, ty] = translate;
  const inverse: Mat3 = [d / scale, -b / scale, 0, -c / scale, a / scale, 0, 0, 0, 1];
  const [cx, cy] = center ?? [size.width / 2, size.height / 2];
  // centre · RSS⁻¹ · (centre + translation)⁻¹
  return multiply(multiply([1, 0, cx, 0, 1, cy, 0, 0, 1], inverse), [1, 0, -cx - tx, 0, 1, -cy - ty, 0, 0, 1]);
}
