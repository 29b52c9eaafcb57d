import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { register } from 'node:module';
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as tfjs from '@tensorflow/tfjs-core';
// The chained ops' types (`t.mul(…)`); remux registers them at run time (src/backend/tfjs.ts).
import type {} from '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops.js';
import { RemuxError, UsageError, messageOf } from '../errors.js';
import type { StepSpec } from './op.js';
import { SampleRng } from './rng.js';

/**
 * What a user's `--augment` function sees besides the images: the TensorFlow.js namespace of the
 * running backend, who each image is, and seeded random numbers from the same per-sample
 * generator as the built-in ops, so the function is as reproducible and resumable as they are.
 */
export interface AugmentContext {
  tf: typeof tfjs;
  /** Images in the batch (the batch's first dimension). */
  size: number;
  /** Each image's source label (null where it has none). */
  labels: Array<number | null>;
  /** Class names when the labels are a ClassLabel. */
  labelNames: string[] | null;
  sourceIndices: number[];
  copies: number[];
  /** `uniform([n, k])`: k numbers in [0, 1) per image, a pure function of (seed, row, copy, call order). */
  random: { uniform(shape: [number, number]): tfjs.Tensor2D };
}

/** A batch `[n, h, w, 3]` of values 0–255 in, the same (or new labels with it) out. */
export type AugmentFunction = (batch: tfjs.Tensor4D, ctx: AugmentContext) => AugmentReturn | Promise<AugmentReturn>;
/** Checked when it comes back: rank 4, `[n, h, w, 3]`, float32 or int32 (any h and w, one for the batch). */
export type AugmentReturn = tfjs.Tensor | { images: tfjs.Tensor; labels?: ArrayLike<number> | tfjs.Tensor };

export interface LoadedAugment {
  /** How messages name it: the module path, or `augment function`. */
  name: string;
  fn: AugmentFunction;
  /** Changes when the function's code does: part of what `--resume` compares. */
  fingerprint: string;
}

/**
 * The pipeline to run: the one asked for; or, when a user's function brings its own augmentation
 * and none is asked for, one that only sizes the images (shorter side to `size`, then the centre),
 * so that every batch is one tensor.
 */
export function pipelineChoice<T extends { augment?: unknown; pipeline?: StepSpec[] | string; preset?: string; size: number | [number, number] }>(options: T): T {
  if (options.augment === undefined || options.pipeline !== undefined || options.preset !== undefined) return options;
  const [height, width] = typeof options.size === 'number' ? [options.size, options.size] : options.size;
  return { ...options, pipeline: [{ op: 'resize', size: Math.max(height, width) }, { op: 'centerCrop', size: [height, width] }] };
}

/** The stream of the user's draws: apart from every op position, so they never repeat an op's numbers. */
const USER_STREAM = 0x55534552;

const TYPESCRIPT = ['.ts', '.mts', '.cts'];
let typescriptHooks = false;

/**
 * Loads a `--augment` module (.js/.mjs, or .ts/.mts compiled on the fly, without a build step)
 * whose default export is the function; a function given through the library is taken as is.
 */
export async function loadAugment(spec: string | AugmentFunction): Promise<LoadedAugment> {
  if (typeof spec === 'function') return { name: 'augment function', fn: spec, fingerprint: hash(spec.toString()) };
  const path = resolve(spec);
  const info = await stat(path).catch(() => null);
  if (!info?.isFile()) throw new UsageError(`--augment ${spec}: no such file (expected a .ts, .mts, .js or .mjs module whose default export is the function)`);
  if (TYPESCRIPT.includes(extname(path)) && !typescriptHooks) {
    register(new URL('../util/typescriptHooks.js', import.meta.url));
    typescriptHooks = true;
  }
  let module: { default?: unknown };
  try {
    module = (await import(pathToFileURL(path).href)) as { default?: unknown };
  } catch (error) {
    throw new UsageError(`--augment ${spec}: the module did not load: ${messageOf(error).split('\n')[0]}`);
  }
  if (typeof module.default !== 'function') throw new UsageError(`--augment ${spec}: expected a default export (batch, ctx) => batch but the module's default export is ${describe(module.default)}`);
  return { name: spec, fn: module.default as AugmentFunction, fingerprint: hash(await readFile(path, 'utf8')) };
}

const hash = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 16);

function describe(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}

/** One image of a batch, and who it is. */
export interface BatchMember {
  data: Uint8Array;
  width: number;
  height: number;
  sourceIndex: number;
  copy: number;
  label: number | null;
}

export interface UserBatchResult {
  images: Array<{ data: Uint8Array; width: number; height: number }>;
  /** New labels, when the function returned some. */
  labels: number[] | null;
}

/**
 * Runs the user's function on one batch inside a tensor scope, and checks what it did: a throw,
 * a wrong shape or dtype, labels of the wrong kind, or tensors left alive are errors that name
 * the module and what was expected. Values are clipped to 0–255 and rounded.
 */
