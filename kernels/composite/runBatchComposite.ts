/**
 * A ragged batch through the composite (stock tfjs ops) pixel programs on `tf`'s current backend:
 * what the `tensorflow` backend (tfjs-node-gpu, which takes no custom kernels) runs. The same
 * function runs on tfjs's cpu, wasm and webgpu backends in the conformance suites, which is how
 * the `tensorflow` backend is checked on machines where it cannot be installed.
 */
import type * as tfjs from '@tensorflow/tfjs-core';
import { runStages } from '../cpu/runStages.js';
import type { BatchSample } from '../webgpu/batchLayout.js';
import type { BatchImage } from '../webgpu/runBatch.js';
import { compositeCovers, runStagesComposite } from './runStagesComposite.js';

/**
 * Runs every sample's program; a program with a stage the composite path lacks runs on the CPU
 * reference instead (none today: the conformance suite checks every stage is covered). Every
 * sample's ops are queued before the first read-back, so a GPU is not made to wait for the host
 * after each image.
 */
export function runBatchComposite(tf: typeof tfjs, samples: readonly BatchSample[]): Promise<BatchImage[]> {
  return Promise.all(samples.map((s) => (compositeCovers(s.stages) ? runStagesComposite(tf, s.data, s.size, s.stages) : runStages(s.data, s.size, s.stages))));
}
