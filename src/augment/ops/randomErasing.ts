import type { PixelOp } from '../op.js';
import type { Rgb } from '../stages.js';
import { fillColour, numberInRange, numberPair } from '../../validate.js';
import { checkKnownOptions } from './optionsReader.js';

export interface RandomErasingOptions {
  /** Probability of erasing. Default 0.5. */
  p: number;
  /** Range of the erased area as a fraction of the image. Default [0.02, 0.33]. */
  scale: [number, number];
  /** Range of the aspect ratio (height / width), sampled log-uniformly. Default [0.3, 3.3]. */
  ratio: [number, number];
  /** Fill: a level, [r, g, b], or "random" (uniform random levels per pixel). Default 0. */
  value: Rgb | 'random';
}

type Box = { top: number; left: number; height: number; width: number };

/**
 * Erases a random rectangle.
 * Reference: `torchvision.transforms.v2.RandomErasing` — same ten attempts (none fitting: no
 * erasing). Difference: "random" fills with uniform levels from remux's generator (torchvision
 * draws normal values meant for normalised float images).
 * @example {"op": "randomErasing", "p": 0.25, "value": "random"}
 */
export const randomErasing: PixelOp<RandomErasingOptions, { box: Box | null }> = {
  name: 'randomErasing',
  kind: 'pixel',
  parse(spec, where) {
    checkKnownOptions(spec, where, ['p', 'scale', 'ratio', 'value']);
    return {
      p: numberInRange(`${where}.p`, spec.p ?? 0.5, 0, 1),
      scale: numberPair(`${where}.scale`, spec.scale ?? [0.02, 0.33], 0, 1),
      ratio: numberPair(`${where}.ratio`, spec.ratio ?? [0.3, 3.3], 1e-6, 1e6),
      value: spec.value === 'random' ? 'random' : fillColour(`${where}.value`, spec.value ?? 0),
    };
  },
  sample(options, rng, { width, height }) {
    if (!rng.bernoulli(options.p)) return { box: null };
    const area = width * height;
    const logRatio = [Math.log(options.ratio[0]), Math.log(options.ratio[1])];
    for (let attempt = 0; attempt < 10; attempt++) {
      const eraseArea = area * rng.range(options.scale[0], options.scale[1]);
      const aspect = Math.exp(rng.range(logRatio[0], logRatio[1]));
      const h = Math.round(Math.sqrt(eraseArea * aspect));
      const w = Math.round(Math.sqrt(eraseArea / aspect));
      if (h < height && w < width && h > 0 && w > 0) return { box: { top: rng.int(0, height - h + 1), left: rng.int(0, width - w + 1), height: h, width: w } };
    }
    return { box: null };
  },
  stages: (options, params, _size, key) => (params.box ? [{ type: 'erase', ...params.box, value: options.value, key }] : []),
};
