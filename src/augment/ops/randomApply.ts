import type { ParsedStep, WrapperOp } from '../op.js';
import { invalid, numberInRange } from '../../validate.js';
import { checkKnownOptions, eachMayRun } from './optionsReader.js';

export interface RandomApplyOptions {
  /** The steps, applied all together or not at all. Required. */
  ops: ParsedStep[];
  /** Probability of applying them. Default 0.5. */
  p: number;
}

/**
 * Applies its steps, in order, with probability `p`.
 * Reference: `torchvision.transforms.v2.RandomApply`.
 * @example {"op": "randomApply", "p": 0.8, "ops": [{"op": "colorJitter", "brightness": 0.4}]}
 */
export const randomApply: WrapperOp<RandomApplyOptions> = {
  name: 'randomApply',
  kind: 'wrapper',
  parse(spec, where, _defaults, parseSteps) {
    checkKnownOptions(spec, where, ['ops', 'p']);
    if (!Array.isArray(spec.ops)) throw invalid(`${where}.ops`, 'a list of steps', spec.ops);
    return { ops: parseSteps(spec.ops, `${where}.ops`), p: numberInRange(`${where}.p`, spec.p ?? 0.5, 0, 1) };
  },
  choose: (options, rng) => (rng.bernoulli(options.p) ? options.ops : []),
  toSpec: (options, childrenToSpec) => ({ ops: childrenToSpec(options.ops), p: options.p }),
  minPixelRatio: (options, size, ratioOf) => eachMayRun(options.ops, size, ratioOf),
};
