/**
 * Moving a batch's pixels between the host and the device without a batch-sized copy in
 * JavaScript: each sample's decoded bytes are written straight into one pooled device buffer at
 * its word offset (Dawn copies them; no packed host buffer is built, nor collected later), and
 * each sample's RGB bytes are cut from the mapped read-back into a buffer of its own, which moves
 * on to the worker that encodes it. Every buffer here comes from tfjs's pool in a `sizeClass`, and
 * goes back to it once the read is done.
 */
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import type { Tensor, TensorInfo } from '@tensorflow/tfjs-core';
import type { Size } from '../../src/augment/geometry.js';
import type { BatchLayout, BatchSample } from './batchLayout.js';
import { sizeClass } from './sizeClass.js';

/** The source buffer of a group as a tfjs tensor, and the device buffer to give back once read. */
export interface UploadedSource {
  tensor: Tensor;
  buffer: GPUBuffer;
}

export function uploadSources(backend: WebGPUBackend, samples: readonly BatchSample[], layout: BatchLayout): UploadedSource {
  const bytes = sizeClass(layout.sourceBytes);
  const buffer = backend.bufferManager.acquireBuffer(bytes, GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST);
  samples.forEach((sample, i) => writeWords(backend.queue, buffer, layout.sourceBases[i], sample.data));
  // zeroCopy: the tensor reads this buffer as it is; tfjs leaves it to us (see releaseSource).
  const tensor = backend.createTensorFromGPUData({ buffer, zeroCopy: true }, [bytes / 4], 'int32');
  return { tensor, buffer };
}

/** `data` into `buffer` from byte `offset` (a whole word), its last partial word padded with zeros. */
function writeWords(queue: GPUQueue, buffer: GPUBuffer, offset: number, data: Uint8Array): void {
  const whole = data.length & ~3;
  if (whole > 0) queue.writeBuffer(buffer, offset, data as Uint8Array<ArrayBuffer>, 0, whole);
  if (whole < data.length) {
    const tail = new Uint8Array(4);
    tail.set(data.subarray(whole));
    queue.writeBuffer(buffer, offset + whole, tail);
  }
}

export function releaseSource(backend: WebGPUBackend, source: UploadedSource): void {
  backend.bufferManager.releaseBuffer(source.buffer);
}

/** A read-back under way: the samples' RGB images once the device is done. */
export type PendingRead = Promise<Array<{ data: Uint8Array; size: Size }>>;

/**
 * Copies the packed RGB words of `packed` (disposed here) to a pooled staging buffer and maps it;
 * the promise gives each output's `size.width × size.height × 3` bytes, from byte `base × 3`.
 * Everything tfjs has queued is submitted first, so the copy comes after the passes.
 */
export function readOutputs(backend: WebGPUBackend, packed: TensorInfo, outputs: ReadonlyArray<{ base: number; size: Size }>): PendingRead {
  const resource = backend.tensorMap.get(packed.dataId).resource as GPUBuffer;
  const bytes = resource.size;
  const staging = backend.bufferManager.acquireBuffer(bytes, GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST);
  backend.ensureCommandEncoderReady();
  backend.endComputePassEncoder();
  backend.submitQueue();
  const encoder = backend.device.createCommandEncoder();
  encoder.copyBufferToBuffer(resource, 0, staging, 0, bytes);
  backend.queue.submit([encoder.finish()]);
  // Queued work that reuses the buffer runs after the copy: the queue keeps submission order.
  backend.disposeData(packed.dataId);
  return staging.mapAsync(GPUMapMode.READ).then(() => {
    const mapped = staging.getMappedRange();
    const images = outputs.map(({ base, size }) => ({ data: new Uint8Array(mapped.slice(base * 3, (base + size.width * size.height) * 3)), size }));
    staging.unmap();
    backend.bufferManager.releaseBuffer(staging);
    return images;
  });
}
