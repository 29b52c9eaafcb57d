import { cropResize, type Size } from '../geometry.js';
import type { GeometryOp, PixelRatio } from '../op.js';
import { numberPair, sizeOption } from '../../validate.js';
import { checkKnownOptions, sizeToHW } from './optionsReader.js';

export interface RandomResizedCropOptions {
  /** Output size, int (square) or [height, width]. Default: `--size`. */
  size: number | [number, number];
  /** Range of the crop's area as a fraction of the image's. Default [0.08, 1]. */
  scale: [number, number];
  /** Range of the crop's aspect ratio (width / height), sampled log-uniformly. Default [3/4, 4/3]. */
  ratio: [number, number];
}

export interface CropBox {
  top: number;
  left: number;
  height: number;
  width: number;
}

/**
 * Crops a random box of random area and aspect ratio and resizes it to `size` (bilinear,
 * antialiased when shrinking, as torchvision's default).
 * Reference: `torchvision.transforms.v2.RandomResizedCrop` — the same ten attempts, then the same
 * centre-crop fallback. Difference: draws come from remux's per-sample generator, not torch's.
 * @example {"op": "randomResizedCrop", "size": 224, "scale": [0.08, 1]}
 */
export const randomResizedCrop: GeometryOp<RandomResizedCropOptions, CropBox> = {
  name: 'randomResizedCrop',
  kind: 'geometry',
  parse(spec, where, defaults) {
    checkKnownOptions(spec, where, ['size', 'scale', 'ratio']);
    const ratio = numberPair(`${where}.ratio`, spec.ratio ?? [3 / 4, 4 / 3], 1e-6, 1e6);
    return {
      size: sizeOption(`${where}.size`, spec.size ?? defaults.size, defaults.maxPixels),
      scale: numberPair(`${where}.scale`, spec.scale ?? [0.08, 1], 1e-6, 1),
      ratio,
    };
  },
  outputSize: (options) => sizeToHW(options.size),
  sample(options, rng, input) {
    const { width, height } = input;
    const area = width * height;
    const logRatio: [number, number] = [Math.log(options.ratio[0]), Math.log(options.ratio[1])];
    for (let attempt = 0; attempt < 10; attempt++) {
      const targetArea = area * rng.range(options.scale[0], options.scale[1]);
      const aspect = Math.exp(rng.range(logRatio[0], logRatio[1]));
      const w = Math.round(Math.sqrt(targetArea * aspect));
      const h = Math.round(Math.sqrt(targetArea / aspect));
      if (w > 0 && w <= width && h > 0 && h <= height) {
        return { top: rng.int(0, height - h + 1), left: rng.int(0, width - w + 1), height: h, width: w };
      }
    }
    return fallbackCrop(options.ratio, input);
  },
  matrix: (options, box) => cropResize(box.left, box.top, box.width, box.height, sizeToHW(options.size)),
  minPixelRatio(options, input): PixelRatio {
    const out = sizeToHW(options.size);
    const minArea = input.width * input.height * options.scale[0];
    const fallback = fallbackCrop(options.ratio, input);
    // w and h are rounded from these, and rounding is monotone, so no attempt gives less.
    const minW = Math.min(Math.round(Math.sqrt(minArea * options.ratio[0])), fallback.width);
    const minH = Math.min(Math.round(Math.sqrt(minArea / options.ratio[1])), fallback.height);
    return { x: Math.max(1, minW) / out.width, y: Math.max(1, minH) / out.height };
  },
};

/** torchvision's fallback after ten failed attempts: the largest centred crop within the ratio range. */
function fallbackCrop(ratio: [number, number], input: Size): CropBox {
  const { width, height } = input;
  const inRatio = width / height;
  let w = width;
  let h = height;
  if (inRatio < ratio[0]) h = Math.round(w / ratio[0]);
  else if (inRatio > ratio[1]) w = Math.round(h * ratio[1]);
  return { top: Math.floor((height - h) / 2), left: Math.floor((width - w) / 2), height: h, width: w };
}
