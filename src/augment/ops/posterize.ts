import { invalid, isInteger } from '../../validate.js';
import { probabilityOp } from './pixelOp.js';

/**
 * Keeps the top `bits` bits (1–8, required) of every level with probability `p` (default 0.5).
 * Reference: `torchvision.transforms.v2.RandomPosterize`.
 * @example {"op": "posterize", "bits": 4, "p": 0.5}
 */
export const posterize = probabilityOp(
  'posterize',
  0.5,
  ['bits'],
  (spec, where) => {
    if (!isInteger(spec.bits) || spec.bits < 1 || spec.bits > 8) throw invalid(`${where}.bits`, 'integer in [1, 8]', spec.bits);
    return { bits: spec.bits };
  },
  (o) => ({ type: 'posterize', bits: o.bits }),
);
