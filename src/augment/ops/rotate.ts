import type { GeometryOp } from '../op.js';
import { fillColour, symmetricRange } from '../../validate.js';
import { inverseAffine } from './affineMatrix.js';
import { checkKnownOptions } from './optionsReader.js';

export interface RotateOptions {
  /** Angle range in degrees: d means [-d, d]. Positive turns counter-clockwise. Required. */
  degrees: [number, number];
  /** Colour of the corners the rotation uncovers, level or [r, g, b]. Default 0. */
  fill: [number, number, number];
}

/**
 * Rotates by a random angle about the centre, keeping the size (bilinear).
 * Reference: `torchvision.transforms.v2.RandomRotation` with `expand=False` (remux does not
 * support `expand` or `center`).
 * @example {"op": "rotate", "degrees": 15}
 */
export const rotate: GeometryOp<RotateOptions, { angle: number }> = {
  name: 'rotate',
  kind: 'geometry',
  parse(spec, where) {
    checkKnownOptions(spec, where, ['degrees', 'fill']);
    return { degrees: symmetricRange(`${where}.degrees`, spec.degrees, -360, 360), fill: fillColour(`${where}.fill`, spec.fill ?? 0) };
  },
  outputSize: (_options, input) => input,
  sample: (options, rng) => ({ angle: rng.range(options.degrees[0], options.degrees[1]) }),
  // torchvision's rotate is the affine inverse of -angle: positive angles turn counter-clockwise.
  matrix: (_options, params, input) => inverseAffine(-params.angle, [0, 0], 1, [0, 0], input),
  minPixelRatio: () => ({ x: 1, y: 1 }),
};
