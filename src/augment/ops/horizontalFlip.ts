import { flipOp } from './flip.js';

/**
 * Mirrors the image left to right with probability `p` (default 0.5).
 * Reference: `torchvision.transforms.v2.RandomHorizontalFlip`.
 * @example {"op": "horizontalFlip", "p": 0.5}
 */
export const horizontalFlip = flipOp('horizontalFlip', true);
