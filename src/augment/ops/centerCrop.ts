import { scaleTranslate } from '../geometry.js';
import type { GeometryOp } from '../op.js';
import { sizeOption } from '../../validate.js';
import { checkKnownOptions, roundHalfEven, sizeToHW } from './optionsReader.js';

export interface CenterCropOptions {
  /** Crop size, int (square) or [height, width]. Default: `--size`. */
  size: number | [number, number];
}

/**
 * Crops the centre of the image. A crop larger than the image pads it with black (0).
 * Reference: `torchvision.transforms.v2.CenterCrop` — same offsets, `round((H - h) / 2)` with
 * Python's round-half-to-even, and the same split of the padding.
 * @example {"op": "centerCrop", "size": 224}
 */
export const centerCrop: GeometryOp<CenterCropOptions, Record<string, never>> = {
  name: 'centerCrop',
  kind: 'geometry',
  parse(spec, where, defaults) {
    checkKnownOptions(spec, where, ['size']);
    return { size: sizeOption(`${where}.size`, spec.size ?? defaults.size, defaults.maxPixels) };
  },
  outputSize: (options) => sizeToHW(options.size),
  sample: () => ({}),
  matrix(options, _params, input) {
    const out = sizeToHW(options.size);
    return scaleTranslate(1, 1, cropOffset(input.width, out.width), cropOffset(input.height, out.height));
  },
  minPixelRatio: () => ({ x: 1, y: 1 }),
};

function cropOffset(inputExtent: number, cropExtent: number): number {
  if (cropExtent > inputExtent) return -Math.floor((cropExtent - inputExtent) / 2);
  return roundHalfEven((inputExtent - cropExtent) / 2);
}

