import { setFlagsFromString } from 'node:v8';
import { Worker } from 'node:worker_threads';
import { RemuxError } from '../errors.js';
import { addStageTime, noStageTime, type StageSeconds } from '../util/stageTime.js';
import { ImageError, type RgbImage } from '../codec/decode.js';
import type { AugmentedCopy, DecodedSample, EncodedCopy, WorkerInit, WorkerRequest, WorkerResponse, WorkerStop } from './protocol.js';
import { newVipsLock } from '../codec/vipsErrors.js';
import type { RowGroupData, RowGroupRequest } from '../source/rowGroups.js';
import { copyBytes } from '../util/bytes.js';

type Success = Extract<WorkerResponse, { ok: true }>;

/**
 * Workers that read row groups: the first few only. A worker that reads loads the parquet reader
 * and warms its own JIT up on it; with every one of 16 workers reading (parquet-wasm then),
 * places512 took 5.1 ms of CPU per image against 3.9 with 4 readers (one round each, 2 cores),
 * whose reading is then a quarter each.
 */
const READERS = 4;

/**
 * Fewest workers for which they read the row groups; below it a reader thread of their pool's own
 * does (see `READER_HEAP_MB`). A row group read in a worker costs the process more than elsewhere
 * (places512, 2 workers, 3 rounds, hyparquet reading: 2.98 ms of CPU per image against 2.67; the
 * workers +0.16 ms each, libuv's and V8's helper threads +0.1), so it pays only where one reading
 * thread would cap the run: it spends ~0.19 ms per image (~5,000 images/s at most), which 3 or
 * more workers at ~1 ms per image each come near to.
 */
export const WORKERS_READ_FROM = 3;

/**
 * The reader thread's initial old generation, in MB. V8 counts the ArrayBuffer bytes allocated
 * since an isolate's last full collection against its allocation limit, ~3× a small heap: reading
 * ~25 MB per row group of 100 places512 images (the column chunk, its pages, each image's copy),
 * the main thread's 12 MB heap ran a full collection at every row group or so (55 in a 9,280-row
 * run). The reader, made with this initial size, runs none in that run, and the main thread one
 * (identity pipeline, 2 workers, 5 alternated runs: −0.05 ms of process CPU per image, +46 MB
 * peak). The flag can only be given to an isolate when it is made, and the main thread's is made
 * before remux runs: hence a thread of its own for reading.
 */
const READER_HEAP_MB = 64;

interface Pending {
  resolve: (response: Success) => void;
  reject: (error: Error) => void;
}

interface Slot {
  worker: Worker;
  /** Settles once the thread runs JavaScript (its isolate is made) or has ended. */
  online: Promise<unknown>;
  pending: Map<number, Pending>;
  /** Settles when the thread has ended, whatever the reason. */
  exited: Promise<unknown>;
}

/** Pools whose threads have not all ended, so that a second Ctrl-C can end them before the process exits. */
const openPools = new Set<WorkerPool>();

/** Closes every open pool (see `WorkerPool.close`): what must happen before `process.exit` while a run goes on. */
export async function closeWorkerPools(): Promise<void> {
  await Promise.all([...openPools].map((pool) => pool.close()));
}

/**
 * A fixed pool of worker threads that turn source image bytes into encoded augmented copies.
 * Each task goes to the worker with the fewest tasks in flight; the caller bounds how many tasks
 * it keeps in flight.
 */
export class WorkerPool {
  private readonly slots: Slot[];
  /** The reader thread, below `WORKERS_READ_FROM` workers; made at the first row group read. */
  private reader: Promise<Slot> | null = null;
  private readonly init: WorkerInit;
  private nextId = 0;
  private failure: Error | null = null;
  private closing: Promise<void> | null = null;
  /** Seconds the workers spent decoding, augmenting and encoding, summed over the threads. */
  readonly stageSeconds: StageSeconds = noStageTime();

  constructor(size: number, job: Omit<WorkerInit, 'vipsLock'>) {
    const init = { ...job, vipsLock: newVipsLock() };
    this.init = init;
    this.slots = Array.from({ length: size }, () => this.spawn(init));
    openPools.add(this);
  }

  private spawn(init: WorkerInit): Slot {
    const worker = new Worker(new URL('./worker.js', import.meta.url), { workerData: init });
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    const slot: Slot = { worker, pending: new Map(), exited, online: Promise.race([new Promise((resolve) => worker.once('online', resolve)), exited]) };
    worker.on('message', (response: WorkerResponse) => {
      const task = slot.pending.get(response.id);
      if (!task) return;
      slot.pending.delete(response.id);
      if (response.ok) {
        addStageTime(this.stageSeconds, response.seconds);
        task.resolve(response);
      } else task.reject(response.badInput ? new ImageError(response.error) : new RemuxError('ERR_REMUX_WORKER', response.error));
    });
    const fail = (error: Error) => {
      this.failure = new RemuxError('ERR_REMUX_WORKER', `worker thread stopped: ${error.message}`, { cause: error });
      for (const task of slot.pending.values()) task.reject(this.failure);
      slot.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => {
      if (code !== 0 && slot.pending.size > 0) fail(new Error(`exit code ${code}`));
    });
    return slot;
  }

  /**
   * Decodes, augments and encodes one source image; `owned`: its bytes may move to the worker
   * rather than be copied (see `toSend`). An `ImageError` means the image is at fault.
   */
  async remux(bytes: Uint8Array, sourceIndex: number, owned = false): Promise<EncodedCopy[]> {
    return answer(await this.rowTask('remux', bytes, sourceIndex, owned), 'copies');
  }

