import type { PixelOp } from '../op.js';
import { numberInRange } from '../../validate.js';
import { checkKnownOptions } from './optionsReader.js';

export interface GaussianNoiseOptions {
  /** Mean of the noise, as a fraction of the full range (0–1 images). Default 0. */
  mean: number;
  /** Standard deviation, as a fraction of the full range. Default 0.1. */
  sigma: number;
}

/**
 * Adds gaussian noise to every pixel and clips.
 * Reference: `torchvision.transforms.v2.GaussianNoise` (defined on 0–1 images: remux scales
 * `mean` and `sigma` by 255). Noise values come from remux's per-sample generator.
 * @example {"op": "gaussianNoise", "sigma": 0.05}
 */
export const gaussianNoise: PixelOp<GaussianNoiseOptions, Record<string, never>> = {
  name: 'gaussianNoise',
  kind: 'pixel',
  parse(spec, where) {
    checkKnownOptions(spec, where, ['mean', 'sigma']);
    return { mean: numberInRange(`${where}.mean`, spec.mean ?? 0, -1, 1), sigma: numberInRange(`${where}.sigma`, spec.sigma ?? 0.1, 0, 10) };
  },
  sample: () => ({}),
  stages: (options, _params, _size, key) => [{ type: 'noise', mean: options.mean * 255, sigma: options.sigma * 255, key }],
};
