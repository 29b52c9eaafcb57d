/**
 * The statistics passes: per-channel autocontrast (stretch min..max to 0..255) and histogram
 * equalisation (Pillow's `ImageOps.equalize`, which torchvision's `equalize` follows). Both work on
 * the image rounded to whole levels, as they do on uint8 images.
 */

/**
 * Per channel, the whole levels of the darkest and the brightest pixel go to 0 and 255; a channel
 * whose pixels all round to one level stays as it is (as on a uint8 image: the float noise of a
 * resampled flat colour, ±1e-5, must not be stretched into stripes).
 */
export function autoContrast(px: Float32Array): void {
  for (let c = 0; c < 3; c++) {
    let min = 255;
    let max = 0;
    for (let i = c; i < px.length; i += 3) {
      if (px[i] < min) min = px[i];
      if (px[i] > max) max = px[i];
    }
    // Rounding is monotonic: these are the extremes of the rounded image.
    min = Math.round(min);
    max = Math.round(max);
    if (max <= min) continue;
    const scale = 255 / (max - min);
    for (let i = c; i < px.length; i += 3) px[i] = Math.min(255, Math.max(0, (px[i] - min) * scale));
  }
}

export function equalize(px: Float32Array): void {
  for (let c = 0; c < 3; c++) {
    const hist = new Float64Array(256);
    for (let i = c; i < px.length; i += 3) hist[Math.round(px[i])]++;
    let last = 255;
    while (last > 0 && hist[last] === 0) last--;
    const total = px.length / 3;
    const step = Math.floor((total - hist[last]) / 255);
    if (step === 0) continue;
    const lut = new Float64Array(256);
    let cumulative = 0;
    for (let level = 0; level < 256; level++) {
      lut[level] = Math.min(255, Math.floor((cumulative + Math.floor(step / 2)) / step));
      cumulative += hist[level];
    }
    for (let i = c; i < px.length; i += 3) px[i] = lut[Math.round(px[i])];
  }
}
