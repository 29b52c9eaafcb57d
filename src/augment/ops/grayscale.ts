import { probabilityOp } from './pixelOp.js';

/**
 * Replaces the image by its luma (ITU-R 601 weights 0.2989, 0.587, 0.114) in all three channels
 * with probability `p` (default 0.1).
 * Reference: `torchvision.transforms.v2.RandomGrayscale`.
 * @example {"op": "grayscale", "p": 0.1}
 */
export const grayscale = probabilityOp('grayscale', 0.1, [], () => ({}), () => ({ type: 'grayscale' }));
