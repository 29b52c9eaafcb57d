/**
 * A codec worker thread: decodes source bytes to upright RGB at the DCT scale the pipeline
 * allows, and encodes augmented RGB. Pixels travel as transferred ArrayBuffers, never copied.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { decodeDivisor, parsePipeline } from '../augment/pipeline.js';
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
    ([response, transfer]) => port.postMessage(response, transfer),
    (error: unknown) =>
      port.postMessage({ id: request.id, ok: false, error: error instanceof Error ? error.message : String(error), badInput: error instanceof DecodeError } satisfies WorkerResponse),
  );
});

async function handle(request: WorkerRequest): Promise<[WorkerResponse, ArrayBuffer[]]> {
  if (request.type === 'decode') {
    const image = await decodeImage(request.bytes, decodeOptions);
    return [{ id: request.id, ok: true, type: 'decode', image }, [image.data.buffer as ArrayBuffer]];
  }
  const bytes = await encodeImage(request.image, request.options);
  return [{ id: request.id, ok: true, type: 'encode', bytes }, []];
}
