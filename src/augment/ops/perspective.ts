import { IDENTITY, type Mat3 } from '../geometry.js';
import type { GeometryOp } from '../op.js';
import { fillColour, numberInRange } from '../../validate.js';
import { checkKnownOptions } from './optionsReader.js';

export interface PerspectiveOptions {
  /** How far each corner may move, as a fraction of half the width and height. Default 0.5. */
  distortionScale: number;
  /** Probability of applying. Default 0.5. */
  p: number;
  /** Colour of what the transform uncovers. Default 0. */
  fill: [number, number, number];
}

type Point = [number, number];

/**
 * Moves each corner of the image randomly inwards and warps the image so the corners land there.
 * Reference: `torchvision.transforms.v2.RandomPerspective` — same corner sampling and the same
 * coefficients (`_get_perspective_coeffs`).
 * @example {"op": "perspective", "distortionScale": 0.3, "p": 0.5}
 */
export const perspective: GeometryOp<PerspectiveOptions, { corners: Point[] | null }> = {
  name: 'perspective',
  kind: 'geometry',
  parse(spec, where) {
    checkKnownOptions(spec, where, ['distortionScale', 'p', 'fill']);
    return {
      distortionScale: numberInRange(`${where}.distortionScale`, spec.distortionScale ?? 0.5, 0, 1),
      p: numberInRange(`${where}.p`, spec.p ?? 0.5, 0, 1),
      fill: fillColour(`${where}.fill`, spec.fill ?? 0),
    };
  },
  outputSize: (_options, input) => input,
  sample(options, rng, { width, height }) {
    if (!rng.bernoulli(options.p)) return { corners: null };
    const bw = Math.floor(options.distortionScale * Math.floor(width / 2)) + 1;
    const bh = Math.floor(options.distortionScale * Math.floor(height / 2)) + 1;
    const corners: Point[] = [
      [rng.int(0, bw), rng.int(0, bh)],
      [rng.int(width - bw, width), rng.int(0, bh)],
      [rng.int(width - bw, width), rng.int(height - bh, height)],
      [rng.int(0, bw), rng.int(height - bh, height)],
    ];
    return { corners };
  },
  matrix(_options, params, { width, height }) {
    if (!params.corners) return IDENTITY;
    const start: Point[] = [[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]];
    return perspectiveCoefficients(params.corners, start);
  },
  minPixelRatio: () => ({ x: 0.5, y: 0.5 }),
};

/** The projective matrix taking each point of `from` (output) to the matching point of `to` (input). */
export function perspectiveCoefficients(from: Point[], to: Point[]): Mat3 {
  const a: number[][] = [];
  const b: number[] = [];
  for (let i = 0; i < 4; i++) {
    const [x, y] = from[i];
    const [u, v] = to[i];
    a.push([x, y, 1, 0, 0, 0, -u * x, -u * y]);
    b.push(u);
    a.push([0, 0, 0, x, y, 1, -v * x, -v * y]);
    b.push(v);
  }
  const c = solve(a, b);
  return [c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], 1];
}

/** Gaussian elimination with partial pivoting. */
function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(m[r][col]) > Math.abs(m[pivot][col])) pivot = r;
    [m[col], m[pivot]] = [m[pivot], m[col]];
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const f = m[r][col] / m[col][col];
      for (let k = col; k <= n; k++) m[r][k] -= f * m[col][k];
    }
  }
  return m.map((row, i) => row[n] / row[i]);
}
