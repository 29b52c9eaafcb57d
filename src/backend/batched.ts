/**
 * The batched path of the GPU backends. Workers decode (at the planned DCT scale) and plan each
 * row's copies; the main thread gathers `batchSize` samples (ragged: every source size), queues
 * them on the GPU in one go and, while that batch is read back, gathers and queues the next
 * (two batches in flight: double buffering); the augmented pixels go back to the workers to be
 * encoded. Rows come out in source order, and every sample is a pure function of
 * (seed, row, copy), so the bytes do not depend on the batch size or the worker count.
 */
import type { BatchImage } from '../../kernels/webgpu/runBatch.js';
import type { BatchSample } from '../../kernels/webgpu/batchLayout.js';
import { DecodeError } from '../codec/decode.js';
import type { WorkerPool } from '../codec/pool.js';
import type { DecodedSample, EncodedCopy } from '../codec/protocol.js';
import type { SourceRow } from '../source/index.js';
import { mapOrdered } from '../util/stream.js';

/** What the writer gets per source row: its encoded copies, or why it was skipped. */
export type RowResult = { row: SourceRow; copies: EncodedCopy[] } | { row: SourceRow; error: string };

/** Runs one ragged batch on the device: queued on call, resolved when read back. */
export type BatchRunner = (samples: BatchSample[]) => Promise<BatchImage[]>;

type Decoded = { row: SourceRow; decoded: DecodedSample } | { row: SourceRow; error: string };

/** Batches in flight: one being read back and encoded while the next is queued. */
const BATCHES_IN_FLIGHT = 2;

export interface BatchedOptions {
  batchSize: number;
  /** Source rows being decoded at once. */
  decodeWindow: number;
}

export async function* remuxBatched(rows: AsyncIterable<SourceRow>, pool: WorkerPool, run: BatchRunner, options: BatchedOptions): AsyncGenerator<RowResult> {
  const decoded = mapOrdered(rows, options.decodeWindow, (row) => decodeRow(pool, row));
  const done = mapOrdered(gather(decoded, options.batchSize), BATCHES_IN_FLIGHT, (batch) => augmentAndEncode(batch, pool, run));
  for await (const results of done) yield* results;
}

async function decodeRow(pool: WorkerPool, row: SourceRow): Promise<Decoded> {
  if (!row.bytes) return { row, error: row.error ?? 'no image bytes' };
  try {
    return { row, decoded: await pool.decode(row.bytes, row.sourceIndex) };
  } catch (error) {
    if (error instanceof DecodeError) return { row, error: error.message };
    throw error;
  }
}

/** Groups decoded rows, in order, into batches of at least `batchSize` samples (a row's copies stay together). */
export async function* gather(decoded: AsyncIterable<Decoded>, batchSize: number): AsyncGenerator<Decoded[]> {
  let batch: Decoded[] = [];
  let samples = 0;
  for await (const item of decoded) {
    batch.push(item);
    if ('decoded' in item) samples += item.decoded.plans.length;
    if (samples >= batchSize) {
      yield batch;
      batch = [];
      samples = 0;
    }
  }
  if (batch.length > 0) yield batch;
}

/** Queues the batch's samples on the device (synchronously, on call), then encodes what comes back. */
function augmentAndEncode(batch: Decoded[], pool: WorkerPool, run: BatchRunner): Promise<RowResult[]> {
  const samples: BatchSample[] = [];
  for (const item of batch) {
    if (!('decoded' in item)) continue;
    const { image, plans } = item.decoded;
    for (const plan of plans) samples.push({ data: image.data, size: { width: image.width, height: image.height }, stages: plan.stages });
  }
  const images = samples.length > 0 ? run(samples) : Promise.resolve([]);
  return images.then((augmented) => {
    let next = 0;
    return Promise.all(
      batch.map(async (item): Promise<RowResult> => {
        if (!('decoded' in item)) return item;
        const copies = item.decoded.plans.map((plan) => {
          const out = augmented[next++];
          return pool.encode({ data: out.data, width: out.size.width, height: out.size.height }, plan.params);
        });
        return { row: item.row, copies: await Promise.all(copies) };
      }),
    );
  });
}
