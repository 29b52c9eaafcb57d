import type { Op, ParsedStep } from '../op.js';
import { affine } from './affine.js';
import { autoAugment } from './autoAugment.js';
import { autoContrast } from './autoContrast.js';
import { centerCrop } from './centerCrop.js';
import { colorJitter } from './colorJitter.js';
import { equalize } from './equalize.js';
import { gaussianBlur } from './gaussianBlur.js';
import { gaussianNoise } from './gaussianNoise.js';
import { grayscale } from './grayscale.js';
import { horizontalFlip } from './horizontalFlip.js';
import { invert } from './invert.js';
import { perspective } from './perspective.js';
import { posterize } from './posterize.js';
import { randAugment } from './randAugment.js';
import { randomApply } from './randomApply.js';
import { randomChoice } from './randomChoice.js';
import { randomCrop } from './randomCrop.js';
import { randomErasing } from './randomErasing.js';
import { randomResizedCrop } from './randomResizedCrop.js';
import { resize } from './resize.js';
import { rotate } from './rotate.js';
import { sharpness } from './sharpness.js';
import { solarize } from './solarize.js';
import { trivialAugmentWide } from './trivialAugmentWide.js';
import { verticalFlip } from './verticalFlip.js';

/**
 * Every op a pipeline may name, by its name, from an explicit list (no registration by import side
 * effect). An object rather than a list so that the names are a type (`OpName`).
 */
const OPS_BY_NAME = {
  // geometry
  randomResizedCrop, resize, centerCrop, randomCrop, horizontalFlip, verticalFlip, rotate, affine, perspective,
  // colour
  colorJitter, grayscale, solarize, posterize, invert, autoContrast, equalize, sharpness, gaussianBlur, gaussianNoise,
  // occlusion
  randomErasing,
  // wrappers and policies
  randomApply, randomChoice, randAugment, trivialAugmentWide, autoAugment,
};

export const OPS: ReadonlyMap<string, Op> = new Map<string, Op>(Object.entries(OPS_BY_NAME));

/** The name of an op a pipeline may use: `'randomResizedCrop' | 'resize' | …`. */
export type OpName = keyof typeof OPS_BY_NAME;

/** An op's options as parsed: their keys are the keys its spec may have (`pipelineToSpec` round-trips). */
type OptionsOf<N extends OpName> = ReturnType<(typeof OPS_BY_NAME)[N]['parse']>;

/**
 * What a spec may give for an option parsed into `V`: `V` itself, a number where `V` is a list of
 * numbers (the shorthands: `degrees: 30` for [-30, 30], `fill: 0` for [0, 0, 0]), nested steps
 * for a wrapper's `ops`. Ranges and the like are checked when the pipeline is parsed.
 */
type SpecValue<V> = V extends ParsedStep[] ? OpStepSpec[] : V extends readonly number[] ? number | readonly number[] : V;

/**
 * A pipeline step as a library user writes it, typed: a known op name and only that op's options,
 * so that TypeScript catches `{ op: 'resise' }` or `{ op: 'resize', szie: 256 }`.
 */
export type OpStepSpec = { [N in OpName]: { op: N } & { [K in keyof OptionsOf<N>]?: SpecValue<OptionsOf<N>[K]> } }[OpName];
