import { probabilityOp } from './pixelOp.js';

/**
 * Inverts every channel (255 - v) with probability `p` (default 0.5).
 * Reference: `torchvision.transforms.v2.RandomInvert`.
 * @example {"op": "invert", "p": 0.5}
 */
export const invert = probabilityOp('invert', 0.5, [], () => ({}), () => ({ type: 'invert' }));
