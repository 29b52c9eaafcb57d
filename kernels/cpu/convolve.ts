/**
 * The neighbourhood passes: separable gaussian blur with reflected borders (torchvision's
 * `gaussian_blur`), and sharpness, a blend with a 3×3 smoothed copy whose border keeps the
 * original pixels (torchvision's `adjust_sharpness`).
 */

/** torchvision's 1-D gaussian kernel: `exp(-x²/2σ²)` on x = -k/2 … k/2, normalised. */
export function gaussianKernel(size: number, sigma: number): Float64Array {
  const kernel = new Float64Array(size);
  const half = (size - 1) / 2;
  let total = 0;
  for (let i = 0; i < size; i++) {
    const x = (i - half) / sigma;
    kernel[i] = Math.exp(-0.5 * x * x);
    total += kernel[i];
  }
  for (let i = 0; i < size; i++) kernel[i] /= total;
  return kernel;
}

/** Reflect about the edge pixel (`reflect` padding: -1 → 1, n → n-2). */
function reflect(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  let k = ((i % period) + period) % period;
  if (k >= n) k = period - k;
  return k;
}

export function gaussianBlur(px: Float32Array, width: number, height: number, kernelSize: [number, number], sigma: [number, number]): Float32Array {
  const kx = gaussianKernel(kernelSize[0], sigma[0]);
  const ky = gaussianKernel(kernelSize[1], sigma[1]);
  const hx = (kernelSize[0] - 1) / 2;
  const hy = (kernelSize[1] - 1) / 2;
  const tmp = new Float32Array(px.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 3; c++) {
        let acc = 0;
        for (let k = 0; k < kx.length; k++) acc += kx[k] * px[(y * width + reflect(x + k - hx, width)) * 3 + c];
        tmp[(y * width + x) * 3 + c] = acc;
      }
    }
  }
  const out = new Float32Array(px.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 3; c++) {
        let acc = 0;
        for (let k = 0; k < ky.length; k++) acc += ky[k] * tmp[(reflect(y + k - hy, height) * width + x) * 3 + c];
        out[(y * width + x) * 3 + c] = acc;
      }
    }
  }
  return out;
}

export function sharpness(px: Float32Array, width: number, height: number, factor: number): Float32Array {
  const out = new Float32Array(px);
  if (width < 3 || height < 3) return out;
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1; x < width - 1; x++) {
      for (let c = 0; c < 3; c++) {
        const i = (y * width + x) * 3 + c;
        const row = width * 3;
        const around = px[i - row - 3] + px[i - row] + px[i - row + 3] + px[i - 3] + px[i + 3] + px[i + row - 3] + px[i + row] + px[i + row + 3];
        // torchvision rounds the smoothed image to whole levels before blending.
        const smooth = Math.round((around + 5 * px[i]) / 13);
        const v = factor * px[i] + (1 - factor) * smooth;
        out[i] = v < 0 ? 0 : v > 255 ? 255 : v;
      }
    }
  }
  return out;
}
