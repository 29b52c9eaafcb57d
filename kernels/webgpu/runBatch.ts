/**
 * Host side of the WebGPU passes: lays out a ragged batch, queues every round (statistics pass
 * where needed, then the fused pixel pass) and the final rounding on tfjs's webgpu backend, and
 * reads the bytes back. Queueing is synchronous and the read is the only wait, so the caller can
 * prepare the next batch while this one runs and comes back (double buffering).
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
import { ReduceProgram } from './reduceProgram.js';
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
    const info = backend.makeTensorInfo([values.length], 'int32', values);
    temporary.push(info);
    return info;
  };
  const samples = layout.outputs.length;
  let input = source;
  let reading: SourceKind = kind;
  for (const round of layout.rounds) {
    const records = ints(round.records);
    const ops = ints(round.ops);
    const stats = round.reduce ? backend.runWebGPUProgram(new ReduceProgram(samples), [input, records], 'float32', [{ type: 'int32', data: [samples] }]) : backend.makeTensorInfo([1], 'float32', new Float32Array(1));
    temporary.push(stats);
    const uniforms: Uniforms = [{ type: 'int32', data: [samples] }, { type: 'int32', data: [round.pixels] }];
    const next = backend.runWebGPUProgram(new PixelPassProgram(round.pixels, reading), [input, records, ops, stats], 'float32', uniforms);
    if (input !== source) temporary.push(input);
    input = next;
    reading = 'floats';
  }
  const pixels = layout.rounds[layout.rounds.length - 1].pixels;
  const result = backend.runWebGPUProgram(new PackProgram(pixels, output.packed, output.shape), [input], 'int32', [{ type: 'int32', data: [pixels] }]);
  temporary.push(input);
  // Buffers still used by queued commands are released once those are submitted.
  for (const info of temporary) backend.disposeData(info.dataId);
  return result;
}

/** The device's limits on a dispatch group; the shaders index bytes with i32, hence at most 2 GiB. */
export function deviceLimits(backend: WebGPUBackend): GroupLimits {
  const limits = backend.device.limits;
  return { bytes: Math.min(limits.maxStorageBufferBindingSize, 2 ** 31 - 4), pixels: limits.maxComputeWorkgroupsPerDimension * WORKGROUP };
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
  let queued: Array<{ members: number[]; layout: BatchLayout; packed: TensorInfo }>;
  let errors: Array<Promise<GPUError | null>>;
  try {
    queued = groups.map((members) => {
      const layout = layoutBatch(members.map((i) => samples[i]));
      const source = backend.makeTensorInfo([layout.source.length], 'int32', layout.source);
      const packed = queueGroup(backend, layout, source, 'bytes', { packed: true });
      backend.disposeData(source.dataId);
      return { members, layout, packed };
    });
  } finally {
    errors = [backend.device.popErrorScope(), backend.device.popErrorScope()];
  }
  return (async () => {
    for (const error of await Promise.all(errors)) if (error) throw new RemuxError('ERR_REMUX_WEBGPU', `webgpu: ${error.message.split('\n')[0]}`);
    const images = new Array<BatchImage>(samples.length);
    for (const i of oversize) images[i] = runStages(samples[i].data, samples[i].size, samples[i].stages);
    for (const { members, layout, packed } of queued) {
      const words = (await backend.read(packed.dataId)) as Int32Array;
      backend.disposeData(packed.dataId);
      members.forEach((sample, k) => (images[sample] = unpack(words, layout.outputs[k].base, layout.outputs[k].size)));
    }
    return images;
  })();
}

/** One sample's RGB bytes from the packed words (three bytes of each little-endian word). */
function unpack(words: Int32Array, base: number, size: Size): BatchImage {
  const pixels = size.width * size.height;
  const bytes = new Uint8Array(words.buffer, words.byteOffset + base * 4, pixels * 4);
  const data = new Uint8Array(pixels * 3);
  for (let p = 0, q = 0; p < pixels; p++, q += 4) {
    data[p * 3] = bytes[q];
    data[p * 3 + 1] = bytes[q + 1];
    data[p * 3 + 2] = bytes[q + 2];
  }
  return { data, size };
}

/** The `RemuxPixelProgram` kernel on webgpu: one image as an int32 [h, w, 3] tensor, same passes. */
export function runPixelProgramWebgpu(backend: WebGPUBackend, image: TensorInfo, stages: readonly Stage[]): TensorInfo {
  const [height, width] = image.shape;
  const layout = layoutBatch([{ data: new Uint8Array(0), size: { width, height }, stages }]);
  const size = layout.outputs[0].size;
  return queueGroup(backend, layout, image, 'values', { packed: false, shape: [size.height, size.width, 3] });
}
