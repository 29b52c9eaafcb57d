/**
 * The general geometry pass: each output pixel centre goes through a projective 3×3 matrix
 * (output → input) and reads the input bilinearly. Neighbours outside the input read the fill
 * colour, which is what torchvision's `grid_sample` with a fill mask gives. No antialiasing:
 * rotations, shears and perspective keep the scale near 1 (torchvision does not filter either).
 */
export function warpBilinear(
  src: ArrayLike<number>,
  srcWidth: number,
  srcHeight: number,
  m: ArrayLike<number>,
  outWidth: number,
  outHeight: number,
  fill: ArrayLike<number>,
): Float32Array {
  const out = new Float32Array(outWidth * outHeight * 3);
  const f0 = fill[0];
  const f1 = fill[1];
  const f2 = fill[2];
  for (let v = 0; v < outHeight; v++) {
    const cy = v + 0.5;
    for (let u = 0; u < outWidth; u++) {
      const cx = u + 0.5;
      const w = m[6] * cx + m[7] * cy + m[8];
      // Continuous source position, then the index space where pixel i's centre is at i.
      const x = (m[0] * cx + m[1] * cy + m[2]) / w - 0.5;
      const y = (m[3] * cx + m[4] * cy + m[5]) / w - 0.5;
      const o = (v * outWidth + u) * 3;
      const x0 = Math.floor(x);
      const y0 = Math.floor(y);
      if (!(x0 >= -1 && y0 >= -1 && x0 < srcWidth && y0 < srcHeight)) {
        out[o] = f0;
        out[o + 1] = f1;
        out[o + 2] = f2;
        continue;
      }
      const fx = x - x0;
      const fy = y - y0;
      const w00 = (1 - fx) * (1 - fy);
      const w10 = fx * (1 - fy);
      const w01 = (1 - fx) * fy;
      const w11 = fx * fy;
      const in0 = y0 >= 0;
      const in1 = y0 + 1 < srcHeight;
      const inL = x0 >= 0;
      const inR = x0 + 1 < srcWidth;
      const r0 = y0 * srcWidth;
      const r1 = r0 + srcWidth;
      for (let c = 0; c < 3; c++) {
        const f = c === 0 ? f0 : c === 1 ? f1 : f2;
        const p00 = in0 && inL ? src[(r0 + x0) * 3 + c] : f;
        const p10 = in0 && inR ? src[(r0 + x0 + 1) * 3 + c] : f;
        const p01 = in1 && inL ? src[(r1 + x0) * 3 + c] : f;
        const p11 = in1 && inR ? src[(r1 + x0 + 1) * 3 + c] : f;
        out[o + c] = p00 * w00 + p10 * w10 + p01 * w01 + p11 * w11;
      }
    }
  }
  return out;
}
