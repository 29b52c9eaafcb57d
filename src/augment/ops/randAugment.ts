import type { WrapperOp } from '../op.js';
import type { Rgb } from '../stages.js';
import { fillColour, invalid, isInteger } from '../../validate.js';
import { checkKnownOptions } from './optionsReader.js';
import { POLICY_TRANSFORMS, SIGNED, policyMagnitude, policyStep } from './policySpace.js';

export interface RandAugmentOptions {
  /** Transforms applied per image. Default 2. */
  numOps: number;
  /** Magnitude bin, 0 ≤ magnitude < numMagnitudeBins. Default 9. */
  magnitude: number;
  /** Number of magnitude bins. Default 31. */
  numMagnitudeBins: number;
  /** Colour of what geometric transforms uncover. Default 0. */
  fill: Rgb;
}

/**
 * Applies `numOps` transforms drawn uniformly (with repetition) from torchvision's RandAugment
 * space at a fixed magnitude, each signed transform negated half of the time.
 * Reference: `torchvision.transforms.v2.RandAugment`. Difference: geometric transforms are
 * bilinear (torchvision's default there is nearest).
 * @example {"op": "randAugment", "numOps": 2, "magnitude": 9}
 */
export const randAugment: WrapperOp<RandAugmentOptions> = {
  name: 'randAugment',
  kind: 'wrapper',
  parse(spec, where) {
    checkKnownOptions(spec, where, ['numOps', 'magnitude', 'numMagnitudeBins', 'fill']);
    const numOps = spec.numOps ?? 2;
    const bins = spec.numMagnitudeBins ?? 31;
    const magnitude = spec.magnitude ?? 9;
    if (!isInteger(numOps) || numOps < 0 || numOps > 16) throw invalid(`${where}.numOps`, 'integer in [0, 16]', numOps);
    if (!isInteger(bins) || bins < 2) throw invalid(`${where}.numMagnitudeBins`, 'integer >= 2', bins);
    if (!isInteger(magnitude) || magnitude < 0 || magnitude >= bins) throw invalid(`${where}.magnitude`, `integer in [0, ${bins - 1}]`, magnitude);
    return { numOps, magnitude, numMagnitudeBins: bins, fill: fillColour(`${where}.fill`, spec.fill ?? 0) };
  },
  choose(options, rng, size) {
    const steps = [];
    for (let i = 0; i < options.numOps; i++) {
      const transform = POLICY_TRANSFORMS[rng.int(0, POLICY_TRANSFORMS.length)];
      let magnitude = policyMagnitude(transform, options.magnitude, options.numMagnitudeBins, size, false) ?? 0;
      if (SIGNED.has(transform) && rng.bernoulli(0.5)) magnitude = -magnitude;
      steps.push(...policyStep(transform, magnitude, options.fill));
    }
    return steps;
  },
  toSpec: (options) => ({ ...options }),
  minPixelRatio: () => ({ x: 0.5, y: 0.5 }),
};
