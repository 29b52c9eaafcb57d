import type { WrapperOp } from '../op.js';
import type { Rgb } from '../stages.js';
import { fillColour, invalid, isInteger } from '../../validate.js';
import { checkKnownOptions } from './optionsReader.js';
import { POLICY_TRANSFORMS, SIGNED, policyMagnitude, policyStep } from './policySpace.js';

export interface TrivialAugmentWideOptions {
  /** Number of magnitude bins. Default 31. */
  numMagnitudeBins: number;
  /** Colour of what geometric transforms uncover. Default 0. */
  fill: Rgb;
}

/**
 * Applies one transform drawn uniformly from torchvision's wide space, at a magnitude bin drawn
 * uniformly, signed transforms negated half of the time.
 * Reference: `torchvision.transforms.v2.TrivialAugmentWide`. Difference: geometric transforms
 * are bilinear (torchvision's default there is nearest).
 * @example {"op": "trivialAugmentWide"}
 */
export const trivialAugmentWide: WrapperOp<TrivialAugmentWideOptions> = {
  name: 'trivialAugmentWide',
  kind: 'wrapper',
  parse(spec, where) {
    checkKnownOptions(spec, where, ['numMagnitudeBins', 'fill']);
    const bins = spec.numMagnitudeBins ?? 31;
    if (!isInteger(bins) || bins < 2) throw invalid(`${where}.numMagnitudeBins`, 'integer >= 2', bins);
    return { numMagnitudeBins: bins, fill: fillColour(`${where}.fill`, spec.fill ?? 0) };
  },
  choose(options, rng, size) {
    const transform = POLICY_TRANSFORMS[rng.int(0, POLICY_TRANSFORMS.length)];
    let magnitude = policyMagnitude(transform, rng.int(0, options.numMagnitudeBins), options.numMagnitudeBins, size, true) ?? 0;
    if (SIGNED.has(transform) && rng.bernoulli(0.5)) magnitude = -magnitude;
    return policyStep(transform, magnitude, options.fill);
  },
  toSpec: (options) => ({ ...options }),
  minPixelRatio: () => ({ x: 0.5, y: 0.5 }),
};
