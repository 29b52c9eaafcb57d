import { numberInRange } from '../../validate.js';
import { probabilityOp } from './pixelOp.js';

/**
 * Sharpens (factor > 1) or softens (< 1) with probability `p` (default 0.5): a blend with a
 * 3×3-smoothed copy. `sharpnessFactor` is required; 1 changes nothing.
 * Reference: `torchvision.transforms.v2.RandomAdjustSharpness`.
 * @example {"op": "sharpness", "sharpnessFactor": 2, "p": 0.5}
 */
export const sharpness = probabilityOp(
  'sharpness',
  0.5,
  ['sharpnessFactor'],
  (spec, where) => ({ sharpnessFactor: numberInRange(`${where}.sharpnessFactor`, spec.sharpnessFactor, 0, 100) }),
  (o) => ({ type: 'sharpness', factor: o.sharpnessFactor }),
);
