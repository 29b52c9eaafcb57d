import type { ParsedStep, WrapperOp } from '../op.js';
import type { Rgb } from '../stages.js';
import { fillColour, oneOf } from '../../validate.js';
import { checkKnownOptions } from './optionsReader.js';
import { SIGNED, policyMagnitude, policyStep, type PolicyTransform } from './policySpace.js';

export interface AutoAugmentOptions {
  /** The learned policy. Only `imagenet` for now. Default `imagenet`. */
  policy: 'imagenet';
  /** Colour of what geometric transforms uncover. Default 0. */
  fill: Rgb;
}

type SubPolicy = [[PolicyTransform, number, number | null], [PolicyTransform, number, number | null]];

/** The ImageNet policy of Cubuk et al. (AutoAugment, 2019): 25 sub-policies of two (transform, probability, magnitude bin of 10). */
const IMAGENET: SubPolicy[] = [
  [['Posterize', 0.4, 8], ['Rotate', 0.6, 9]],
  [['Solarize', 0.6, 5], ['AutoContrast', 0.6, null]],
  [['Equalize', 0.8, null], ['Equalize', 0.6, null]],
  [['Posterize', 0.6, 7], ['Posterize', 0.6, 6]],
  [['Equalize', 0.4, null], ['Solarize', 0.2, 4]],
  [['Equalize', 0.4, null], ['Rotate', 0.8, 8]],
  [['Solarize', 0.6, 3], ['Equalize', 0.6, null]],
  [['Posterize', 0.8, 5], ['Equalize', 1.0, null]],
  [['Rotate', 0.2, 3], ['Solarize', 0.6, 8]],
  [['Equalize', 0.6, null], ['Posterize', 0.4, 6]],
  [['Rotate', 0.8, 8], ['Color', 0.4, 0]],
  [['Rotate', 0.4, 9], ['Equalize', 0.6, null]],
  [['Equalize', 0.0, null], ['Equalize', 0.8, null]],
  [['Invert', 0.6, null], ['Equalize', 1.0, null]],
  [['Color', 0.6, 4], ['Contrast', 1.0, 8]],
  [['Rotate', 0.8, 8], ['Color', 1.0, 2]],
  [['Color', 0.8, 8], ['Solarize', 0.8, 7]],
  [['Sharpness', 0.4, 7], ['Invert', 0.6, null]],
  [['ShearX', 0.6, 5], ['Equalize', 1.0, null]],
  [['Color', 0.4, 0], ['Equalize', 0.6, null]],
  [['Equalize', 0.4, null], ['Solarize', 0.2, 4]],
  [['Solarize', 0.6, 5], ['AutoContrast', 0.6, null]],
  [['Invert', 0.6, null], ['Equalize', 1.0, null]],
  [['Color', 0.6, 4], ['Contrast', 1.0, 8]],
  [['Equalize', 0.8, null], ['Equalize', 0.6, null]],
];

/**
 * Applies one sub-policy drawn uniformly from the learned ImageNet policy: each of its two
 * transforms with its probability, at its magnitude bin (of 10), signed ones negated half of the
 * time.
 * Reference: `torchvision.transforms.v2.AutoAugment(AutoAugmentPolicy.IMAGENET)`. Difference:
 * geometric transforms are bilinear (torchvision's default there is nearest).
 * @example {"op": "autoAugment", "policy": "imagenet"}
 */
export const autoAugment: WrapperOp<AutoAugmentOptions> = {
  name: 'autoAugment',
  kind: 'wrapper',
  parse(spec, where) {
    checkKnownOptions(spec, where, ['policy', 'fill']);
    return { policy: oneOf(`${where}.policy`, spec.policy ?? 'imagenet', ['imagenet'] as const), fill: fillColour(`${where}.fill`, spec.fill ?? 0) };
  },
  choose(options, rng, size) {
    const steps: ParsedStep[] = [];
    for (const [transform, probability, bin] of IMAGENET[rng.int(0, IMAGENET.length)]) {
      if (!rng.bernoulli(probability)) continue;
      let magnitude = bin === null ? 0 : (policyMagnitude(transform, bin, 10, size, false) ?? 0);
      if (SIGNED.has(transform) && rng.bernoulli(0.5)) magnitude = -magnitude;
      steps.push(...policyStep(transform, magnitude, options.fill));
    }
    return steps;
  },
  toSpec: (options) => ({ ...options }),
  minPixelRatio: () => ({ x: 0.5, y: 0.5 }),
};
