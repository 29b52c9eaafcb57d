import type { Op } from '../op.js';
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

/** Every op a pipeline may name, from an explicit list (no registration by import side effect). */
export const OPS: ReadonlyMap<string, Op> = new Map<string, Op>(
  [
    // geometry
    randomResizedCrop, resize, centerCrop, randomCrop, horizontalFlip, verticalFlip, rotate, affine, perspective,
    // colour
    colorJitter, grayscale, solarize, posterize, invert, autoContrast, equalize, sharpness, gaussianBlur, gaussianNoise,
    // occlusion
    randomErasing,
    // wrappers and policies
    randomApply, randomChoice, randAugment, trivialAugmentWide, autoAugment,
  ].map((op) => [op.name, op]),
);
