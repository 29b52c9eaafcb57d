import { appendFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { StepSpec } from './augment/op.js';
import { choosePipeline, decodeDivisor, fixedOutputSize, pipelineToSpec } from './augment/pipeline.js';
import { remuxBatched, type RowResult } from './execute/batched.js';
import { batchRunner } from './execute/batchRunner.js';
import { meteredRunner, startBackend } from './backend/select.js';
import { startTfjs } from './backend/tfjs.js';
import { loadAugment, pipelineChoice } from './augment/userFunction.js';
import { ImageError } from './codec/decode.js';
import { EXTENSIONS } from './codec/encode.js';
import { decodeMemory } from './codec/decodeMemory.js';
import { codecVersions } from './codec/libraries.js';
import { WorkerPool } from './execute/pool.js';
import { RemuxError, messageOf, redact } from './errors.js';
import { resolveOptions, TARGET_SHARD_BYTES, type ConcreteBackend, type Progress, type RemuxOptions, type ResolvedOptions } from './options.js';
import { finalizeHint, finalizeRun } from './sink/finalize.js';
import { journalSaver, positionAfter, type RunRecord } from './sink/journal.js';
import { lockOutput } from './sink/output.js';
import { startOutput } from './sink/resume.js';
import { outputFeatures, outputSchema, type OutputLayout } from './sink/schema.js';
import { ShardWriter, type ShardInfo } from './sink/shardWriter.js';
import { describePart, errorsFile, shardPrefix, sliceRows } from './sink/slice.js';
import type { PushTarget } from './sink/upload.js';
import { openSource, type Source, type SourceRow } from './source/index.js';
import { describeSpec } from './source/source.js';
import type { RowGroupReader, RowGroupRequest } from './source/rowGroups.js';
import { addStageTime, BusyClock, noStageTime, secondsSince, timedIterable, type StageSeconds } from './util/stageTime.js';
import { mapOrdered } from './util/stream.js';

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
  /** The backend that ran (what `auto` resolved to). */
  backend: ConcreteBackend;
  /** Busy seconds per stage (see `StageSeconds`): where the time went, for `remux bench`. */
  stageSeconds: StageSeconds;
  /** Pixel bytes a batched backend read and wrote (RGB, source and output); 0 on the CPU backends. */
  augmentBytes: number;
}

/**
 * Source rows in flight per worker on the CPU backends; only compressed bytes wait in this window.
 * 16 rather than 8: 12000 rows of 256² photos, 2 workers, 7 alternated runs: 8.90 → 8.37 s (median).
 */
const ROWS_IN_FLIGHT_PER_WORKER = 16;

/** How often `onProgress` hears how the run goes. */
const PROGRESS_EVERY_MS = 1000;
/** Decoded images in flight per worker on the batched backends, whose pixels wait in this window. */
const DECODED_IN_FLIGHT_PER_WORKER = 8;

/**
 * Runs the whole job: source rows → worker pool (decode → augment → encode, in order, a bounded
 * number in flight) → parquet shards, then the final shard names, `remux.json` and the dataset card.
 * @example await remux({ source: 'sample/parquet', out: 'out', size: 224, copies: 2 })
 */
