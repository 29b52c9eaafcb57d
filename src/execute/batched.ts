/**
 * The batched path of the GPU backends. Workers decode (at the planned reduced scale) and plan each
 * row's copies; the main thread gathers `batchSize` samples (ragged: every source size), queues
 * them on the GPU in one go and, while that batch is read back, gathers and queues the next
 * (two batches in flight: double buffering); the augmented pixels go back to the workers to be
 * encoded. Rows come out in source order, and every sample is a pure function of
 * (seed, row, copy), so the bytes do not depend on the batch size or the worker count.
 */
import type { BatchImage } from '../../kernels/webgpu/runBatch.js';
import type { BatchSample } from '../../kernels/webgpu/batchLayout.js';
import type { SamplePlan } from '../augment/pipeline.js';
import { ImageError } from '../codec/decode.js';
import type { WorkerPool } from './pool.js';
import type { EncodedCopy } from './protocol.js';
import type { SourceRow } from '../source/index.js';
import { mapOrdered, type WeightBudget } from '../util/stream.js';

/** What the writer gets per source row: its encoded copies, or why it was skipped. */
export type RowResult = { row: SourceRow; copies: EncodedCopy[] } | { row: SourceRow; error: string };

/** One sample of a batch: its pixels, the passes still to run on them (none when a worker ran them), and who it is. */
export interface PreparedSample extends BatchSample {
  params: SamplePlan['params'];
  sourceIndex: number;
  copy: number;
  label: number | null;
}

/** A batch's augmented images, and new labels when a user's function gave some. */
export interface BatchOutput {
  images: BatchImage[];
  labels: number[] | null;
}

/** What a batch goes through on the main thread: queued on call, resolved when read back. */
export type BatchRunner = (samples: PreparedSample[]) => Promise<BatchOutput>;

type Prepared = { row: SourceRow; samples: PreparedSample[] } | { row: SourceRow; error: string };

/** Batches in flight: one being read back and encoded while the next is queued. */
const BATCHES_IN_FLIGHT = 2;

export interface BatchedOptions {
  batchSize: number;
  /** Source rows being decoded at once. */
  decodeWindow: number;
  /** …and what they may hold together (`--memory`). */
  memory: WeightBudget<SourceRow>;
  /** What the workers do first: `decode` (and plan; the passes run on the device) or `augment` (the CPU kernels run there). */
  prepare: 'decode' | 'augment';
}

export async function* remuxBatched(rows: AsyncIterable<SourceRow>, pool: WorkerPool, run: BatchRunner, options: BatchedOptions): AsyncGenerator<RowResult> {
  const prepared = mapOrdered(rows, options.decodeWindow, (row) => prepareRow(pool, row, options.prepare), options.memory);
  const done = mapOrdered(gather(prepared, options.batchSize), BATCHES_IN_FLIGHT, (batch) => augmentAndEncode(batch, pool, run));
  for await (const results of done) yield* results;
}

async function prepareRow(pool: WorkerPool, row: SourceRow, mode: BatchedOptions['prepare']): Promise<Prepared> {
  if (!row.bytes) return { row, error: row.error ?? 'no image bytes' };
  const who = (copy: number) => ({ sourceIndex: row.sourceIndex, copy, label: row.label });
  try {
    if (mode === 'augment') {
      const copies = await pool.augment(row.bytes, row.sourceIndex, row.ownsBytes);
      return { row, samples: copies.map((c, copy) => ({ data: c.data, size: { width: c.width, height: c.height }, stages: [], params: c.params, ...who(copy) })) };
    }
    const { image, plans } = await pool.decode(row.bytes, row.sourceIndex, row.ownsBytes);
    return { row, samples: plans.map((plan, copy) => ({ data: image.data, size: { width: image.width, height: image.height }, stages: plan.stages, params: plan.params, ...who(copy) })) };
  } catch (error) {
    if (error instanceof ImageError) return { row, error: error.message };
    throw error;
  }
}

/** Groups prepared rows, in order, into batches of at least `batchSize` samples (a row's copies stay together). */
export async function* gather(prepared: AsyncIterable<Prepared>, batchSize: number): AsyncGenerator<Prepared[]> {
  let batch: Prepared[] = [];
  let samples = 0;
  for await (const item of prepared) {
    batch.push(item);
    if ('samples' in item) samples += item.samples.length;
    if (samples >= batchSize) {
      yield batch;
      batch = [];
      samples = 0;
    }
  }
  if (batch.length > 0) yield batch;
}

/** Queues the batch's samples (synchronously, on call), then encodes what comes back. */
function augmentAndEncode(batch: Prepared[], pool: WorkerPool, run: BatchRunner): Promise<RowResult[]> {
  const samples = batch.flatMap((item) => ('samples' in item ? item.samples : []));
  const output = samples.length > 0 ? run(samples) : Promise.resolve({ images: [], labels: null });
  return output.then(({ images, labels }) => {
    let next = 0;
    return Promise.all(
      batch.map(async (item): Promise<RowResult> => {
        if (!('samples' in item)) return item;
        const copies = item.samples.map(async (sample) => {
          const index = next++;
          const out = images[index];
          const encoded = await pool.encode({ data: out.data, width: out.size.width, height: out.size.height }, sample.params);
          return labels ? { ...encoded, label: labels[index] } : encoded;
        });
        try {
          return { row: item.row, copies: await Promise.all(copies) };
        } catch (error) {
          // A copy that cannot be encoded (too large for the format, say) skips its row alone.
          if (error instanceof ImageError) return { row: item.row, error: error.message };
          throw error;
        }
      }),
    );
  });
}
