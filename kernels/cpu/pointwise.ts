/**
 * The colour pass: brightness, contrast, saturation, hue, grayscale, solarize, posterize and
 * invert on RGB floats 0–255, in place, each stage clamped to [0, 255] as torchvision clamps
 * after every adjustment. Contrast blends with the mean of the grayscale image at that point: a
 * small reduction before its stage.
 */
import type { Stage } from '../../src/augment/stages.js';

/** ITU-R 601 luma weights, as torchvision's `rgb_to_grayscale`. */
export const GRAY = [0.2989, 0.587, 0.114] as const;

export type PointwiseStage = Extract<Stage, { type: 'brightness' | 'contrast' | 'saturation' | 'hue' | 'grayscale' | 'solarize' | 'posterize' | 'invert' }>;

const clamp = (v: number) => (v < 0 ? 0 : v > 255 ? 255 : v);

export function grayMean(px: Float32Array): number {
  let total = 0;
  for (let i = 0; i < px.length; i += 3) total += GRAY[0] * px[i] + GRAY[1] * px[i + 1] + GRAY[2] * px[i + 2];
  return total / (px.length / 3);
}

export function applyPointwise(px: Float32Array, stage: PointwiseStage): void {
  const n = px.length;
  switch (stage.type) {
    case 'brightness': {
      const k = stage.factor;
      for (let i = 0; i < n; i++) px[i] = clamp(px[i] * k);
      return;
    }
    case 'contrast': {
      const k = stage.factor;
      const offset = (1 - k) * grayMean(px);
      for (let i = 0; i < n; i++) px[i] = clamp(px[i] * k + offset);
      return;
    }
    case 'saturation': {
      const k = stage.factor;
      for (let i = 0; i < n; i += 3) {
        const g = (1 - k) * (GRAY[0] * px[i] + GRAY[1] * px[i + 1] + GRAY[2] * px[i + 2]);
        px[i] = clamp(px[i] * k + g);
        px[i + 1] = clamp(px[i + 1] * k + g);
        px[i + 2] = clamp(px[i + 2] * k + g);
      }
      return;
    }
    case 'grayscale':
      for (let i = 0; i < n; i += 3) px[i] = px[i + 1] = px[i + 2] = GRAY[0] * px[i] + GRAY[1] * px[i + 1] + GRAY[2] * px[i + 2];
      return;
    case 'hue':
      for (let i = 0; i < n; i += 3) shiftHue(px, i, stage.shift);
      return;
    case 'solarize':
      for (let i = 0; i < n; i++) if (px[i] >= stage.threshold) px[i] = 255 - px[i];
      return;
    case 'posterize': {
      const mask = (0xff << (8 - stage.bits)) & 0xff;
      for (let i = 0; i < n; i++) px[i] = Math.round(px[i]) & mask;
      return;
    }
    case 'invert':
      for (let i = 0; i < n; i++) px[i] = 255 - px[i];
      return;
  }
}

/** torchvision's `_rgb2hsv` → rotate h → `_hsv2rgb`, on one pixel. */
function shiftHue(px: Float32Array, i: number, shift: number): void {
  const r = px[i] / 255;
  const g = px[i + 1] / 255;
  const b = px[i + 2] / 255;
  const max = Math.max(r, g, b);
  const min = Math.min(r, g, b);
  const range = max - min;
  if (range === 0) return; // gray: hue has no effect
  const s = range / max;
  const rc = (max - r) / range;
  const gc = (max - g) / range;
  const bc = (max - b) / range;
  let h = max === r ? bc - gc : max === g ? 2 + rc - bc : 4 + gc - rc;
  h = (((h / 6 + 1) % 1) + shift + 1) % 1;
  const v = max;
  const h6 = h * 6;
  const sector = Math.floor(h6) % 6;
  const f = h6 - Math.floor(h6);
  const p = Math.min(1, Math.max(0, v * (1 - s)));
  const q = Math.min(1, Math.max(0, v * (1 - s * f)));
  const t = Math.min(1, Math.max(0, v * (1 - s * (1 - f))));
  const [nr, ng, nb] = [[v, t, p], [q, v, p], [p, v, t], [p, q, v], [t, p, v], [v, p, q]][sector];
  px[i] = nr * 255;
  px[i + 1] = ng * 255;
  px[i + 2] = nb * 255;
}