export async function remux(input: RemuxOptions): Promise<RemuxSummary> {
  const started = performance.now();
  const cpuStart = process.cpuUsage();
  const requested = resolveOptions(input);
  // The hub client and its libraries load only for --push-to-hub.
  const upload = requested.pushToHub === undefined ? null : await import('./sink/upload.js');
  const push = upload && upload.pushTarget(requested.pushToHub!, requested);
  const steps = await choosePipeline(pipelineChoice(requested));
  const spec = pipelineToSpec(steps);
  const source = await openSource(requested.source, requested);
  for (const note of source.notes) requested.onNote?.(note);
  const augment = requested.augment === undefined ? null : await loadAugment(requested.augment);
  // An explicitly requested backend that cannot start stops here, with the reason, before any
  // output; `auto` resolves here, and the resolved name is what the journal and remux.json record.
  const backend = await startBackend(requested.backend);
  const options: ResolvedOptions = { ...requested, backend: backend.name };
  const slice = { index: options.shardIndex, count: options.numShards };
  const range = sliceRows(source.chunkRows, slice, options.limit);
  // A user's function may return any size, so only the declarative pipeline can fix it.
  const imageSize = augment ? null : fixedOutputSize(steps);
  const layout = { format: options.format, hasLabels: source.hasLabels, labelNames: source.labelNames, keptColumns: source.keptColumns, recordParams: options.recordParams, imageSize };
  const plan = { out: options.out, resume: options.resume, overwrite: options.overwrite, split: source.split, slice, prefix: shardPrefix(source.split, slice) };
  if (upload && push) await upload.ensureRepo(push);
  // Held until remux() returns or throws: no other remux may prepare, resume or finalize this output meanwhile.
  await using _lock = await lockOutput(options.out, source.split, slice, options.onNote);
  const start = await startOutput(plan, { ...outputFingerprint(options, source, spec, push), augment: augment?.fingerprint ?? null }, runRecord(options, source, spec, layout));
  // Said once the run really starts: after every check of the options, the source and the output.
  if (backend.note) options.onNote?.(backend.note, 'backend');
  if (start.note) options.onNote?.(start.note);
  const { journal } = start;
  const position = start.position ?? { sourceIndex: range.start, copy: 0 };
  const save = journalSaver(options.out, journal);
  const uploader = upload && push && new upload.ShardUploader({ target: push, out: options.out, journal, save, deleteUploaded: options.deleteUploaded });
  // After Ctrl-C a hub request fails (an upload, say): the run was interrupted, and says how to go on.
  const stopped = (error: unknown) => {
    throw options.signal?.aborted ? interrupted(options.out, journal.shards) : error;
  };
  await uploader?.resume().catch(stopped);

  const writer = new ShardWriter({
    dir: `${options.out}/data`,
    prefix: plan.prefix,
    schema: outputSchema(layout),
    rowGroupSize: options.rowGroupSize,
    imageCompression: options.compression,
    rowsPerShard: options.rowsPerShard ?? journal.rowsPerShard ?? undefined,
    targetShardBytes: TARGET_SHARD_BYTES,
    committed: journal.shards,
    onCommit: async (shard, last) => {
      journal.shards.push({ ...shard, next: last ? positionAfter(last, options.copies) : (journal.shards.at(-1)?.next ?? position) });
      journal.rowsPerShard = writer.shardRows ?? null;
      await save();
      await uploader?.add(journal.shards.at(-1)!);
    },
  });
  const stageSeconds = noStageTime();
  const deviceClock = new BusyClock();
  const counts = journal.finished ? { ...journal.counts } : { ...journal.counts, rowsIn: position.sourceIndex - range.start };
  const rowsBefore = counts.rowsOut;
  const report = () => {
    const progress: Progress = { ...counts, totalRows: range.end - range.start, bytesWritten: writer.bytesWritten, elapsedSeconds: (performance.now() - started) / 1000 };
    options.onProgress?.(progress);
  };

  if (!journal.finished) {
    // The kernels that run on the CPU: in the workers, and tfjs's backend for a user's function.
    const cpuKernels = backend.name === 'wasm' ? 'wasm' : 'cpu';
    const pool = new WorkerPool(options.workers, {
      pipeline: spec,
      codec: options.codec,
      maxPixels: options.maxPixels,
      seed: options.seed,
      copies: options.copies,
      encode: { format: options.format, quality: options.quality, codec: options.codec },
      recordParams: options.recordParams,
      backend: cpuKernels,
    });
    const errorsPath = `${options.out}/${errorsFile(source.split, slice)}`;
    // On a timer, not from the loop over results: see `writeResults`.
    const reporting = options.onProgress && setInterval(report, PROGRESS_EVERY_MS);
    try {
      const reader = (group: RowGroupRequest) => pool.readRowGroup(group);
      const rows = timedIterable(rowsFrom(source, position.sourceIndex, range.end, reader), (s) => (stageSeconds.read += s));
      const user = augment && { augment, tf: await startTfjs(cpuKernels, backend.tf), seed: options.seed, labelNames: source.labelNames, hasLabels: source.hasLabels };
      const device = backend.run && meteredRunner(backend.run, deviceClock);
      // A wide window: image costs vary 100× (0.1–16 MP), and results are consumed in order, so a
      // narrow one would leave workers idle behind one slow image. What the rows in it hold,
      // decoded pixels included, is bounded by --memory, weighed from each image's header.
      const memory = { weight: (row: SourceRow) => (row.bytes ? decodeMemory(row.bytes, { divisorFor: (size) => decodeDivisor(steps, size), maxPixels: options.maxPixels }) : 0), max: options.memory };
      const done = device || user
        ? remuxBatched(rows, pool, batchRunner(device, user), { batchSize: options.batchSize, decodeWindow: options.workers * DECODED_IN_FLIGHT_PER_WORKER, memory, prepare: device ? 'decode' : 'augment' })
        : mapOrdered(rows, options.workers * ROWS_IN_FLIGHT_PER_WORKER, (row) => remuxRow(pool, row), memory);
      await writeResults(done, { writer, options, position, counts, stageSeconds, skip: (row, error) => recordError(errorsPath, source, row, error) });
      const closing = performance.now();
      await writer.close();
      stageSeconds.write += secondsSince(closing);
      addStageTime(stageSeconds, { ...pool.stageSeconds, augment: pool.stageSeconds.augment + deviceClock.seconds });
    } catch (error) {
      await writer.abort();
      await uploader?.settle();
      throw options.signal?.aborted ? interrupted(options.out, writer.committed) : withResumeHint(error, options.out, writer.committed);
    } finally {
      clearInterval(reporting);
      await pool.close();
    }
    journal.counts = counts;
    journal.finished = true;
    await save();
  }
  await uploader?.drain().catch(stopped);

  let shards: ShardInfo[] = journal.shards;
  if (slice.count === 1) shards = (await finalizeRun(options.out, source.split, options).catch(stopped)).shards;
  else options.onNote?.(`${describePart(source.split, slice)} is complete; once every slice is, run: ${await finalizeHint(options.out, source.split, slice)}${push ? ' (with HF_TOKEN set: it makes the final commit to the hub)' : ''}`);
  if (push) options.onNote?.(`${slice.count === 1 ? 'pushed' : 'uploaded'} ${journal.shards.length} shard(s) to hub dataset ${push.repo}`);
  report();

  const wallSeconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  return {
    out: options.out,
    split: source.split,
    ...counts,
    shards,
    bytesWritten: writer.bytesWritten,
    wallSeconds,
    imagesPerSecond: (counts.rowsOut - rowsBefore) / wallSeconds,
    cpuSecondsPer1000: counts.rowsOut > rowsBefore ? ((cpu.user + cpu.system) / 1e6 / (counts.rowsOut - rowsBefore)) * 1000 : 0,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    backend: backend.name,
    stageSeconds,
    augmentBytes: deviceClock.bytes,
  };
}

