import { flipOp } from './flip.js';

/**
 * Mirrors the image top to bottom with probability `p` (default 0.5).
 * Reference: `torchvision.transforms.v2.RandomVerticalFlip`.
 * @example {"op": "verticalFlip", "p": 0.5}
 */
export const verticalFlip = flipOp('verticalFlip', false);
