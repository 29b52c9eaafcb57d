import type { Kernels } from '../../kernels/cpu/runStages.js';
import type { StepSpec } from '../augment/op.js';
import type { SamplePlan } from '../augment/pipeline.js';
import type { CodecName } from './decode.js';
import type { EncodeOptions } from './encode.js';

/** What every worker is started with: the whole job, so a task only names its row. */
export interface WorkerInit {
  pipeline: StepSpec[];
  codec: CodecName;
  maxPixels: number;
  seed: number;
  copies: number;
  encode: EncodeOptions;
  recordParams: boolean;
  backend: Kernels;
}

/** Decode one source image, augment its copies, encode them. */
export interface WorkerRequest {
  id: number;
  bytes: Uint8Array;
  sourceIndex: number;
}

export interface EncodedCopy {
  bytes: Uint8Array;
  /** The sampled parameters, with `recordParams`. */
  params: SamplePlan['params'] | null;
}

export type WorkerResponse =
  | { id: number; ok: true; copies: EncodedCopy[] }
  /** `badInput`: the image itself is at fault (skip the row), not remux. */
  | { id: number; ok: false; error: string; badInput: boolean };
