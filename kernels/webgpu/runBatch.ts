/**
 * Host side of the WebGPU passes: lays out a ragged batch, writes its sources to the device
 * (transfer.ts), queues every round (statistics pass where needed, then the fused pixel pass) and
 * the final rounding on tfjs's webgpu backend, and reads the bytes back. Queueing is synchronous
 * and the read is the only wait, so the caller can prepare the next batch while this one runs and
 * comes back (double buffering). Every buffer is in a `sizeClass`, so tfjs's pool reuses them.
 */
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { Size } from '../../src/augment/geometry.js';
import type { Stage } from '../../src/augment/stages.js';
import { RemuxError } from '../../src/errors.js';
import { runStages } from '../cpu/runStages.js';
import { groupSamples, layoutBatch, type BatchLayout, type BatchSample, type GroupLimits } from './batchLayout.js';
import { PackProgram } from './packProgram.js';
import { PixelPassProgram, WORKGROUP } from './pixelPassProgram.js';
import { ReduceProgram, STATS_WORDS } from './reduceProgram.js';
import { SIZE_CLASS_GROWTH, sizeClass } from './sizeClass.js';
import { readOutputs, releaseSource, uploadSources, type PendingRead, type UploadedSource } from './transfer.js';
import type { SourceKind } from './wgsl.js';

type Uniforms = Parameters<WebGPUBackend['runWebGPUProgram']>[3];

export interface BatchImage {
  data: Uint8Array;
  size: Size;
}

/**
 * Queues the passes of one laid-out group reading `source` (packed bytes, or int32 values for the
 * single-image kernel) and returns the rounded output: packed words, or int32 values of `shape`.
 */
export function queueGroup(backend: WebGPUBackend, layout: BatchLayout, source: TensorInfo, kind: Exclude<SourceKind, 'floats'>, output: { packed: boolean; shape?: number[] }): TensorInfo {
  const temporary: TensorInfo[] = [];
  const ints = (values: Int32Array) => {
    const padded = new Int32Array(sizeClass(values.length));
    padded.set(values);
    const info = backend.makeTensorInfo([padded.length], 'int32', padded);
    temporary.push(info);
    return info;
  };
  const samples = layout.outputs.length;
  let input = source;
  let reading: SourceKind = kind;
  for (const round of layout.rounds) {
    const records = ints(round.records);
    const ops = ints(round.ops);
    const stats = round.reduce ? backend.runWebGPUProgram(new ReduceProgram(samples, sizeClass(samples * STATS_WORDS)), [input, records], 'float32', [{ type: 'int32', data: [samples] }]) : backend.makeTensorInfo([1], 'float32', new Float32Array(1));
    temporary.push(stats);
    const uniforms: Uniforms = [{ type: 'int32', data: [samples] }, { type: 'int32', data: [round.pixels] }];
    const next = backend.runWebGPUProgram(new PixelPassProgram(round.pixels, reading, sizeClass(round.pixels * 3)), [input, records, ops, stats], 'float32', uniforms);
    if (input !== source) temporary.push(input);
    input = next;
    reading = 'floats';
  }
  const pixels = layout.rounds[layout.rounds.length - 1].pixels;
  const pack = output.packed ? PackProgram.rgbWords(pixels, sizeClass(Math.ceil((pixels * 3) / 4))) : PackProgram.values(pixels, output.shape!);
  const result = backend.runWebGPUProgram(pack, [input], 'int32', [{ type: 'int32', data: [pack.count] }]);
  temporary.push(input);
  // Buffers still used by queued commands are released once those are submitted.
  for (const info of temporary) backend.disposeData(info.dataId);
  return result;
}

/**
 * The device's limits on a dispatch group: the shaders index bytes with i32, hence at most 2 GiB,
 * and a group's buffers are rounded up to a `sizeClass` (at most a quarter more), which must still bind.
 */
export function deviceLimits(backend: WebGPUBackend): GroupLimits {
  const limits = backend.device.limits;
  const binding = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize, 2 ** 31 - 4);
  return { bytes: Math.floor(binding / SIZE_CLASS_GROWTH), pixels: limits.maxComputeWorkgroupsPerDimension * WORKGROUP };
}

/**
 * Runs a ragged batch: every sample's program from its source bytes, in dispatch groups within
 * `limits`. A sample too large for any group runs on the CPU reference. All GPU work is queued
 * before this returns; the promise resolves when every group has been read back.
 */
export function runBatch(backend: WebGPUBackend, samples: readonly BatchSample[], limits = deviceLimits(backend)): Promise<BatchImage[]> {
  const { groups, oversize } = groupSamples(samples, limits);
  // WebGPU reports invalid shaders and bindings to an error scope, not by throwing.
  backend.device.pushErrorScope('validation');
  backend.device.pushErrorScope('out-of-memory');
  let queued: Array<{ members: number[]; source: UploadedSource; read: PendingRead }>;
  let errors: Array<Promise<GPUError | null>>;
  try {
    queued = groups.map((members) => {
      const group = members.map((i) => samples[i]);
      const layout = layoutBatch(group);
      const source = uploadSources(backend, group, layout);
      const packed = queueGroup(backend, layout, source.tensor, 'bytes', { packed: true });
      source.tensor.dispose();
      return { members, source, read: readOutputs(backend, packed, layout.outputs) };
    });
  } finally {
    errors = [backend.device.popErrorScope(), backend.device.popErrorScope()];
  }
  return (async () => {
    try {
      for (const error of await Promise.all(errors)) if (error) throw new RemuxError('ERR_REMUX_WEBGPU', `webgpu: ${error.message.split('\n')[0]}`);
      const images = new Array<BatchImage>(samples.length);
      for (const i of oversize) images[i] = runStages(samples[i].data, samples[i].size, samples[i].stages);
      for (const { members, read } of queued) (await read).forEach((image, k) => (images[members[k]] = image));
      return images;
    } finally {
      // The sources go back to the pool once the device is done with them (or has failed).
      await Promise.allSettled(queued.map((q) => q.read));
      for (const { source } of queued) releaseSource(backend, source);
    }
  })();
}

/** The `RemuxPixelProgram` kernel on webgpu: one image as an int32 [h, w, 3] tensor, same passes. */
export function runPixelProgramWebgpu(backend: WebGPUBackend, image: TensorInfo, stages: readonly Stage[]): TensorInfo {
  const [height, width] = image.shape;
  const layout = layoutBatch([{ data: new Uint8Array(0), size: { width, height }, stages }]);
  const size = layout.outputs[0].size;
  return queueGroup(backend, layout, image, 'values', { packed: false, shape: [size.height, size.width, 3] });
}
