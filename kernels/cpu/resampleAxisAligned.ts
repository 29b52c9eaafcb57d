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
export interface AxisWeights {
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
    // Only taps with a positive weight: |i + 0.5 - centre| < support.
    let first = Math.max(0, Math.floor(centre - support - 0.5) + 1);
    let last = Math.min(inSize - 1, Math.ceil(centre + support - 0.5) - 1);
    while (first < last && 1 - Math.abs(first + 0.5 - centre) / support <= 0) first++;
    while (last > first && 1 - Math.abs(last + 0.5 - centre) / support <= 0) last--;
    let total = 0;
    for (let i = first; i <= last; i++) {
      const w = Math.max(0, 1 - Math.abs(i + 0.5 - centre) / support);
      weights[o * maxTaps + i - first] = w;
      total += w;
    }
    for (let k = 0; k <= last - first; k++) weights[o * maxTaps + k] /= total;
    start[o] = first;
    count[o] = last - first + 1;
  }
  return { start, count, weights, maxTaps };
}

/** The source rows some output row reads: only these need the horizontal pass. */
export function sourceRows(ys: AxisWeights, srcHeight: number): { rowMin: number; rows: number } {
  let rowMin = srcHeight;
  let rowMax = -1;
  for (let o = 0; o < ys.count.length; o++) {
    if (ys.count[o] === 0) continue;
    rowMin = Math.min(rowMin, ys.start[o]);
    rowMax = Math.max(rowMax, ys.start[o] + ys.count[o] - 1);
  }
  return { rowMin, rows: Math.max(0, rowMax - rowMin + 1) };
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
  const rowLength = outWidth * 3;

  const { rowMin, rows } = sourceRows(ys, srcHeight);
  const tmp = new Float32Array(rows * rowLength);

  const xStart = xs.start;
  const xCount = xs.count;
  const xW = xs.weights;
  const xTaps = xs.maxTaps;
  for (let r = 0; r < rows; r++) {
    const srcRow = (rowMin + r) * srcWidth * 3;
    const tmpRow = r * rowLength;
    for (let o = 0; o < outWidth; o++) {
      const n = xCount[o];
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

  // Vertical pass row by row: each output row accumulates whole tmp rows (sequential access).
  const yW = ys.weights;
  const yTaps = ys.maxTaps;
  for (let o = 0; o < outHeight; o++) {
    const n = ys.count[o];
    const outRow = o * rowLength;
    if (n === 0) {
      fillSpan(out, outRow, outRow + rowLength, fill);
      continue;
    }
    let t = (ys.start[o] - rowMin) * rowLength;
    let w = o * yTaps;
    const first = yW[w];
    for (let c = 0; c < rowLength; c++) out[outRow + c] = tmp[t + c] * first;
    for (let k = 1; k < n; k++) {
      t += rowLength;
      const weight = yW[++w];
      for (let c = 0; c < rowLength; c++) out[outRow + c] += tmp[t + c] * weight;
    }
    // Columns that map outside the source.
    for (let x = 0; x < outWidth; x++) if (xCount[x] === 0) fillSpan(out, outRow + x * 3, outRow + x * 3 + 3, fill);
  }
  return out;
}

/** Writes the fill colour over the RGB pixels of `out` in [from, to) (floats, or bytes already rounded). */
export function fillSpan(out: Float32Array | Uint8Array, from: number, to: number, fill: ArrayLike<number>): void {
  for (let i = from; i < to; i += 3) {
    out[i] = fill[0];
    out[i + 1] = fill[1];
    out[i + 2] = fill[2];
  }
}
