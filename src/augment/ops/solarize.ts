import { numberInRange } from '../../validate.js';
import { probabilityOp } from './pixelOp.js';

/**
 * Inverts the levels at or above `threshold` (0–255, required) with probability `p` (default 0.5).
 * Reference: `torchvision.transforms.v2.RandomSolarize`.
 * @example {"op": "solarize", "threshold": 192, "p": 0.5}
 */
export const solarize = probabilityOp(
  'solarize',
  0.5,
  ['threshold'],
  (spec, where) => ({ threshold: numberInRange(`${where}.threshold`, spec.threshold, 0, 255) }),
  (o) => ({ type: 'solarize', threshold: o.threshold }),
);
