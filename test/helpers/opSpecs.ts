import type { StepSpec } from '../../src/augment/op.js';
import type { OpName, OpStepSpec } from '../../src/augment/ops/index.js';

/** A minimal valid spec of every op: tsc (and the completeness test) fails when an op is missing here. */
export const MINIMAL_SPECS: Record<string, StepSpec> = {
  randomResizedCrop: { op: 'randomResizedCrop' },
  resize: { op: 'resize' },
  centerCrop: { op: 'centerCrop' },
  randomCrop: { op: 'randomCrop', padding: 4 },
  horizontalFlip: { op: 'horizontalFlip' },
  verticalFlip: { op: 'verticalFlip' },
  rotate: { op: 'rotate', degrees: 30 },
  affine: { op: 'affine', degrees: 10, translate: [0.1, 0.2], scale: [0.8, 1.2], shear: [-5, 5, -3, 3] },
  perspective: { op: 'perspective' },
  colorJitter: { op: 'colorJitter', brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.1 },
  grayscale: { op: 'grayscale' },
  solarize: { op: 'solarize', threshold: 128 },
  posterize: { op: 'posterize', bits: 3 },
  invert: { op: 'invert' },
  autoContrast: { op: 'autoContrast' },
  equalize: { op: 'equalize' },
  sharpness: { op: 'sharpness', sharpnessFactor: 2 },
  gaussianBlur: { op: 'gaussianBlur', kernelSize: 5 },
  gaussianNoise: { op: 'gaussianNoise' },
  randomErasing: { op: 'randomErasing', value: 'random' },
  randomApply: { op: 'randomApply', ops: [{ op: 'invert', p: 1 }] },
  randomChoice: { op: 'randomChoice', ops: [{ op: 'invert' }, { op: 'rotate', degrees: 5 }], p: [1, 3] },
  randAugment: { op: 'randAugment' },
  trivialAugmentWide: { op: 'trivialAugmentWide' },
  autoAugment: { op: 'autoAugment' },
} satisfies Record<OpName, OpStepSpec>;
