import { Worker } from 'node:worker_threads';
import { RemuxError } from '../errors.js';
import type { RgbImage } from '../backend/backend.js';
import { DecodeError, type DecodedImage } from './decode.js';
import type { EncodeOptions } from './encode.js';
import type { WorkerInit, WorkerRequest, WorkerResponse } from './protocol.js';

interface Pending {
  resolve: (response: WorkerResponse & { ok: true }) => void;
  reject: (error: Error) => void;
}

interface Slot {
  worker: Worker;
  pending: Map<number, Pending>;
}

/**
 * A fixed pool of codec worker threads. Each task goes to the worker with the fewest tasks in
 * flight; the caller bounds how many tasks it keeps in flight.
 */
export class CodecPool {
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
      if (response.ok) task.resolve(response);
      else task.reject(response.badInput ? new DecodeError(response.error) : new RemuxError('ERR_REMUX_CODEC', response.error));
    });
    const fail = (error: Error) => {
      this.failure = new RemuxError('ERR_REMUX_WORKER', `codec worker stopped: ${error.message}`, { cause: error });
      for (const task of slot.pending.values()) task.reject(this.failure);
      slot.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => {
      if (code !== 0 && slot.pending.size > 0) fail(new Error(`exit code ${code}`));
    });
    return slot;
  }

  private submit(request: WorkerRequest, transfer: ArrayBuffer[]): Promise<WorkerResponse & { ok: true }> {
    if (this.failure) return Promise.reject(this.failure);
    const slot = this.slots.reduce((best, s) => (s.pending.size < best.pending.size ? s : best));
    return new Promise((resolve, reject) => {
      slot.pending.set(request.id, { resolve, reject });
      slot.worker.postMessage(request, transfer);
    });
  }

  /** The bytes are copied (the source's buffer is shared with other rows); pixels come back transferred. */
  async decode(bytes: Uint8Array): Promise<DecodedImage> {
    const own = bytes.slice();
    const response = await this.submit({ id: this.nextId++, type: 'decode', bytes: own }, [own.buffer]);
    if (response.type !== 'decode') throw new Error('codec worker answered a decode with an encode');
    return response.image;
  }

  /** The pixels are transferred to the worker: do not use `image.data` afterwards. */
  async encode(image: RgbImage, options: EncodeOptions): Promise<Uint8Array> {
    const whole = image.data.byteOffset === 0 && image.data.byteLength === image.data.buffer.byteLength;
    const transfer = whole ? [image.data.buffer as ArrayBuffer] : [];
    const response = await this.submit({ id: this.nextId++, type: 'encode', image, options }, transfer);
    if (response.type !== 'encode') throw new Error('codec worker answered an encode with a decode');
    return response.bytes;
  }

  async close(): Promise<void> {
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}
