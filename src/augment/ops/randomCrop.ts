import { scaleTranslate } from '../geometry.js';
import type { GeometryOp } from '../op.js';
import { fillColour, invalid, isInteger, sizeOption } from '../../validate.js';
import { checkKnownOptions, sizeToHW } from './optionsReader.js';

export interface RandomCropOptions {
  /** Crop size, int (square) or [height, width]. Default: `--size`. */
  size: number | [number, number];
  /** Border added on every side before cropping: an int, [x, y] or [left, top, right, bottom]. Default 0. */
  padding: [number, number, number, number];
  /** Pad when the image is smaller than the crop. Default false. */
  padIfNeeded: boolean;
  /** Colour of the padding, level or [r, g, b]. Default 0. */
  fill: [number, number, number];
}

/**
 * Crops a random `size` window, after optional constant padding.
 * Reference: `torchvision.transforms.v2.RandomCrop` (padding_mode "constant" only). An image
 * smaller than the crop without `padIfNeeded` is padded on the right and bottom with `fill`
 * (torchvision raises an error instead).
 * @example {"op": "randomCrop", "size": 32, "padding": 4}
 */
export const randomCrop: GeometryOp<RandomCropOptions, { top: number; left: number }> = {
  name: 'randomCrop',
  kind: 'geometry',
  parse(spec, where, defaults) {
    checkKnownOptions(spec, where, ['size', 'padding', 'padIfNeeded', 'fill']);
    const padIfNeeded = spec.padIfNeeded ?? false;
    if (typeof padIfNeeded !== 'boolean') throw invalid(`${where}.padIfNeeded`, 'true or false', padIfNeeded);
    return {
      size: sizeOption(`${where}.size`, spec.size ?? defaults.size, defaults.maxPixels),
      padding: parsePadding(`${where}.padding`, spec.padding ?? 0),
      padIfNeeded,
      fill: fillColour(`${where}.fill`, spec.fill ?? 0),
    };
  },
  outputSize: (options) => sizeToHW(options.size),
  sample(options, rng, input) {
    const { width: w, height: h } = sizeToHW(options.size);
    const padded = paddedBox(options, input);
    return { top: padded.top + rng.int(0, Math.max(0, padded.height - h) + 1), left: padded.left + rng.int(0, Math.max(0, padded.width - w) + 1) };
  },
  matrix: (_options, params) => scaleTranslate(1, 1, params.left, params.top),
  minPixelRatio: () => ({ x: 1, y: 1 }),
};

/** The padded image as a box in input coordinates: it starts at (-padLeft, -padTop). */
function paddedBox(options: RandomCropOptions, input: { width: number; height: number }) {
  const [left, top, right, bottom] = options.padding;
  const crop = sizeToHW(options.size);
  let width = input.width + left + right;
  let height = input.height + top + bottom;
  let padLeft = left;
  let padTop = top;
  if (options.padIfNeeded && width < crop.width) {
    padLeft += crop.width - width;
    width = crop.width;
  }
  if (options.padIfNeeded && height < crop.height) {
    padTop += crop.height - height;
    height = crop.height;
  }
  return { left: -padLeft, top: -padTop, width, height };
}

function parsePadding(where: string, value: unknown): [number, number, number, number] {
  const ok = (v: unknown) => isInteger(v) && v >= 0;
  if (ok(value)) return [value as number, value as number, value as number, value as number];
  if (Array.isArray(value) && value.every(ok)) {
    if (value.length === 2) return [value[0], value[1], value[0], value[1]];
    if (value.length === 4) return [value[0], value[1], value[2], value[3]];
  }
  throw invalid(where, 'integer >= 0, [x, y] or [left, top, right, bottom]', value);
}
