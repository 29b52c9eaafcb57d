import { appendFile, rename } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { choosePipeline, pipelineToSpec, planSample, toDecodedPixels, type PipelineStep, type SamplePlan } from './augment/pipeline.js';
import type { Backend } from './backend/backend.js';
import { cpuBackend } from './backend/cpu.js';
import type { DecodedImage } from './codec/decode.js';
import { DecodeError } from './codec/decode.js';
import { EXTENSIONS } from './codec/encode.js';
import { codecVersions } from './codec/libraries.js';
import { CodecPool } from './codec/pool.js';
import { RemuxError } from './errors.js';
import { resolveOptions, TARGET_SHARD_BYTES, type Progress, type RemuxOptions, type ResolvedOptions } from './options.js';
import { datasetCard } from './sink/card.js';
import { finalShardName, prepareOutput, writeFileAtomic } from './sink/output.js';
import { outputFeatures, outputSchema } from './sink/schema.js';
import { ShardWriter, type ShardInfo } from './sink/shardWriter.js';
import { openSource, type Source, type SourceRow } from './source/index.js';
import { chunked, flatten, mapOrdered } from './util/stream.js';

const packageJson = createRequire(import.meta.url)('../../package.json') as { version: string };

export interface RemuxSummary {
  out: string;
  split: string;
  rowsIn: number;
  rowsOut: number;
  skipped: number;
  shards: ShardInfo[];
  bytesWritten: number;
  wallSeconds: number;
  imagesPerSecond: number;
  /** CPU time of the whole process (all threads) per 1000 output images. */
  cpuSecondsPer1000: number;
  /** Peak resident memory of the process so far, all threads. */
  peakRssBytes: number;
}

/** Decoded bytes at which a batch closes even before `--batch-size` images; never changes the output. */
const MAX_BATCH_BYTES = 256 * 1024 * 1024;

type Decoded = { row: SourceRow; image: DecodedImage } | { row: SourceRow; error: string };

interface Sample {
  row: SourceRow;
  copy: number;
  params: SamplePlan['params'];
  pixels: Uint8Array;
  width: number;
  height: number;
}

/**
 * Runs the whole job: source → decode pool → batches → augment → encode pool → parquet shards,
 * then the final shard names, `remux.json` and the dataset card.
 * @example await remux({ source: 'sample/parquet', out: 'out', size: 224, copies: 2 })
 */
export async function remux(input: RemuxOptions): Promise<RemuxSummary> {
  const started = performance.now();
  const cpuStart = process.cpuUsage();
  const options = resolveOptions(input);
  const steps = await choosePipeline(options);
  const source = await openSource(options.source, options);
  for (const note of source.notes) options.onNote?.(note);
  await prepareOutput(options.out, options.overwrite);

  const layout = { format: options.format, hasLabels: source.hasLabels, labelNames: source.labelNames, keptColumns: source.keptColumns, recordParams: options.recordParams };
  const dataDir = `${options.out}/data`;
  const writer = new ShardWriter({ dir: dataDir, split: source.split, schema: outputSchema(layout), rowGroupSize: options.rowGroupSize, rowsPerShard: options.rowsPerShard, targetShardBytes: TARGET_SHARD_BYTES });
  const pool = new CodecPool(options.workers, { pipeline: pipelineToSpec(steps), codec: options.codec, maxPixels: options.maxPixels });
  const totalRows = Math.min(source.totalRows, options.limit ?? Infinity);
  const counts = { rowsIn: 0, rowsOut: 0, skipped: 0 };
  let lastReport = 0;
  const report = (force: boolean) => {
    const now = performance.now();
    if (!force && now - lastReport < 1000) return;
    lastReport = now;
    const progress: Progress = { ...counts, totalRows, bytesWritten: writer.bytesWritten, elapsedSeconds: (now - started) / 1000 };
    options.onProgress?.(progress);
  };

  try {
    const rows = flatten(source.chunks(), options.limit);
    const decoded = mapOrdered(rows, options.workers * 2, (row) => decodeRow(pool, row));
    const samples = augmentStage(decoded, steps, options, cpuBackend, async (row, reason) => {
      counts.skipped++;
      await recordError(options, source, row, reason);
    }, () => counts.rowsIn++);
    const encodeOptions = { format: options.format, quality: options.quality, codec: options.codec };
    const encoded = mapOrdered(samples, options.workers * 2, async (s) => ({ sample: s, bytes: await pool.encode({ data: s.pixels, width: s.width, height: s.height }, encodeOptions) }));
    for await (const { sample, bytes } of encoded) {
      await writer.append({
        image: bytes,
        path: `${String(sample.row.sourceIndex).padStart(6, '0')}-${sample.copy}.${EXTENSIONS[options.format]}`,
        label: sample.row.label,
        sourceIndex: sample.row.sourceIndex,
        copy: sample.copy,
        keep: sample.row.keep,
        params: options.recordParams ? JSON.stringify(sample.params) : null,
      });
      counts.rowsOut++;
      report(false);
    }
    await writer.close();
  } catch (error) {
    await writer.abort();
    throw error;
  } finally {
    await pool.close();
  }

  const shards = await finalizeShards(dataDir, writer.committed);
  const bytesWritten = writer.bytesWritten;
  const features = outputFeatures(layout);
  const spec = pipelineToSpec(steps);
  await writeFileAtomic(`${options.out}/remux.json`, `${JSON.stringify(manifest(options, source, spec, counts, shards), null, 2)}\n`);
  await writeFileAtomic(`${options.out}/README.md`, datasetCard({ split: source.split, files: shards.map((s) => s.file), features, rows: counts.rowsOut, bytes: bytesWritten, source: options.source, pipeline: spec, copies: options.copies, seed: options.seed }));
  report(true);

  const wallSeconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  return {
    out: options.out,
    split: source.split,
    ...counts,
    shards,
    bytesWritten,
    wallSeconds,
    imagesPerSecond: counts.rowsOut / wallSeconds,
    cpuSecondsPer1000: counts.rowsOut > 0 ? ((cpu.user + cpu.system) / 1e6 / counts.rowsOut) * 1000 : 0,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
  };
}

