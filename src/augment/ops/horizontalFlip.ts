import { IDENTITY, scaleTranslate } from '../geometry.js';
import type { GeometryOp } from '../op.js';
import { numberInRange } from '../../validate.js';
import { checkKnownOptions } from './optionsReader.js';

export interface HorizontalFlipOptions {
  /** Probability of flipping. Default 0.5. */
  p: number;
}

/**
 * Mirrors the image left to right with probability `p`.
 * Reference: `torchvision.transforms.v2.RandomHorizontalFlip`.
 * @example {"op": "horizontalFlip", "p": 0.5}
 */
export const horizontalFlip: GeometryOp<HorizontalFlipOptions, { flip: boolean }> = {
  name: 'horizontalFlip',
  kind: 'geometry',
  parse(spec, where) {
    checkKnownOptions(spec, where, ['p']);
    return { p: numberInRange(`${where}.p`, spec.p ?? 0.5, 0, 1) };
  },
  outputSize: (_options, input) => input,
  sample: (options, rng) => ({ flip: rng.bernoulli(options.p) }),
  matrix: (_options, params, input) => (params.flip ? scaleTranslate(-1, 1, input.width, 0) : IDENTITY),
  minPixelRatio: () => ({ x: 1, y: 1 }),
};
