import { IDENTITY, scaleTranslate } from '../geometry.js';
import type { GeometryOp } from '../op.js';
import { numberInRange } from '../../validate.js';
import { checkKnownOptions } from './optionsReader.js';

export interface VerticalFlipOptions {
  /** Probability of flipping. Default 0.5. */
  p: number;
}

/**
 * Mirrors the image top to bottom with probability `p`.
 * Reference: `torchvision.transforms.v2.RandomVerticalFlip`.
 * @example {"op": "verticalFlip", "p": 0.5}
 */
export const verticalFlip: GeometryOp<VerticalFlipOptions, { flip: boolean }> = {
  name: 'verticalFlip',
  kind: 'geometry',
  parse(spec, where) {
    checkKnownOptions(spec, where, ['p']);
    return { p: numberInRange(`${where}.p`, spec.p ?? 0.5, 0, 1) };
  },
  outputSize: (_options, input) => input,
  sample: (options, rng) => ({ flip: rng.bernoulli(options.p) }),
  matrix: (_options, params, input) => (params.flip ? scaleTranslate(1, -1, 0, input.height) : IDENTITY),
  minPixelRatio: () => ({ x: 1, y: 1 }),
};
