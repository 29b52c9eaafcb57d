/**
 * A worker thread: decodes a source image at the reduced scale the pipeline allows, augments its
 * copies with the CPU kernels and encodes them; only compressed bytes cross threads. For a
 * batched (GPU) backend it decodes and plans (`decode`) and encodes (`encode`) separately.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { decodeDivisor, parsePipeline } from '../augment/pipeline.js';
import { augmentImage } from '../backend/cpu.js';
import { planCopies } from '../backend/plans.js';
import { DecodeError, decodeImage, type DecodeOptions } from './decode.js';
import { encodeImage } from './encode.js';
import { useSingleThreadedSharp } from './libraries.js';
import type { WorkerInit, WorkerRequest, WorkerResponse, WorkerStop } from './protocol.js';
import { secondsSince } from '../util/stageTime.js';

type Success = Extract<WorkerResponse, { ok: true }>;

const init = workerData as WorkerInit;
// The spec arrives with every default filled in, so the defaults passed here are never used.
const steps = parsePipeline(init.pipeline, { size: 1 });
const decodeOptions: DecodeOptions = { codec: init.codec, maxPixels: init.maxPixels, divisorFor: (size) => decodeDivisor(steps, size) };
useSingleThreadedSharp();

/** Tasks under way: the thread ends only once they are done (see `stop`). */
const running = new Set<Promise<void>>();
let stopping = false;

const port = parentPort!;
port.on('message', (request: WorkerRequest | WorkerStop) => {
  if (request.kind === 'stop') return void stop();
  const task = handle(request).then(
    (response) => port.postMessage(response, transferables(response)),
    (error: unknown) =>
      port.postMessage({ id: request.id, ok: false, error: error instanceof Error ? error.message : String(error), badInput: error instanceof DecodeError } satisfies WorkerResponse),
  );
  running.add(task);
  void task.finally(() => running.delete(task));
});

/**
 * Ends the thread once no native call is in flight. Terminating it while libjpeg-turbo decodes
 * on libuv's thread pool aborts the whole process when the decode completes into the stopped
 * thread (`terminate called after throwing an instance of 'Napi::Error'`, exit code 134); the
 * tasks still under way skip what they have not started.
 */
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await Promise.allSettled(running);
  process.exit(0);
}

async function handle(request: WorkerRequest): Promise<Success> {
  if (request.kind === 'encode') {
    const start = performance.now();
    const bytes = own(await encodeImage(request.image, init.encode));
    return { id: request.id, ok: true, copies: [{ bytes, params: init.recordParams ? request.params : null }], seconds: { encode: secondsSince(start) } };
  }
  const decodeStart = performance.now();
  const image = await decodeImage(request.bytes, decodeOptions);
  if (stopping) throw new Error('the worker is stopping');
  const decode = secondsSince(decodeStart);
  if (request.kind === 'decode') {
    const decoded = { ...image, data: own(image.data) };
    return { id: request.id, ok: true, decoded: { image: decoded, plans: planCopies(decoded, steps, init.seed, request.sourceIndex, init.copies) }, seconds: { decode } };
  }
  const augmentStart = performance.now();
  const augmented = augmentImage(image, steps, init.seed, request.sourceIndex, init.copies, init.backend);
  const augment = secondsSince(augmentStart);
  if (request.kind === 'augment') return { id: request.id, ok: true, augmented: augmented.map((copy) => ({ ...copy, data: own(copy.data) })), seconds: { decode, augment } };
  const encodeStart = performance.now();
  const copies = [];
  for (const copy of augmented) copies.push({ bytes: own(await encodeImage(copy, init.encode)), params: init.recordParams ? copy.params : null });
  return { id: request.id, ok: true, copies, seconds: { decode, augment, encode: secondsSince(encodeStart) } };
}

function transferables(response: Success): ArrayBuffer[] {
  if ('decoded' in response) return [response.decoded.image.data.buffer as ArrayBuffer];
  if ('augmented' in response) return response.augmented.map((c) => c.data.buffer as ArrayBuffer);
  return response.copies.map((c) => c.bytes.buffer as ArrayBuffer);
}

/** Codecs may return views into shared or external memory: copy into a transferable buffer. */
function own(bytes: Uint8Array): Uint8Array {
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return copy;
}

