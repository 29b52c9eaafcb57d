import type { Kernels } from '../../kernels/cpu/runStages.js';
import type { StepSpec } from '../augment/op.js';
import type { SamplePlan } from '../augment/pipeline.js';
import type { CodecName, DecodedImage, RgbImage } from '../codec/decode.js';
import type { EncodeOptions } from '../codec/encode.js';
import type { RowGroupData, RowGroupRequest } from '../source/rowGroups.js';
import type { StageSeconds } from '../util/stageTime.js';
import type { VipsLock } from '../codec/vipsErrors.js';

/** What every worker is started with: the whole job, so a task only names its row. */
export interface WorkerInit {
  pipeline: StepSpec[];
  codec: CodecName;
  maxPixels: number;
  seed: number;
  copies: number;
  encode: EncodeOptions;
  recordParams: boolean;
  /** The kernels of `remux` tasks (the CPU backends). */
  backend: Kernels;
  /** Shared by the pool's threads, so that each failing sharp operation reads its own error. */
  vipsLock: VipsLock;
  /** The pool's reader thread, which only reads row groups (named apart in per-thread CPU figures). */
  readerOnly?: boolean;
}

/**
 * A task. `remux`: decode one source image, augment its copies, encode them (the CPU backends).
 * The batched (GPU) backends split that in two: `decode` (decode and plan the copies; the
 * pixels come back) and `encode` (one augmented copy). `augment` decodes and augments on the CPU
 * and sends the pixels back, for a user's batch function to run before `encode`. `read` decodes a
 * row group of a local parquet source (see `source/rowGroups.ts`).
 */
export type WorkerRequest =
  | { id: number; kind: 'remux'; bytes: Uint8Array; sourceIndex: number }
  | { id: number; kind: 'decode'; bytes: Uint8Array; sourceIndex: number }
  | { id: number; kind: 'augment'; bytes: Uint8Array; sourceIndex: number }
  | { id: number; kind: 'encode'; image: RgbImage; params: SamplePlan['params'] }
  | { id: number; kind: 'read'; group: RowGroupRequest };

/** Asks a worker to end its thread once its native calls in flight are done (see `WorkerPool.close`). */
export interface WorkerStop {
  kind: 'stop';
}

export interface EncodedCopy {
  bytes: Uint8Array;
  /** The image's size: `--format raw` stores it as the shape of the pixels. */
  width: number;
  height: number;
  /** A new label, when a user's `--augment` function returned labels. */
  label?: number;
  /** The sampled parameters, with `recordParams`. */
  params: SamplePlan['params'] | null;
}

/** One copy augmented by the CPU kernels: its pixels and sampled parameters. */
export interface AugmentedCopy extends RgbImage {
  params: SamplePlan['params'];
}

/** A decoded source image and the programs of its copies, for a batched backend. */
export interface DecodedSample {
  image: DecodedImage;
  plans: SamplePlan[];
}

/** Every successful answer carries the seconds the worker spent in each stage of the task. */
export type WorkerResponse =
  | { id: number; ok: true; copies: EncodedCopy[]; seconds: Partial<StageSeconds> }
  | { id: number; ok: true; decoded: DecodedSample; seconds: Partial<StageSeconds> }
  | { id: number; ok: true; augmented: AugmentedCopy[]; seconds: Partial<StageSeconds> }
  | { id: number; ok: true; rows: RowGroupData; seconds: Partial<StageSeconds> }
  /** `badInput`: the image itself is at fault (skip the row, recording `error`), not remux. */
  | { id: number; ok: false; error: string; badInput: boolean };