async function decodeRow(pool: CodecPool, row: SourceRow): Promise<Decoded> {
  if (!row.bytes) return { row, error: row.error ?? 'no image bytes' };
  try {
    return { row, image: await pool.decode(row.bytes) };
  } catch (error) {
    if (error instanceof DecodeError) return { row, error: error.message };
    throw error;
  }
}

/**
 * Groups decoded images into batches of `batchSize`, plans `copies` samples of each from its
 * own random streams, and runs them through the backend. Rows that failed to decode are
 * reported (in order) and produce nothing.
 */
async function* augmentStage(
  decoded: AsyncIterable<Decoded>,
  steps: readonly PipelineStep[],
  options: ResolvedOptions,
  backend: Backend,
  onSkip: (row: SourceRow, reason: string) => Promise<void>,
  onRow: () => void,
): AsyncGenerator<Sample> {
  async function* decodedImages(): AsyncGenerator<{ row: SourceRow; image: DecodedImage }> {
    for await (const item of decoded) {
      onRow();
      if ('error' in item) {
        if (options.onError === 'fail') throw new RemuxError('ERR_REMUX_BAD_IMAGE', `source ${item.row.file} row ${item.row.fileRow}: ${item.error} (--on-error fail)`);
        await onSkip(item.row, item.error);
      } else yield item;
    }
  }
  // A batch also closes at MAX_BATCH_BYTES of decoded pixels, so 64 huge photos cannot take gigabytes.
  for await (const batch of chunked(decodedImages(), options.batchSize, (item) => item.image.data.byteLength, MAX_BATCH_BYTES)) {
    const plans = batch.flatMap((item, image) =>
      Array.from({ length: options.copies }, (_, copy) => {
        const plan = planSample(steps, options.seed, item.row.sourceIndex, copy, { width: item.image.sourceWidth, height: item.image.sourceHeight });
        return { image, copy, size: plan.size, stages: toDecodedPixels(plan.stages, item.image), params: plan.params };
      }),
    );
    const outputs = await backend.augment({ images: batch.map((b) => b.image), samples: plans });
    for (let i = 0; i < plans.length; i++) {
      const plan = plans[i];
      yield { row: batch[plan.image].row, copy: plan.copy, params: plan.params, pixels: outputs[i], width: plan.size.width, height: plan.size.height };
    }
  }
}

async function recordError(options: ResolvedOptions, source: Source, row: SourceRow, reason: string): Promise<void> {
  const line = { source_index: row.sourceIndex, file: row.file, row: row.fileRow, reason, source: source.description };
  await appendFile(`${options.out}/errors.jsonl`, `${JSON.stringify(line)}\n`);
}

/** Renames committed shards to `<split>-0000i-of-0000N.parquet` now that N is known. */
async function finalizeShards(dataDir: string, committed: ShardInfo[]): Promise<ShardInfo[]> {
  const final: ShardInfo[] = [];
  for (const shard of committed) {
    const file = finalShardName(shard.file, committed.length);
    await rename(`${dataDir}/${shard.file}`, `${dataDir}/${file}`);
    final.push({ ...shard, file });
  }
  return final;
}

function manifest(options: ResolvedOptions, source: Source, pipeline: unknown, counts: { rowsIn: number; rowsOut: number; skipped: number }, shards: ShardInfo[]) {
  const { onProgress: _p, onNote: _n, overwrite: _o, out: _out, pipeline: _pipeline, ...recorded } = options;
  return {
    remux: packageJson.version,
    createdAt: new Date().toISOString(),
    source: { spec: options.source, split: source.split, rows: source.totalRows, labelNames: source.labelNames },
    options: recorded,
    pipeline,
    versions: { node: process.versions.node, ...codecVersions() },
    counts,
    shards: shards.map((s) => ({ file: `data/${s.file}`, rows: s.rows, bytes: s.bytes, sha256: s.sha256 })),
  };
}
