import { cropResize, type Size } from '../geometry.js';
import type { GeometryOp } from '../op.js';
import { invalid, isPositiveInteger, sizeOption } from '../../validate.js';
import { checkKnownOptions } from './optionsReader.js';

export interface ResizeOptions {
  /** An int resizes the shorter side to it, keeping the aspect ratio; [height, width] is exact. Default: `--size`. */
  size: number | [number, number];
  /** With an int size: the longer side is capped at this. Default: none. */
  maxSize: number | null;
}

/**
 * Resizes the whole image (bilinear; antialiased when shrinking, like torchvision's default
 * `antialias=True`).
 * Reference: `torchvision.transforms.v2.Resize` — same output-size rule (the longer side is
 * `floor(size * long / short)`), same `max_size` cap.
 * @example {"op": "resize", "size": 256}
 */
export const resize: GeometryOp<ResizeOptions, Record<string, never>> = {
  name: 'resize',
  kind: 'geometry',
  parse(spec, where, defaults) {
    checkKnownOptions(spec, where, ['size', 'maxSize']);
    const size = sizeOption(`${where}.size`, spec.size ?? defaults.size, defaults.maxPixels);
    const maxSize = spec.maxSize ?? null;
    if (maxSize !== null) {
      if (!isPositiveInteger(maxSize)) throw invalid(`${where}.maxSize`, 'positive integer', maxSize);
      if (typeof size !== 'number') throw invalid(`${where}.maxSize`, 'no maxSize when size is [height, width]', maxSize);
      if (maxSize <= size) throw invalid(`${where}.maxSize`, `integer greater than size (${size})`, maxSize);
    }
    return { size, maxSize };
  },
  outputSize: resizedSize,
  sample: () => ({}),
  matrix: (options, _params, input) => cropResize(0, 0, input.width, input.height, resizedSize(options, input)),
  minPixelRatio(options, input) {
    const out = resizedSize(options, input);
    return { x: input.width / out.width, y: input.height / out.height };
  },
};

function resizedSize(options: ResizeOptions, input: Size): Size {
  if (typeof options.size !== 'number') return { height: options.size[0], width: options.size[1] };
  const short = Math.min(input.width, input.height);
  const long = Math.max(input.width, input.height);
  let newShort = options.size;
  let newLong = Math.floor((options.size * long) / short);
  if (options.maxSize !== null && newLong > options.maxSize) {
    newShort = Math.floor((options.maxSize * newShort) / newLong);
    newLong = options.maxSize;
  }
  return input.width <= input.height ? { width: newShort, height: newLong } : { width: newLong, height: newShort };
}
