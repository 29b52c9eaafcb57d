import type { GeometryOp, PixelOp } from '../op.js';
import type { Rgb, Stage } from '../stages.js';
import { inverseAffine } from './affineMatrix.js';

/**
 * Internal ops with fixed parameters, built by the policies (randAugment, trivialAugmentWide)
 * for the transform they picked. Not in the registry: a pipeline cannot name them.
 */
export interface FixedAffineOptions {
  angle: number;
  translate: [number, number];
  shear: [number, number];
  /** Centre of rotation and shear in pixels; null: the image centre. */
  center: [number, number] | null;
  fill: Rgb;
}

export const fixedAffine: GeometryOp<FixedAffineOptions, Record<string, never>> = {
  name: 'fixedAffine',
  kind: 'geometry',
  parse: () => {
    throw new Error('fixedAffine is built by policies, not parsed');
  },
  outputSize: (_options, input) => input,
  sample: () => ({}),
  matrix: (o, _p, input) => inverseAffine(o.angle, o.translate, 1, o.shear, input, o.center ?? undefined),
  // A shear of s stretches one direction by up to (s + √(s² + 4)) / 2: bound it for s ≤ 1.
  minPixelRatio: () => ({ x: 0.6, y: 0.6 }),
};

export const fixedStages: PixelOp<{ stages: Stage[] }, Record<string, never>> = {
  name: 'fixedStages',
  kind: 'pixel',
  parse: () => {
    throw new Error('fixedStages is built by policies, not parsed');
  },
  sample: () => ({}),
  stages: (options) => options.stages,
};