  /** Decodes one source image and plans its copies (batched backends); same errors as `remux`. */
  async decode(bytes: Uint8Array, sourceIndex: number, owned = false): Promise<DecodedSample> {
    return answer(await this.rowTask('decode', bytes, sourceIndex, owned), 'decoded');
  }

  /** Decodes and augments one source image on the CPU; its copies' pixels come back (same errors as `remux`). */
  async augment(bytes: Uint8Array, sourceIndex: number, owned = false): Promise<AugmentedCopy[]> {
    return answer(await this.rowTask('augment', bytes, sourceIndex, owned), 'augmented');
  }

  /** A task on one source row's image bytes. */
  private rowTask(kind: 'remux' | 'decode' | 'augment', bytes: Uint8Array, sourceIndex: number, owned: boolean): Promise<Success> {
    const own = toSend(bytes, owned);
    return this.send({ id: this.nextId++, kind, bytes: own, sourceIndex }, [own.buffer as ArrayBuffer]);
  }

  /** Encodes one augmented copy; its pixels are moved to the worker. */
  async encode(image: RgbImage, params: DecodedSample['plans'][number]['params']): Promise<EncodedCopy> {
    return answer(await this.send({ id: this.nextId++, kind: 'encode', image, params }, [image.data.buffer as ArrayBuffer]), 'copies')[0];
  }

  /** Reads a row group of a local parquet source (see `source/rowGroups.ts`) in one of the `READERS`, or in the reader thread. */
  async readRowGroup(group: RowGroupRequest): Promise<RowGroupData> {
    const readers = this.slots.length >= WORKERS_READ_FROM ? this.slots.slice(0, READERS) : [await (this.reader ??= this.spawnReader())];
    return answer(await this.send({ id: this.nextId++, kind: 'read', group }, [], readers), 'rows');
  }

  /**
   * The reader thread, its isolate made with `READER_HEAP_MB`: V8's flags are the process's, so
   * the flag is set only once every worker's isolate is made, and set back once the reader's is.
   * A process started with its own initial old space keeps it, for every thread.
   */
  private async spawnReader(): Promise<Slot> {
    await Promise.all(this.slots.map((s) => s.online));
    const given = process.execArgv.some((a) => /^--initial[-_]old[-_]space[-_]size/.test(a));
    if (!given) setFlagsFromString(`--initial-old-space-size=${READER_HEAP_MB}`);
    const reader = this.spawn({ ...this.init, readerOnly: true });
    try {
      await reader.online;
    } finally {
      if (!given) setFlagsFromString('--initial-old-space-size=0');
    }
    if (this.closing) this.stopSlot(reader);
    return reader;
  }

  /**
   * Sends a task to the worker with the fewest tasks in flight; among equals, the search starts
   * one further each time, so that ties (every worker full, at 16 workers nearly always) do not
   * all go to the first worker, which would then also read most row groups.
   */
  private send(request: WorkerRequest, transfer: ArrayBuffer[], slots = this.slots): Promise<Success> {
    if (this.failure) return Promise.reject(this.failure);
    let slot = slots[request.id % slots.length];
    for (let i = 1; i < slots.length; i++) {
      const other = slots[(request.id + i) % slots.length];
      if (other.pending.size < slot.pending.size) slot = other;
    }
    return new Promise((resolve, reject) => {
      slot.pending.set(request.id, { resolve, reject });
      slot.worker.postMessage(request, transfer);
    });
  }

  /**
   * Ends the threads, each once its native calls in flight are done (a thread terminated in the
   * middle of one can abort the process: see worker.ts's `stop`); tasks not done are refused.
   */
  close(): Promise<void> {
    this.closing ??= this.stopThreads();
    return this.closing;
  }

  private async stopThreads(): Promise<void> {
    this.failure ??= new RemuxError('ERR_REMUX_WORKER', 'the worker pool is closed');
    for (const slot of this.slots) this.stopSlot(slot);
    const reader = await this.reader;
    if (reader) this.stopSlot(reader);
    await Promise.all([...this.slots, ...(reader ? [reader] : [])].map((s) => s.exited));
    openPools.delete(this);
  }

  private stopSlot(slot: Slot): void {
    slot.worker.postMessage({ kind: 'stop' } satisfies WorkerStop);
    for (const task of slot.pending.values()) task.reject(this.failure!);
    slot.pending.clear();
  }
}

/** What a task answers under `key`; an answer without it is a worker out of step with this pool. */
function answer<K extends 'copies' | 'decoded' | 'augmented' | 'rows'>(response: Success, key: K): Extract<Success, Record<K, unknown>>[K] {
  if (!(key in response)) throw new RemuxError('ERR_REMUX_WORKER', `worker answered without ${key}`);
  return (response as Extract<Success, Record<K, unknown>>)[key];
}

/**
 * Bytes to send a worker: moved there, and gone from the caller, when the caller says it `owned`
 * them (a parquet source's rows read by the workers: `SourceRow.ownsBytes`) and they are a whole
 * buffer; else copied (a view into a buffer shared with other rows, or bytes the caller keeps).
 */
function toSend(bytes: Uint8Array, owned: boolean): Uint8Array {
  const whole = bytes.buffer instanceof ArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
  return owned && whole ? bytes : copyBytes(bytes);
}
