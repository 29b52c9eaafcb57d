import { IDENTITY, scaleTranslate } from '../geometry.js';
import type { GeometryOp } from '../op.js';
import { numberInRange } from '../../validate.js';
import { checkKnownOptions } from './optionsReader.js';

export interface FlipOptions {
  /** Probability of flipping. Default 0.5. */
  p: number;
}

/** A mirror about the vertical axis (`horizontal`) or the horizontal one, with probability `p`. */
export function flipOp(name: string, horizontal: boolean): GeometryOp<FlipOptions, { flip: boolean }> {
  return {
    name,
    kind: 'geometry',
    parse(spec, where) {
      checkKnownOptions(spec, where, ['p']);
      return { p: numberInRange(`${where}.p`, spec.p ?? 0.5, 0, 1) };
    },
    outputSize: (_options, input) => input,
    sample: (options, rng) => ({ flip: rng.bernoulli(options.p) }),
    matrix: (_options, params, input) => (!params.flip ? IDENTITY : horizontal ? scaleTranslate(-1, 1, input.width, 0) : scaleTranslate(1, -1, 0, input.height)),
    minPixelRatio: () => ({ x: 1, y: 1 }),
  };
}
