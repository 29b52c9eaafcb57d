import type { Op } from '../op.js';
import { centerCrop } from './centerCrop.js';
import { horizontalFlip } from './horizontalFlip.js';
import { randomResizedCrop } from './randomResizedCrop.js';
import { resize } from './resize.js';

/** Every op a pipeline may name, from an explicit list (no registration by import side effect). */
export const OPS: ReadonlyMap<string, Op> = new Map<string, Op>(
  [randomResizedCrop, resize, centerCrop, horizontalFlip].map((op) => [op.name, op]),
);
