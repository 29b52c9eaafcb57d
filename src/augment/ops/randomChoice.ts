import type { ParsedStep, WrapperOp } from '../op.js';
import { invalid, isNumber } from '../../validate.js';
import { checkKnownOptions, eachMayRun } from './optionsReader.js';

export interface RandomChoiceOptions {
  /** The steps to choose from. Required. */
  ops: ParsedStep[];
  /** Relative weights of the steps. Default: equal. */
  p: number[] | null;
}

/**
 * Applies one of its steps, chosen at random (with weights `p` when given).
 * Reference: `torchvision.transforms.v2.RandomChoice`.
 * @example {"op": "randomChoice", "ops": [{"op": "rotate", "degrees": 15}, {"op": "perspective"}]}
 */
export const randomChoice: WrapperOp<RandomChoiceOptions> = {
  name: 'randomChoice',
  kind: 'wrapper',
  parse(spec, where, _defaults, parseSteps) {
    checkKnownOptions(spec, where, ['ops', 'p']);
    if (!Array.isArray(spec.ops)) throw invalid(`${where}.ops`, 'a list of steps', spec.ops);
    const ops = parseSteps(spec.ops, `${where}.ops`);
    const p = spec.p ?? null;
    if (p !== null && (!Array.isArray(p) || p.length !== ops.length || !p.every((w) => isNumber(w) && w >= 0) || !p.some((w) => w > 0))) {
      throw invalid(`${where}.p`, `${ops.length} weights >= 0, not all 0`, p);
    }
    return { ops, p: p as number[] | null };
  },
  choose(options, rng) {
    const weights = options.p ?? options.ops.map(() => 1);
    const total = weights.reduce((a, b) => a + b, 0);
    let u = rng.uniform() * total;
    for (let i = 0; i < weights.length; i++) {
      u -= weights[i];
      if (u < 0) return [options.ops[i]];
    }
    return [options.ops[weights.length - 1]];
  },
  toSpec: (options, childrenToSpec) => ({ ops: childrenToSpec(options.ops), p: options.p }),
  minPixelRatio: (options, size, ratioOf) => eachMayRun(options.ops, size, ratioOf),
};
