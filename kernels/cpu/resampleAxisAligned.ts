/**
 * The fused geometry pass for matrices that only scale, translate and flip (crop, resize, flip and
 * their products): a separable resampling with a triangle (bilinear) filter whose support widens
 * with the shrink factor, which is how Pillow and torchvision (`antialias=True`) resize.
 * Source pixels outside the image do not contribute (weights are renormalised over those inside);
 * an output pixel whose centre maps outside the source takes the fill colour.
 *
 * Flat loops over typed arrays only: a per-pixel closure made this 12× slower.
 */

/** Per output column (or row): first source index, tap count, and `maxTaps` weights each. */
interface AxisWeights {
  start: Int32Array;
  count: Int32Array;
  weights: Float32Array;
  maxTaps: number;
}

/**
 * @param scale input pixels per output pixel along this axis (negative flips)
 * @param offset input position of output position 0
 */
export function axisWeights(outSize: number, inSize: number, scale: number, offset: number): AxisWeights {
  const support = Math.max(1, Math.abs(scale));
  const maxTaps = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Float32Array(outSize * maxTaps);
  for (let o = 0; o < outSize; o++) {
    const centre = scale * (o + 0.5) + offset;
    if (centre < 0 || centre >= inSize) continue; // fill
    const first = Math.max(0, Math.ceil(centre - support - 0.5));
    const last = Math.min(inSize - 1, Math.floor(centre + support - 0.5));
    let total = 0;
    let n = 0;
    for (let i = first; i <= last; i++) {
      const w = 1 - Math.abs(i + 0.5 - centre) / support;
      weights[o * maxTaps + n] = w > 0 ? w : 0;
      total += w > 0 ? w : 0;
      n++;
    }
    for (let k = 0; k < n; k++) weights[o * maxTaps + k] /= total;
    start[o] = first;
    count[o] = n;
  }
  return { start, count, weights, maxTaps };
}

/**
 * @param src RGB values 0–255, `srcHeight × srcWidth × 3` (bytes or floats)
 * @param matrix row-major 3×3, output → source, axis-aligned (m[1] = m[3] = m[6] = m[7] = 0)
 * @param fill the colour of output pixels that map outside the source
 * @returns RGB floats 0–255, `outHeight × outWidth × 3`
 */
export function resampleAxisAligned(
  src: ArrayLike<number>,
  srcWidth: number,
  srcHeight: number,
  matrix: ArrayLike<number>,
  outWidth: number,
  outHeight: number,
  fill: ArrayLike<number> = [0, 0, 0],
): Float32Array {
  const xs = axisWeights(outWidth, srcWidth, matrix[0], matrix[2]);
  const ys = axisWeights(outHeight, srcHeight, matrix[4], matrix[5]);
  const out = new Float32Array(outWidth * outHeight * 3);
  for (let i = 0; i < out.length; i += 3) {
    out[i] = fill[0];
    out[i + 1] = fill[1];
    out[i + 2] = fill[2];
  }

  // Only the source rows some output row reads need the horizontal pass.
  let rowMin = srcHeight;
  let rowMax = -1;
  for (let o = 0; o < outHeight; o++) {
    if (ys.count[o] === 0) continue;
    rowMin = Math.min(rowMin, ys.start[o]);
    rowMax = Math.max(rowMax, ys.start[o] + ys.count[o] - 1);
  }
  if (rowMax < rowMin) return out;
  const rows = rowMax - rowMin + 1;
  const tmp = new Float32Array(rows * outWidth * 3);

  const xStart = xs.start;
  const xCount = xs.count;
  const xW = xs.weights;
  const xTaps = xs.maxTaps;
  for (let r = 0; r < rows; r++) {
    const srcRow = (rowMin + r) * srcWidth * 3;
    const tmpRow = r * outWidth * 3;
    for (let o = 0; o < outWidth; o++) {
      const n = xCount[o];
      if (n === 0) continue; // outside: the vertical pass skips this column
      let red = 0;
      let green = 0;
      let blue = 0;
      let s = srcRow + xStart[o] * 3;
      let w = o * xTaps;
      for (let k = 0; k < n; k++, s += 3, w++) {
        const weight = xW[w];
        red += src[s] * weight;
        green += src[s + 1] * weight;
        blue += src[s + 2] * weight;
      }
      const t = tmpRow + o * 3;
      tmp[t] = red;
      tmp[t + 1] = green;
      tmp[t + 2] = blue;
    }
  }

  const yW = ys.weights;
  const yTaps = ys.maxTaps;
  const rowLength = outWidth * 3;
  for (let o = 0; o < outHeight; o++) {
    const n = ys.count[o];
    if (n === 0) continue;
    const first = (ys.start[o] - rowMin) * rowLength;
    const outRow = o * rowLength;
    for (let c = 0; c < rowLength; c++) {
      if (xCount[(c / 3) | 0] === 0) continue;
      let acc = 0;
      let t = first + c;
      let w = o * yTaps;
      for (let k = 0; k < n; k++, t += rowLength, w++) acc += tmp[t] * yW[w];
      out[outRow + c] = acc;
    }
  }
  return out;
}
