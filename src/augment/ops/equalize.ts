import { probabilityOp } from './pixelOp.js';

/**
 * Equalises each channel's histogram with probability `p` (default 0.5).
 * Reference: `torchvision.transforms.v2.RandomEqualize` (Pillow's `ImageOps.equalize` algorithm).
 * @example {"op": "equalize", "p": 0.5}
 */
export const equalize = probabilityOp('equalize', 0.5, [], () => ({}), () => ({ type: 'equalize' }));