export async function runUserAugment(user: LoadedAugment, tf: typeof tfjs, members: BatchMember[], seed: number, labelNames: string[] | null, hasLabels: boolean): Promise<UserBatchResult> {
  const fail = (what: string) => new RemuxError('ERR_REMUX_AUGMENT', `--augment ${user.name}: ${what}`);
  const { width, height } = members[0];
  const odd = members.find((m) => m.width !== width || m.height !== height);
  if (odd) throw fail(`needs every image of a batch at one size, but source row ${odd.sourceIndex} is ${odd.width}×${odd.height} and row ${members[0].sourceIndex} ${width}×${height}: end the pipeline with a fixed-size op (resize, centerCrop, randomResizedCrop)`);
  const before = tf.memory().numTensors;
  tf.engine().startScope();
  let result: UserBatchResult;
  try {
    result = await callInScope(user, tf, members, seed, labelNames, hasLabels, fail);
  } finally {
    tf.engine().endScope();
  }
  const left = tf.memory().numTensors - before;
  // Only tensors the function kept alive on purpose (tf.keep, variables) outlive the scope.
  if (left > 0) throw fail(`the function leaks ${left} tensor(s) per batch (kept with tf.keep or tf.variable): dispose them before returning`);
  return result;
}

async function callInScope(user: LoadedAugment, tf: typeof tfjs, members: BatchMember[], seed: number, labelNames: string[] | null, hasLabels: boolean, fail: (what: string) => Error): Promise<UserBatchResult> {
  const n = members.length;
  const { width, height } = members[0];
  const pixels = new Float32Array(n * height * width * 3);
  members.forEach((m, i) => pixels.set(m.data, i * height * width * 3));
  const batch = tf.tensor4d(pixels, [n, height, width, 3], 'float32');
  let returned: AugmentReturn;
  try {
    returned = await user.fn(batch, context(tf, members, seed, labelNames));
  } catch (error) {
    throw fail(`the function threw: ${messageOf(error)}`);
  }
  const { images, labels } = unpack(returned, fail);
  if (images.rank !== 4 || images.shape[0] !== n || images.shape[3] !== 3) throw fail(`expected a tensor [${n}, height, width, 3] (or { images, labels }) but the function returned shape [${images.shape.join(', ')}]`);
  if (images.dtype !== 'float32' && images.dtype !== 'int32') throw fail(`expected float32 or int32 images but the function returned ${images.dtype}`);
  const [, h, w] = images.shape as [number, number, number, number];
  const values = await tf.round(tf.clipByValue(images, 0, 255)).data();
  const out = members.map((_, i) => ({ data: Uint8Array.from(values.subarray(i * h * w * 3, (i + 1) * h * w * 3)), width: w, height: h }));
  return { images: out, labels: labels === null ? null : await checkLabels(tf, labels, n, labelNames, hasLabels, fail) };
}

function unpack(returned: AugmentReturn, fail: (what: string) => Error): { images: tfjs.Tensor; labels: ArrayLike<number> | tfjs.Tensor | null } {
  if (returned && typeof returned === 'object' && 'images' in returned) return { images: returned.images, labels: returned.labels ?? null };
  if (returned && typeof returned === 'object' && 'shape' in returned) return { images: returned, labels: null };
  throw fail(`expected the function to return a tensor [n, height, width, 3] or { images, labels } but it returned ${describe(returned)}`);
}

async function checkLabels(tf: typeof tfjs, labels: ArrayLike<number> | tfjs.Tensor, n: number, labelNames: string[] | null, hasLabels: boolean, fail: (what: string) => Error): Promise<number[]> {
  if (!hasLabels) throw fail('the function returned labels, but the source has no label column to put them in');
  const values = labels instanceof tf.Tensor ? Array.from(await labels.data()) : Array.from(labels);
  if (values.length !== n) throw fail(`expected ${n} labels (one per image) but the function returned ${values.length}`);
  const classes = labelNames?.length ?? Infinity;
  const bad = values.findIndex((v) => !Number.isInteger(v) || v < 0 || v >= classes);
  if (bad >= 0) throw fail(`expected integer labels in [0, ${classes === Infinity ? '∞' : classes}) but label ${bad} is ${values[bad]}`);
  return values;
}

function context(tf: typeof tfjs, members: BatchMember[], seed: number, labelNames: string[] | null): AugmentContext {
  const rngs = members.map((m) => new SampleRng(seed, m.sourceIndex, m.copy, USER_STREAM));
  return {
    tf,
    size: members.length,
    labels: members.map((m) => m.label),
    labelNames,
    sourceIndices: members.map((m) => m.sourceIndex),
    copies: members.map((m) => m.copy),
    random: {
      uniform([rows, k]) {
        if (rows !== members.length || !Number.isInteger(k) || k < 1) throw new Error(`ctx.random.uniform expects [${members.length}, k] with k ≥ 1 but received [${rows}, ${k}]`);
        const values = new Float32Array(rows * k);
        rngs.forEach((rng, i) => {
          for (let j = 0; j < k; j++) values[i * k + j] = rng.uniform();
        });
        return tf.tensor2d(values, [rows, k]);
      },
    },
  };
}
