/**
 * The d×d box average that stands in for a JPEG DCT-scaled decode: the libjpeg-turbo binding
 * only decodes at full size, and a decode at 1/d is (up to the IDCT's rounding) the mean of each
 * d×d block, so remux decodes in full and reduces with this. Each output pixel is the mean of its
 * block, rounded half up; the blocks of the last column and row are cut off by the image edge and
 * average the pixels they have, so the output is ceil(width / d) × ceil(height / d), the size a
 * scaled decode gives, and output pixel x covers source pixels [x·d, x·d + d) exactly.
 *
 * The reference for the WASM SIMD kernel (kernels/wasm/assembly/reduce.ts), which computes the
 * same integers. Flat loops over typed arrays: one row of column sums, then one pass across it.
 */

/** The size `boxReduce` gives. */
export function reducedSize(width: number, height: number, divisor: number): { width: number; height: number } {
  return { width: Math.ceil(width / divisor), height: Math.ceil(height / divisor) };
}

/**
 * @param src `height × width × channels` bytes
 * @param divisor the block side, 1 to 8 (the sums fit 16 bits up to 16)
 * @returns `ceil(height / d) × ceil(width / d) × channels` bytes
 */
export function boxReduce(src: Uint8Array, width: number, height: number, channels: number, divisor: number): Uint8Array {
  const d = divisor;
  const { width: outW, height: outH } = reducedSize(width, height, d);
  const out = new Uint8Array(outW * outH * channels);
  const rowBytes = width * channels;
  const columns = new Uint32Array(rowBytes);
  let o = 0;
  for (let oy = 0; oy < outH; oy++) {
    const y0 = oy * d;
    const rows = Math.min(d, height - y0);
    columns.fill(0);
    for (let y = y0; y < y0 + rows; y++) {
      const at = y * rowBytes;
      for (let j = 0; j < rowBytes; j++) columns[j] += src[at + j];
    }
    for (let ox = 0; ox < outW; ox++) {
      const x0 = ox * d;
      const cols = Math.min(d, width - x0);
      const n = cols * rows;
      for (let c = 0; c < channels; c++) {
        let sum = 0;
        for (let j = x0 * channels + c, k = 0; k < cols; k++, j += channels) sum += columns[j];
        // round(sum / n), halves up, in integers: floor((2·sum + n) / 2n).
        out[o++] = Math.floor((2 * sum + n) / (2 * n));
      }
    }
  }
  return out;
}
