import type { PixelOp } from '../op.js';
import type { Stage } from '../stages.js';
import { jitterRange } from '../../validate.js';
import { checkKnownOptions } from './optionsReader.js';

export interface ColorJitterOptions {
  /** Brightness factor range: b means [max(0, 1 - b), 1 + b]. Default 0 (off). */
  brightness: [number, number] | null;
  /** Contrast factor range, as brightness. Default 0. */
  contrast: [number, number] | null;
  /** Saturation factor range, as brightness. Default 0. */
  saturation: [number, number] | null;
  /** Hue shift range in turns: h means [-h, h], h <= 0.5. Default 0. */
  hue: [number, number] | null;
}

export interface ColorJitterParams {
  /** The adjustments in the order they run, with their factors. */
  order: Array<{ adjust: 'brightness' | 'contrast' | 'saturation' | 'hue'; value: number }>;
}

const ADJUSTMENTS = ['brightness', 'contrast', 'saturation', 'hue'] as const;

/**
 * Random brightness, contrast, saturation and hue, applied in a random order.
 * Reference: `torchvision.transforms.v2.ColorJitter` — same ranges, same random order (a random
 * permutation, then one factor per enabled adjustment), same formulas (ITU-R 601 gray; contrast
 * blends with the mean gray level). Values stay floats between adjustments instead of being
 * rounded to uint8 after each: within 1 level of torchvision.
 * @example {"op": "colorJitter", "brightness": 0.4, "contrast": 0.4, "saturation": 0.4, "hue": 0.1}
 */
export const colorJitter: PixelOp<ColorJitterOptions, ColorJitterParams> = {
  name: 'colorJitter',
  kind: 'pixel',
  parse(spec, where) {
    checkKnownOptions(spec, where, [...ADJUSTMENTS]);
    return {
      brightness: jitterRange(`${where}.brightness`, spec.brightness ?? 0, 1, 0, 1e3),
      contrast: jitterRange(`${where}.contrast`, spec.contrast ?? 0, 1, 0, 1e3),
      saturation: jitterRange(`${where}.saturation`, spec.saturation ?? 0, 1, 0, 1e3),
      hue: jitterRange(`${where}.hue`, spec.hue ?? 0, 0, -0.5, 0.5),
    };
  },
  sample(options, rng) {
    // Fisher–Yates shuffle of the four adjustments, then one draw per enabled adjustment.
    const permutation = [0, 1, 2, 3];
    for (let i = 3; i > 0; i--) {
      const j = rng.int(0, i + 1);
      [permutation[i], permutation[j]] = [permutation[j], permutation[i]];
    }
    const order: ColorJitterParams['order'] = [];
    for (const index of permutation) {
      const adjust = ADJUSTMENTS[index];
      const range = options[adjust];
      if (range) order.push({ adjust, value: rng.range(range[0], range[1]) });
    }
    return { order };
  },
  stages: (_options, params) =>
    params.order.map(({ adjust, value }): Stage => (adjust === 'hue' ? { type: 'hue', shift: value } : { type: adjust, factor: value })),
};
