import { Worker } from 'node:worker_threads';
import { RemuxError } from '../errors.js';
import { DecodeError } from './decode.js';
import type { EncodedCopy, WorkerInit, WorkerRequest, WorkerResponse } from './protocol.js';

interface Pending {
  resolve: (copies: EncodedCopy[]) => void;
  reject: (error: Error) => void;
}

interface Slot {
  worker: Worker;
  pending: Map<number, Pending>;
}

/**
 * A fixed pool of worker threads that turn source image bytes into encoded augmented copies.
 * Each task goes to the worker with the fewest tasks in flight; the caller bounds how many tasks
 * it keeps in flight.
 */
export class WorkerPool {
  private readonly slots: Slot[];
  private nextId = 0;
  private failure: Error | null = null;

  constructor(size: number, init: WorkerInit) {
    this.slots = Array.from({ length: size }, () => this.spawn(init));
  }

  private spawn(init: WorkerInit): Slot {
    const worker = new Worker(new URL('./worker.js', import.meta.url), { workerData: init });
    const slot: Slot = { worker, pending: new Map() };
    worker.on('message', (response: WorkerResponse) => {
      const task = slot.pending.get(response.id);
      if (!task) return;
      slot.pending.delete(response.id);
      if (response.ok) task.resolve(response.copies);
      else task.reject(response.badInput ? new DecodeError(response.error) : new RemuxError('ERR_REMUX_WORKER', response.error));
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
   * Decodes, augments and encodes one source image. The bytes are copied (the source's buffer is
   * shared with other rows); a `DecodeError` means the image is at fault.
   */
  remux(bytes: Uint8Array, sourceIndex: number): Promise<EncodedCopy[]> {
    if (this.failure) return Promise.reject(this.failure);
    const own = bytes.slice();
    const request: WorkerRequest = { id: this.nextId++, bytes: own, sourceIndex };
    const slot = this.slots.reduce((best, s) => (s.pending.size < best.pending.size ? s : best));
    return new Promise((resolve, reject) => {
      slot.pending.set(request.id, { resolve, reject });
      slot.worker.postMessage(request, [own.buffer]);
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}
