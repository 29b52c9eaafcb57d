/**
 * A worker thread: decodes a source image at the DCT scale the pipeline allows, augments its
 * copies with the CPU kernels and encodes them. Only compressed bytes cross threads.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { decodeDivisor, parsePipeline } from '../augment/pipeline.js';
import { augmentImage } from '../backend/cpu.js';
import { DecodeError, decodeImage, type DecodeOptions } from './decode.js';
import { encodeImage } from './encode.js';
import { sharpLib } from './libraries.js';
import type { WorkerInit, WorkerRequest, WorkerResponse } from './protocol.js';

const init = workerData as WorkerInit;
// The spec arrives with every default filled in, so the defaults passed here are never used.
const steps = parsePipeline(init.pipeline, { size: 1 });
const decodeOptions: DecodeOptions = { codec: init.codec, maxPixels: init.maxPixels, divisorFor: (size) => decodeDivisor(steps, size) };
// One libvips thread per worker: parallelism comes from the pool, not from libvips.
sharpLib()?.concurrency(1);
sharpLib()?.cache(false);

const port = parentPort!;
port.on('message', (request: WorkerRequest) => {
  handle(request).then(
    (response) => port.postMessage(response, response.copies.map((c) => c.bytes.buffer as ArrayBuffer)),
    (error: unknown) =>
      port.postMessage({ id: request.id, ok: false, error: error instanceof Error ? error.message : String(error), badInput: error instanceof DecodeError } satisfies WorkerResponse),
  );
});

async function handle(request: WorkerRequest): Promise<WorkerResponse & { ok: true }> {
  const image = await decodeImage(request.bytes, decodeOptions);
  const augmented = augmentImage(image, steps, init.seed, request.sourceIndex, init.copies, init.backend);
  const copies = [];
  for (const copy of augmented) copies.push({ bytes: own(await encodeImage(copy, init.encode)), params: init.recordParams ? copy.params : null });
  return { id: request.id, ok: true, copies };
}

/** Encoders may return views into shared or external memory: copy into a transferable buffer. */
function own(bytes: Uint8Array): Uint8Array {
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return copy;
}

