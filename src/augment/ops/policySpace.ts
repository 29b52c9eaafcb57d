import type { Size } from '../geometry.js';
import type { ParsedStep } from '../op.js';
import type { Rgb } from '../stages.js';
import { fixedAffine, fixedStages } from './fixed.js';

/**
 * The transforms of torchvision's automatic augmentation policies, each a function from a
 * magnitude to the step that applies it (shears and rotations about the top-left corner or the
 * centre as torchvision does them).
 */
export type PolicyTransform = 'Identity' | 'ShearX' | 'ShearY' | 'TranslateX' | 'TranslateY' | 'Rotate' | 'Brightness' | 'Color' | 'Contrast' | 'Sharpness' | 'Posterize' | 'Solarize' | 'AutoContrast' | 'Equalize' | 'Invert';

/** The transforms RandAugment and TrivialAugmentWide draw from, in torchvision's order. */
export const POLICY_TRANSFORMS: PolicyTransform[] = ['Identity', 'ShearX', 'ShearY', 'TranslateX', 'TranslateY', 'Rotate', 'Brightness', 'Color', 'Contrast', 'Sharpness', 'Posterize', 'Solarize', 'AutoContrast', 'Equalize'];

/** Transforms whose magnitude is negated half of the time. */
export const SIGNED = new Set<PolicyTransform>(['ShearX', 'ShearY', 'TranslateX', 'TranslateY', 'Rotate', 'Brightness', 'Color', 'Contrast', 'Sharpness']);

const degrees = (r: number) => (r * 180) / Math.PI;

/** torchvision's `_apply_image_or_video_transform` for one transform and magnitude. */
export function policyStep(transform: PolicyTransform, magnitude: number, fill: Rgb): ParsedStep[] {
  const affine = (o: Partial<{ angle: number; translate: [number, number]; shear: [number, number]; center: [number, number] | null }>): ParsedStep[] => [
    { op: fixedAffine, options: { angle: 0, translate: [0, 0], shear: [0, 0], center: null, fill, ...o } },
  ];
  const stage = (s: Parameters<typeof fixedStages.stages>[0]['stages'][number]): ParsedStep[] => [{ op: fixedStages, options: { stages: [s] } }];
  switch (transform) {
    case 'Identity':
      return [];
    case 'ShearX':
      return affine({ shear: [degrees(Math.atan(magnitude)), 0], center: [0, 0] });
    case 'ShearY':
      return affine({ shear: [0, degrees(Math.atan(magnitude))], center: [0, 0] });
    case 'TranslateX':
      return affine({ translate: [Math.trunc(magnitude), 0] });
    case 'TranslateY':
      return affine({ translate: [0, Math.trunc(magnitude)] });
    case 'Rotate':
      // torchvision's rotate turns counter-clockwise: the affine inverse of -angle.
      return affine({ angle: -magnitude });
    case 'Brightness':
      return stage({ type: 'brightness', factor: 1 + magnitude });
    case 'Color':
      return stage({ type: 'saturation', factor: 1 + magnitude });
    case 'Contrast':
      return stage({ type: 'contrast', factor: 1 + magnitude });
    case 'Sharpness':
      return stage({ type: 'sharpness', factor: 1 + magnitude });
    case 'Posterize':
      return stage({ type: 'posterize', bits: Math.trunc(magnitude) });
    case 'Solarize':
      return stage({ type: 'solarize', threshold: 255 * magnitude });
    case 'AutoContrast':
      return stage({ type: 'autoContrast' });
    case 'Equalize':
      return stage({ type: 'equalize' });
    case 'Invert':
      return stage({ type: 'invert' });
  }
}

const linspace = (a: number, b: number, n: number, i: number) => (n === 1 ? a : a + ((b - a) * i) / (n - 1));

/** Magnitude of bin `i` of `bins` for a transform; `wide` is TrivialAugmentWide's space. Null: no magnitude. */
export function policyMagnitude(transform: PolicyTransform, i: number, bins: number, size: Size, wide: boolean): number | null {
  switch (transform) {
    case 'ShearX':
    case 'ShearY':
      return linspace(0, wide ? 0.99 : 0.3, bins, i);
    case 'TranslateX':
      return linspace(0, wide ? 32 : (150 / 331) * size.width, bins, i);
    case 'TranslateY':
      return linspace(0, wide ? 32 : (150 / 331) * size.height, bins, i);
    case 'Rotate':
      return linspace(0, wide ? 135 : 30, bins, i);
    case 'Brightness':
    case 'Color':
    case 'Contrast':
    case 'Sharpness':
      return linspace(0, wide ? 0.99 : 0.9, bins, i);
    case 'Posterize':
      return 8 - Math.round(i / ((bins - 1) / (wide ? 6 : 4)));
    case 'Solarize':
      return linspace(1, 0, bins, i);
    default:
      return null;
  }
}
