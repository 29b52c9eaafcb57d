import { probabilityOp } from './pixelOp.js';

/**
 * Stretches each channel's range to 0–255 with probability `p` (default 0.5).
 * Reference: `torchvision.transforms.v2.RandomAutocontrast`.
 * @example {"op": "autoContrast", "p": 0.5}
 */
export const autoContrast = probabilityOp('autoContrast', 0.5, [], () => ({}), () => ({ type: 'autoContrast' }));
