import type { GeometryOp } from '../op.js';
import { fillColour, invalid, isNumber, numberPair, symmetricRange } from '../../validate.js';
import { inverseAffine } from './affineMatrix.js';
import { checkKnownOptions } from './optionsReader.js';

export interface AffineOptions {
  /** Rotation range in degrees (clockwise): d means [-d, d]. Default 0. */
  degrees: [number, number];
  /** Largest shift as fractions of width and height, [a, b]: dx in [-a·W, a·W]. Default none. */
  translate: [number, number] | null;
  /** Scale range [min, max]. Default none (1). */
  scale: [number, number] | null;
  /** Shear in degrees: s → x in [-s, s]; [a, b] → x in [a, b]; [a, b, c, d] → x in [a, b], y in [c, d]. Default none. */
  shear: [number, number, number, number] | null;
  /** Colour of what the transform uncovers. Default 0. */
  fill: [number, number, number];
}

export interface AffineParams {
  angle: number;
  translate: [number, number];
  scale: number;
  shear: [number, number];
}

/**
 * A random rotation, translation, scale and shear about the centre, in one bilinear warp.
 * Reference: `torchvision.transforms.v2.RandomAffine` — same sampling (translations rounded to
 * whole pixels) and the same matrix.
 * @example {"op": "affine", "degrees": 10, "translate": [0.1, 0.1], "scale": [0.9, 1.1], "shear": 5}
 */
export const affine: GeometryOp<AffineOptions, AffineParams> = {
  name: 'affine',
  kind: 'geometry',
  parse(spec, where) {
    checkKnownOptions(spec, where, ['degrees', 'translate', 'scale', 'shear', 'fill']);
    return {
      degrees: symmetricRange(`${where}.degrees`, spec.degrees ?? 0, -360, 360),
      translate: spec.translate === undefined || spec.translate === null ? null : numberPair(`${where}.translate`, spec.translate, 0, 1),
      scale: spec.scale === undefined || spec.scale === null ? null : numberPair(`${where}.scale`, spec.scale, 1e-3, 1e3),
      shear: parseShear(`${where}.shear`, spec.shear),
      fill: fillColour(`${where}.fill`, spec.fill ?? 0),
    };
  },
  outputSize: (_options, input) => input,
  sample(options, rng, input) {
    const angle = rng.range(options.degrees[0], options.degrees[1]);
    let translate: [number, number] = [0, 0];
    if (options.translate) {
      const maxDx = options.translate[0] * input.width;
      const maxDy = options.translate[1] * input.height;
      translate = [Math.round(rng.range(-maxDx, maxDx)), Math.round(rng.range(-maxDy, maxDy))];
    }
    const scale = options.scale ? rng.range(options.scale[0], options.scale[1]) : 1;
    const shear: [number, number] = options.shear ? [rng.range(options.shear[0], options.shear[1]), rng.range(options.shear[2], options.shear[3])] : [0, 0];
    return { angle, translate, scale, shear };
  },
  matrix: (_options, p, input) => inverseAffine(p.angle, p.translate, p.scale, p.shear, input),
  minPixelRatio: (options) => {
    const r = 1 / (options.scale ? options.scale[1] : 1);
    return { x: r, y: r };
  },
};

function parseShear(where: string, value: unknown): [number, number, number, number] | null {
  if (value === undefined || value === null) return null;
  if (isNumber(value)) {
    if (value < 0) throw invalid(where, 'number >= 0, [min, max] or [xmin, xmax, ymin, ymax]', value);
    return [-value, value, 0, 0];
  }
  if (Array.isArray(value) && value.length === 2) {
    const [a, b] = numberPair(where, value, -180, 180);
    return [a, b, 0, 0];
  }
  if (Array.isArray(value) && value.length === 4) {
    const [a, b] = numberPair(where, value.slice(0, 2), -180, 180);
    const [c, d] = numberPair(where, value.slice(2), -180, 180);
    return [a, b, c, d];
  }
  throw invalid(where, 'number >= 0, [min, max] or [xmin, xmax, ymin, ymax]', value);
}
