import type { Mat3, Size } from './geometry.js';
import type { SampleRng } from './rng.js';

/** What a pipeline step looks like in JSON or YAML: `{"op": "randomResizedCrop", "size": 224}`. */
export interface StepSpec {
  op: string;
  [option: string]: unknown;
}

/** Values an op may take from the command line when its spec leaves them out. */
export interface OpDefaults {
  /** `--size`: the output size of ops that have a `size` option. */
  size: number | [number, number];
}

/** Input pixels per output pixel along each axis; < 1 means the op enlarges. */
export interface PixelRatio {
  x: number;
  y: number;
}

/**
 * A geometric op: it maps each output pixel to an input position through a 3×3 matrix that
 * depends on the sampled parameters. Options are validated once in `parse`; kernels never validate.
 */
export interface GeometryOp<O extends object = object, P extends object = object> {
  readonly name: string;
  readonly kind: 'geometry';
  /** Validates a step's options and fills defaults. `where` prefixes every error message. */
  parse(spec: StepSpec, where: string, defaults: OpDefaults): O;
  /** The output size for an input size; it never depends on the random parameters. */
  outputSize(options: O, input: Size): Size;
  /** Draws this sample's parameters from its own random stream. Pure. */
  sample(options: O, rng: SampleRng, input: Size): P;
  /** Output → input matrix for these parameters. */
  matrix(options: O, params: P, input: Size): Mat3;
  /**
   * The fewest input pixels per output pixel that any parameters can give, per axis. The decoder
   * uses it to pick the smallest JPEG DCT scale that still gives the pipeline every pixel it needs.
   */
  minPixelRatio(options: O, input: Size): PixelRatio;
}

export type Op = GeometryOp<any, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
