import { appendFile, rename } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { runBatch } from '../kernels/webgpu/runBatch.js';
import { choosePipeline, pipelineToSpec } from './augment/pipeline.js';
import { remuxBatched, type RowResult } from './backend/batched.js';
import { adapterLine, startWebgpu } from './backend/webgpu.js';
import { DecodeError } from './codec/decode.js';
import { EXTENSIONS } from './codec/encode.js';
import { codecVersions } from './codec/libraries.js';
import { WorkerPool } from './codec/pool.js';
import { RemuxError } from './errors.js';
import { resolveOptions, TARGET_SHARD_BYTES, type Progress, type RemuxOptions, type ResolvedOptions } from './options.js';
import { datasetCard } from './sink/card.js';
import { finalShardName, prepareOutput, writeFileAtomic } from './sink/output.js';
import { outputFeatures, outputSchema } from './sink/schema.js';
import { ShardWriter, type ShardInfo } from './sink/shardWriter.js';
import { openSource, type Source, type SourceRow } from './source/index.js';
import { flatten, mapOrdered } from './util/stream.js';

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

/** Source rows in flight per worker; only compressed bytes wait in this window. */
const IN_FLIGHT_PER_WORKER = 8;

/**
 * Runs the whole job: source rows → worker pool (decode → augment → encode, in order, a bounded
 * number in flight) → parquet shards, then the final shard names, `remux.json` and the dataset card.
 * @example await remux({ source: 'sample/parquet', out: 'out', size: 224, copies: 2 })
 */
export async function remux(input: RemuxOptions): Promise<RemuxSummary> {
  const started = performance.now();
  const cpuStart = process.cpuUsage();
  const options = resolveOptions(input);
  const steps = await choosePipeline(options);
  const spec = pipelineToSpec(steps);
  const source = await openSource(options.source, options);
  for (const note of source.notes) options.onNote?.(note);
  // An explicitly requested GPU that cannot start stops here, with the reason, before any output.
  const gpu = options.backend === 'webgpu' ? await startWebgpu() : null;
  if (gpu) options.onNote?.(adapterLine(gpu.adapter));
  await prepareOutput(options.out, options.overwrite);

  const layout = { format: options.format, hasLabels: source.hasLabels, labelNames: source.labelNames, keptColumns: source.keptColumns, recordParams: options.recordParams };
  const dataDir = `${options.out}/data`;
  const writer = new ShardWriter({ dir: dataDir, split: source.split, schema: outputSchema(layout), rowGroupSize: options.rowGroupSize, rowsPerShard: options.rowsPerShard, targetShardBytes: TARGET_SHARD_BYTES });
  const pool = new WorkerPool(options.workers, {
    pipeline: spec,
    codec: options.codec,
    maxPixels: options.maxPixels,
    seed: options.seed,
    copies: options.copies,
    encode: { format: options.format, quality: options.quality, codec: options.codec },
    recordParams: options.recordParams,
    backend: options.backend === 'webgpu' ? 'cpu' : options.backend,
  });
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
    // A wide window: image costs vary 100× (0.1–16 MP), and results are consumed in order, so a
    // narrow one would leave workers idle behind one slow image.
    const inFlight = options.workers * IN_FLIGHT_PER_WORKER;
    const done = gpu
      ? remuxBatched(rows, pool, (samples) => runBatch(gpu.backend, samples), { batchSize: options.batchSize, decodeWindow: inFlight })
      : mapOrdered(rows, inFlight, (row) => remuxRow(pool, row));
    for await (const result of done) {
      counts.rowsIn++;
      if ('error' in result) {
        if (options.onError === 'fail') throw new RemuxError('ERR_REMUX_BAD_IMAGE', `source ${result.row.file} row ${result.row.fileRow}: ${result.error} (--on-error fail)`);
        counts.skipped++;
        await recordError(options, source, result.row, result.error);
        continue;
      }
      for (const [copy, encoded] of result.copies.entries()) {
        await writer.append({
          image: encoded.bytes,
          path: `${String(result.row.sourceIndex).padStart(6, '0')}-${copy}.${EXTENSIONS[options.format]}`,
          label: result.row.label,
          sourceIndex: result.row.sourceIndex,
          copy,
          keep: result.row.keep,
          params: encoded.params ? JSON.stringify(encoded.params) : null,
        });
        counts.rowsOut++;
      }
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
  await writeFileAtomic(`${options.out}/remux.json`, `${JSON.stringify(manifest(options, source, spec, counts, shards), null, 2)}\n`);
  await writeFileAtomic(`${options.out}/README.md`, datasetCard({ split: source.split, files: shards.map((s) => s.file), features, rows: counts.rowsOut, bytes: bytesWritten, source: source.description, pipeline: spec, copies: options.copies, seed: options.seed }));
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

/** One source row through a worker: its encoded copies, or why it was skipped. */
async function remuxRow(pool: WorkerPool, row: SourceRow): Promise<RowResult> {
  if (!row.bytes) return { row, error: row.error ?? 'no image bytes' };
  try {
    return { row, copies: await pool.remux(row.bytes, row.sourceIndex) };
  } catch (error) {
    if (error instanceof DecodeError) return { row, error: error.message };
    throw error;
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