/** One source row through a worker: its encoded copies, or why it was skipped. */
async function remuxRow(pool: WorkerPool, row: SourceRow): Promise<RowResult> {
  if (!row.bytes) return { row, error: row.error ?? 'no image bytes' };
  try {
    return { row, copies: await pool.remux(row.bytes, row.sourceIndex, row.ownsBytes) };
  } catch (error) {
    if (error instanceof ImageError) return { row, error: error.message };
    throw error;
  }
}

/** Where `writeResults` puts each result, and what it counts. */
interface ResultSink {
  writer: ShardWriter;
  options: ResolvedOptions;
  /** Where the run starts: a resumed run skips the copies of its first row that a shard already holds. */
  position: { sourceIndex: number; copy: number };
  counts: { rowsIn: number; rowsOut: number; skipped: number };
  stageSeconds: StageSeconds;
  skip: (row: SourceRow, error: string) => Promise<void>;
}

/**
 * Every row's copies appended to the shards, in order; a row that failed is skipped (or stops the
 * run with --on-error fail). The run's one hot loop: out of `remux`, whose long body took V8
 * ~60 ms to optimize, and free of rare branches (a progress report once a second), whose missing
 * type feedback deoptimized the loop each time one ran: that recompiled `remux` 9 times in a
 * 9,280-row run, 0.5 s of CPU.
 */
async function writeResults(results: AsyncIterable<RowResult>, sink: ResultSink): Promise<void> {
  const { writer, options, position, counts, stageSeconds } = sink;
  for await (const result of results) {
    if (options.signal?.aborted) throw interrupted(options.out, writer.committed);
    counts.rowsIn++;
    if ('error' in result) {
      if (options.onError === 'fail') throw new RemuxError('ERR_REMUX_BAD_IMAGE', `source ${result.row.file} row ${result.row.fileRow}: ${result.error} (--on-error fail)`);
      counts.skipped++;
      await sink.skip(result.row, result.error);
      continue;
    }
    for (const [copy, encoded] of result.copies.entries()) {
      // A resumed run starts inside a row when a shard ended between its copies.
      if (result.row.sourceIndex === position.sourceIndex && copy < position.copy) continue;
      const writing = performance.now();
      await writer.append({
        image: encoded.bytes,
        path: `${String(result.row.sourceIndex).padStart(6, '0')}-${copy}.${EXTENSIONS[options.format]}`,
        size: { width: encoded.width, height: encoded.height },
        label: encoded.label ?? result.row.label,
        sourceIndex: result.row.sourceIndex,
        copy,
        keep: result.row.keep,
        params: encoded.params ? JSON.stringify(encoded.params) : null,
      });
      stageSeconds.write += secondsSince(writing);
      counts.rowsOut++;
    }
  }
}

