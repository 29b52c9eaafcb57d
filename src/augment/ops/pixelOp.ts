import type { PixelOp, StepSpec } from '../op.js';
import type { Stage } from '../stages.js';
import { numberInRange } from '../../validate.js';
import { checkKnownOptions } from './optionsReader.js';

/**
 * A pixel op applied with probability `p` whose stage depends only on its options (invert,
 * equalize, …). `readOptions` validates the op's own options besides `p`.
 */
export function probabilityOp<O extends object>(
  name: string,
  defaultP: number,
  optionNames: string[],
  readOptions: (spec: StepSpec, where: string) => O,
  stage: (options: O) => Stage,
): PixelOp<O & { p: number }, { applied: boolean }> {
  return {
    name,
    kind: 'pixel',
    parse(spec, where) {
      checkKnownOptions(spec, where, ['p', ...optionNames]);
      return { ...readOptions(spec, where), p: numberInRange(`${where}.p`, spec.p ?? defaultP, 0, 1) };
    },
    sample: (options, rng) => ({ applied: rng.bernoulli(options.p) }),
    stages: (options, params) => (params.applied ? [stage(options)] : []),
  };
}
