/**
 * A worker thread: decodes the part of a source image its copies read, at the DCT scale they allow
 * (`decodeSamples`), augments them with the CPU kernels and encodes them; only compressed bytes cross threads. For a
 * batched (GPU) backend it decodes and plans (`decode`) and encodes (`encode`) separately. A few
 * workers also read a local parquet source's row groups (`read`, see `WorkerPool.readRowGroup`).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parentPort, workerData } from 'node:worker_threads';
import { parsePipeline } from '../augment/pipeline.js';
import { augmentPlanned } from './cpu.js';
import { decodeSamples, type SampleJob } from './decodeSamples.js';
import { RemuxError } from '../errors.js';
import { ImageError } from '../codec/decode.js';
import { encodeImage } from '../codec/encode.js';
import { useSingleThreadedSharp } from '../codec/libraries.js';
import type { RowGroupData } from '../source/rowGroups.js';
import type { WorkerInit, WorkerRequest, WorkerResponse, WorkerStop } from './protocol.js';
import { useVipsLock } from '../codec/vipsErrors.js';
import { secondsSince } from '../util/stageTime.js';
import { nameThread } from '../util/threadName.js';
import { copyBytes } from '../util/bytes.js';

/** What `handle` answers: a row's work (a `read` answers a row group). */
type Success = Exclude<Extract<WorkerResponse, { ok: true }>, { rows: RowGroupData }>;
type RowRequest = Exclude<WorkerRequest, { kind: 'read' }>;
type Stage = 'decode' | 'augment' | 'encode';

const init = workerData as WorkerInit;
// The spec arrives with every default filled in, so the default size passed here is never used.
const steps = parsePipeline(init.pipeline, { size: 1, maxPixels: init.maxPixels });
const job: SampleJob = { steps, codec: init.codec, maxPixels: init.maxPixels, seed: init.seed, copies: init.copies };
useSingleThreadedSharp();
nameThread(init.readerOnly ? 'remux-reader' : 'remux-worker');
useVipsLock(init.vipsLock);

/**
 * Decoded pixels of one image above which the worker collects its garbage once the task is done.
 * A large raster lives in external memory (sharp's buffer, a WASM memory) that V8 frees only at
 * its next collection, which can come after the next large image has allocated its own: with
 * twelve 81 MP PNGs in a row that held ~250 MB more per worker at the peak. A collection of a
 * worker's small heap takes milliseconds, against the ~1 s such an image takes.
 */
const COLLECT_AFTER_BYTES = 64 << 20;
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

interface Task {
  stage: Stage;
  /** Bytes of the decoded image, once decoded. */
  decodedBytes: number;
}

/** Tasks under way: the thread ends only once they are done (see `stop`). */
const running = new Set<Promise<void>>();
let stopping = false;

const port = parentPort!;
port.on('message', (request: WorkerRequest | WorkerStop) => {
  if (request.kind === 'stop') return void stop();
  if (request.kind === 'read') return void track(read(request));
  const task: Task = { stage: request.kind === 'encode' ? 'encode' : 'decode', decodedBytes: 0 };
  track(handle(request, task)
    .then(
      (response) => port.postMessage(response, transferables(response)),
      (error: unknown) => port.postMessage({ id: request.id, ...failure(error, task.stage) } satisfies WorkerResponse),
    )
    .finally(() => {
      if (task.decodedBytes > COLLECT_AFTER_BYTES) collectGarbage();
    }));
});

function track(done: Promise<void>): void {
  running.add(done);
  void done.finally(() => running.delete(done));
}

/**
 * A source row group, decoded here rather than on the main thread (see `source/rowGroups.ts`); a
 * failure is the source's, not an image's. Its time is the main thread's wait in `read` (stageSeconds).
 */
async function read(request: Extract<WorkerRequest, { kind: 'read' }>): Promise<void> {
  try {
    // Loaded on the first read: parquet-wasm compiles its WASM when imported, which a worker of a folder source never needs.
    const { readRowGroupOfPath, rowGroupBuffers } = await import('../source/rowGroups.js');
    const rows = await readRowGroupOfPath(request.group);
    port.postMessage({ id: request.id, ok: true, rows, seconds: {} } satisfies WorkerResponse, rowGroupBuffers(rows));
  } catch (error) {
    port.postMessage({ id: request.id, ok: false, error: error instanceof Error ? error.message : String(error), badInput: false } satisfies WorkerResponse);
  }
}

/**
 * Whatever fails while one image is decoded, augmented or encoded (a codec's error, a kernel's
 * RangeError or WASM trap) is that image's fault, named with the stage it failed in; only a
 * `RemuxError` (a codec library missing, say) is remux's own and stops the run.
 */
function failure(error: unknown, stage: Stage): { ok: false; error: string; badInput: boolean } {
  if (error instanceof RemuxError) return { ok: false, error: error.message, badInput: false };
  if (error instanceof ImageError) return { ok: false, error: error.message, badInput: true };
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return { ok: false, error: `${stage} failed: ${message}`, badInput: true };
}

/**
 * Ends the thread once no native call is in flight. Terminating it while a native call runs on
 * libuv's thread pool for it (sharp; the old libjpeg-turbo binding's large decodes, where
 * turbojpeg.ts cannot load) aborts the whole process when the call completes into the stopped
 * thread (`terminate called after throwing an instance of 'Napi::Error'`, exit code 134); the
 * tasks still under way skip what they have not started.
 */
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await Promise.allSettled(running);
  process.exit(0);
}

async function handle(request: RowRequest, task: Task): Promise<Success> {
  if (request.kind === 'encode') {
    const start = performance.now();
    const bytes = copyBytes(await encodeImage(request.image, init.encode));
    return { id: request.id, ok: true, copies: [{ bytes, width: request.image.width, height: request.image.height, params: init.recordParams ? request.params : null }], seconds: { encode: secondsSince(start) } };
  }
  const decodeStart = performance.now();
  const { image, plans } = await decodeSamples(request.bytes, request.sourceIndex, job);
  if (stopping) throw new Error('the worker is stopping');
  const decode = secondsSince(decodeStart);
  task.decodedBytes = image.data.byteLength;
  task.stage = 'augment';
  if (request.kind === 'decode') {
    const decoded = { ...image, data: copyBytes(image.data) };
    return { id: request.id, ok: true, decoded: { image: decoded, plans }, seconds: { decode } };
  }
  const augmentStart = performance.now();
  const augmented = augmentPlanned(image, plans, init.backend);
  const augment = secondsSince(augmentStart);
  if (request.kind === 'augment') return { id: request.id, ok: true, augmented: augmented.map((copy) => ({ ...copy, data: copyBytes(copy.data) })), seconds: { decode, augment } };
  task.stage = 'encode';
  const encodeStart = performance.now();
  const copies = [];
  for (const copy of augmented) copies.push({ bytes: copyBytes(await encodeImage(copy, init.encode)), width: copy.width, height: copy.height, params: init.recordParams ? copy.params : null });
  return { id: request.id, ok: true, copies, seconds: { decode, augment, encode: secondsSince(encodeStart) } };
}

function transferables(response: Success): ArrayBuffer[] {
  if ('decoded' in response) return [response.decoded.image.data.buffer as ArrayBuffer];
  if ('augmented' in response) return response.augmented.map((c) => c.data.buffer as ArrayBuffer);
  return response.copies.map((c) => c.bytes.buffer as ArrayBuffer);
}

