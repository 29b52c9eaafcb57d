import type { Mat3, Size } from './geometry.js';
import type { SampleRng } from './rng.js';
import type { Stage, StageKey } from './stages.js';

/** What a pipeline step looks like in JSON or YAML: `{"op": "randomResizedCrop", "size": 224}`. */
export interface StepSpec {
  op: string;
  [option: string]: unknown;
}

/** Values an op may take from the command line when its spec leaves them out. */
export interface OpDefaults {
  /** `--size`: the output size of ops that have a `size` option. */
  size: number | [number, number];
  /** `--max-pixels`: the largest output an op may ask for. Default: `DEFAULT_MAX_PIXELS`. */
  maxPixels?: number;
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
   * uses it to pick the smallest JPEG decode scale that still gives the pipeline every pixel it needs.
   */
  minPixelRatio(options: O, input: Size): PixelRatio;
}

/**
 * A pixel op: it changes values, not positions (colour, blur, noise, erasing). It contributes
 * stages to the sample's pixel program; an empty list means "not applied this time".
 */
export interface PixelOp<O extends object = object, P extends object = object> {
  readonly name: string;
  readonly kind: 'pixel';
  parse(spec: StepSpec, where: string, defaults: OpDefaults): O;
  /** Draws this sample's parameters. `size` is the image size at this point of the pipeline. */
  sample(options: O, rng: SampleRng, size: Size): P;
  /** The stages for these parameters; `key` seeds per-pixel random numbers drawn in the kernel. */
  stages(options: O, params: P, size: Size, key: StageKey): Stage[];
}

/** A step as parsed: the op and its validated options. */
export interface ParsedStep {
  readonly op: Op;
  readonly options: object;
}

/**
 * A wrapper op (randomApply, randomChoice): it holds steps and picks, per sample, which of them
 * run. Its children are parsed with `parseSteps`, so they are validated like top-level steps.
 */
export interface WrapperOp<O extends object = object> {
  readonly name: string;
  readonly kind: 'wrapper';
  parse(spec: StepSpec, where: string, defaults: OpDefaults, parseSteps: (spec: unknown, where: string) => ParsedStep[]): O;
  /** The steps to run for this sample, in order: some of its children, or steps it builds (policies). */
  choose(options: O, rng: SampleRng, size: Size): ParsedStep[];
  /** The options as a spec, children included (for `remux.json` and round-trips). */
  toSpec(options: O, childrenToSpec: (steps: ParsedStep[]) => StepSpec[]): Record<string, unknown>;
  /**
   * The fewest input pixels per output pixel any choice can give, or null when a choice may change
   * the size (then JPEGs are decoded at full scale).
   */
  minPixelRatio(options: O, size: Size, ratioOf: (steps: ParsedStep[], size: Size) => PixelRatio | null): PixelRatio | null;
}

export type Op = GeometryOp<any, any> | PixelOp<any, any> | WrapperOp<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
