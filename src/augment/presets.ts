import type { OpStepSpec } from './ops/index.js';

/**
 * Named pipelines for `--preset`. Sizes come from `--size`, so `--preset imagenet-train --size 160`
 * does what it says.
 */
export const PRESETS = {
  /** torchvision's classic ImageNet training recipe. */
  'imagenet-train': () => [
    { op: 'randomResizedCrop' },
    { op: 'horizontalFlip' },
    { op: 'colorJitter', brightness: 0.4, contrast: 0.4, saturation: 0.4 },
  ],
  /** The matching evaluation transform: resize the shorter side to size / 0.875, centre crop. */
  'imagenet-eval': (size) => [
    { op: 'resize', size: Math.round((typeof size === 'number' ? size : Math.min(...size)) / 0.875) },
    { op: 'centerCrop' },
  ],
  /** RandAugment (2 ops, magnitude 9) after the usual crop and flip. */
  randaugment: () => [{ op: 'randomResizedCrop' }, { op: 'horizontalFlip' }, { op: 'randAugment', numOps: 2, magnitude: 9 }],
  /** TrivialAugmentWide after the usual crop and flip. */
  trivialaugment: () => [{ op: 'randomResizedCrop' }, { op: 'horizontalFlip' }, { op: 'trivialAugmentWide' }],
} satisfies Record<string, (size: number | [number, number]) => OpStepSpec[]>;

/** The name of a preset: `'imagenet-train' | 'imagenet-eval' | 'randaugment' | 'trivialaugment'`. */
export type PresetName = keyof typeof PRESETS;

/** Whether `name` is a preset's (an own key: `toString` is not one). */
export const isPresetName = (name: string): name is PresetName => Object.hasOwn(PRESETS, name);