async function recordError(path: string, source: Source, row: SourceRow, reason: string): Promise<void> {
  const line = { source_index: row.sourceIndex, file: row.file, row: row.fileRow, reason, source: source.description };
  await appendFile(path, `${JSON.stringify(line)}\n`).catch((error: unknown) => {
    throw new RemuxError('ERR_REMUX_WRITE', `cannot write ${path}: ${messageOf(error)}`);
  });
}

/** Source rows `[from, end)`: a slice of the source, or what a resumed run has left of it (the source skips what lies before `from`). */
async function* rowsFrom(source: Source, from: number, end: number, reader: RowGroupReader): AsyncGenerator<SourceRow> {
  for await (const chunk of source.chunks(from, reader)) {
    for (const row of chunk) {
      if (row.sourceIndex >= end) return;
      yield row;
    }
  }
}

/** The options that decide the output bytes, and where it is pushed: a resumed run must have the same ones. */
function outputFingerprint(options: ResolvedOptions, source: Source, pipeline: unknown, push: PushTarget | null): Record<string, unknown> {
  return {
    outputVersion: OUTPUT_VERSION,
    source: describeSpec(options.source),
    config: options.config ?? null,
    revision: options.revision ?? null,
    split: source.split,
    sourceRows: source.totalRows,
    sourceVersion: source.version ?? null,
    imageColumn: options.imageColumn ?? null,
    labelColumn: options.labelColumn ?? null,
    keepColumns: options.keepColumns,
    limit: options.limit ?? null,
    pipeline,
    copies: options.copies,
    seed: options.seed,
    format: options.format,
    quality: options.quality,
    codec: options.codec,
    backend: options.backend,
    maxPixels: options.maxPixels,
    imageRoot: options.imageRoot ?? null,
    onError: options.onError,
    recordParams: options.recordParams,
    rowGroupSize: options.rowGroupSize,
    rowsPerShard: options.rowsPerShard ?? null,
    pushToHub: push?.repo ?? null,
  };
}

/**
 * Raised whenever the same options come to give other pixels (a decoder or kernel change), so
 * that `--resume` and `finalize` never mix the two in one dataset. 2: JPEGs decoded at a reduced
 * scale are libjpeg-turbo decodes box-averaged (1 was sharp's shrink-on-load). 3: autoContrast
 * stretches between whole levels (a flat colour stays flat), and local parquet rows that hold only
 * an image path are read from that file (2 skipped them). 4: a label outside the ClassLabel names
 * skips its row (3 wrote it); `--format raw` stores each image as nested lists of its rows and
 * pixels (3 stored flat bytes without their height and width). 5: JPEGs are decoded by
 * libjpeg-turbo 3's TurboJPEG API with the accurate IDCT and fancy upsampling (Pillow's pixels), and
 * at a reduced scale DCT-scaled (4 used the fast IDCT and merged upsampling, box-averaged).
 */
export const OUTPUT_VERSION = 5;

/** A write error (a full disk, say) leaves committed shards and the journal intact: say how to go on. */
function withResumeHint(error: unknown, out: string, committed: ShardInfo[]): unknown {
  if (!(error instanceof RemuxError) || error.code !== 'ERR_REMUX_WRITE') return error;
  return new RemuxError('ERR_REMUX_WRITE', `${error.message}; the ${committed.length} committed shard(s) and the journal in ${out} are intact: fix this and run the same command with --resume`, { cause: error });
}

function interrupted(out: string, committed: ShardInfo[]): RemuxError {
  const rows = committed.reduce((n, s) => n + s.rows, 0);
  return new RemuxError('ERR_REMUX_INTERRUPTED', `interrupted: ${committed.length} shard(s) with ${rows} rows are committed in ${out}; run the same command with --resume to continue`);
}

/** What remux.json and the dataset card will say, kept in the journal until `finalize` writes them. */
function runRecord(options: ResolvedOptions, source: Source, spec: StepSpec[], layout: OutputLayout): RunRecord {
  const { onProgress: _p, onNote: _n, overwrite: _o, resume: _r, signal: _s, out: _out, pipeline: _pipeline, shardIndex: _i, token: _secret, retry: _retry, augment: _augment, ...recorded } = options;
  return {
    manifest: {
      remux: packageJson.version,
      outputVersion: OUTPUT_VERSION,
      source: { spec: options.source, split: source.split, rows: source.totalRows, labelNames: source.labelNames },
      // The endpoint without the user and password it may carry.
      options: { ...recorded, endpoint: recorded.endpoint === undefined ? undefined : redact(recorded.endpoint) },
      pipeline: spec,
      versions: { node: process.versions.node, ...codecVersions() },
    },
    card: { split: source.split, features: outputFeatures(layout), source: source.description, pipeline: spec, copies: options.copies, seed: options.seed },
  };
}
