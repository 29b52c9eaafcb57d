/**
 * `remux bench`: the same source rows through each available backend, with per-stage figures,
 * beside the codec floor (decode + encode alone, as the identity runs' workers do them), the whole pipeline with
 * an identity augmentation (what the CPU still pays when a GPU does every pixel), and the pixel
 * programs as stock tfjs ops on each tfjs backend.
 */
import { availableParallelism, cpus } from 'node:os';
import type * as tfjs from '@tensorflow/tfjs-core';
import { runBatchComposite } from '../../kernels/composite/runBatchComposite.js';
import type { BatchSample } from '../../kernels/webgpu/batchLayout.js';
import type { StepSpec } from '../augment/op.js';
import { choosePipeline, pipelineToSpec, type PipelineStep } from '../augment/pipeline.js';
import type { OpStepSpec } from '../augment/ops/index.js';
import { decodeSamples } from '../execute/decodeSamples.js';
import { startTensorflow } from '../backend/tensorflow.js';
import { skipNodeBanner } from '../backend/tfjs.js';
import { adapterLine, startWebgpu } from '../backend/webgpu.js';
import { DecodeError } from '../codec/decode.js';
import { WorkerPool } from '../execute/pool.js';
import { RemuxError, messageOf } from '../errors.js';
import { resolveOptions, type ConcreteBackend, type RemuxOptions, type ResolvedOptions } from '../options.js';
import { remux, type RemuxSummary } from '../pipeline.js';
import { openSource, type SourceRow } from '../source/index.js';
import { STAGES, type StageName } from '../util/stageTime.js';
import { fromArray, mapOrdered } from '../util/stream.js';

export interface BenchOptions extends Omit<RemuxOptions, 'out' | 'backend' | 'batchSize' | 'resume' | 'overwrite' | 'onProgress' | 'numShards' | 'shardIndex'> {
  /** Directory for bench.json, bench.md, bench.svg and the runs' outputs (`runs/`). */
  out: string;
  /** Backends to measure, in this order; those that cannot start here are listed as skipped. Default all four. */
  backends?: ConcreteBackend[];
  /** Batch sizes for the batched backends (tensorflow, webgpu). Default 32, 128, 512. */
  batchSizes?: number[];
  /** Samples for the stock-tfjs-ops measurement (slow on CPUs). Default 16. */
  compositeImages?: number;
}

export interface StageFigures {
  /** Busy seconds (see `StageSeconds`). */
  seconds: number;
  /** Output images per busy second: what one thread (or the device) sustains in this stage alone. */
  imagesPerSecond: number | null;
}

/** A whole `remux` run: the pipeline, or the identity pipeline, on one backend and batch size. */
export interface RunItem {
  name: string;
  kind: 'pipeline' | 'identity';
  backend: ConcreteBackend;
  batchSize: number | null;
  rowsIn: number;
  rowsOut: number;
  skipped: number;
  wallSeconds: number;
  imagesPerSecond: number;
  cpuSecondsPer1000: number;
  stages: Record<StageName, StageFigures>;
  /** Augment busy time over the wall time of what runs it: the device (batched backends) or all worker threads (CPU backends). */
  augmentShareOfWall: number;
  /** Batched backends: RGB bytes read and written by the augment stage per second of it, in GB/s. */
  augmentGBps: number | null;
  /** This run's process CPU per image over the codec floor's (the same measure, on the identity runs' worker path): ≥ 1 up to noise. */
  cpuRatioToCodecFloor: number;
  /** The backend's own line (adapter, library), when it has one. */
  note: string | null;
}

export interface FloorItem {
  name: string;
  /** What the workers ran: the identity runs' pipeline, so their decode scale. */
  pipeline: StepSpec[];
  images: number;
  threads: number;
  wallSeconds: number;
  imagesPerSecond: number;
  cpuSecondsPer1000: number;
  decodeMsPerImage: number;
  encodeMsPerImage: number;
  /** decode + encode, ms of a thread per image (busy time; the ratios divide by `cpuSecondsPer1000`, CPU like theirs). */
  codecMsPerImage: number;
}

export interface CompositeItem {
  name: string;
  tfBackend: string;
  images: number;
  seconds: number;
  imagesPerSecond: number;
}

export interface BenchResult {
  date: string;
  machine: { node: string; platform: string; cores: number; cpu: string; gpu: string | null; gpuCopyGBps: number | null };
  options: { source: string | string[]; pipeline: unknown; limit: number | null; workers: number; codec: string; format: string; batchSizes: number[]; backends: ConcreteBackend[] };
  /** Target for the CPU's share in GPU mode: at most this many times the codec floor per image. */
  target: { cpuRatioToCodecFloor: number };
  floor: FloorItem;
  runs: RunItem[];
  composite: CompositeItem[];
  /** What could not be measured here, and why. */
  skipped: Array<{ name: string; reason: string }>;
}

export const ALL_BACKENDS: ConcreteBackend[] = ['cpu', 'wasm', 'webgpu', 'tensorflow'];
const BATCHED: ReadonlySet<ConcreteBackend> = new Set(['tensorflow', 'webgpu']);
export const TARGET_RATIO = 1.25;
const WASM_BACKEND = '@tensorflow/tfjs-backend-wasm';

/** Runs every measurement; writes nothing but the runs' outputs under `out/runs/`. */
export async function bench(options: BenchOptions): Promise<BenchResult> {
  const { backends = ALL_BACKENDS, batchSizes = [32, 128, 512], compositeImages = 16, out, ...source } = options;
  const resolved = resolveOptions({ ...source, out, backend: 'cpu' });
  const steps = await choosePipeline(resolved);
  const identity: OpStepSpec[] = [{ op: 'centerCrop', size: resolved.size }];
  const rows = await readRows(resolved);
  const floor = await codecFloor(resolved, rows, pipelineToSpec(await choosePipeline({ ...resolved, preset: undefined, pipeline: identity })));
  const runs: RunItem[] = [];
  const skipped: BenchResult['skipped'] = [];
  let gpu: { name: string; copyGBps: number } | null = null;
  for (const backend of backends) {
    const sizes = BATCHED.has(backend) ? batchSizes : [null];
    for (const kind of ['pipeline', 'identity'] as const) {
      // The identity pipeline once per backend, at the largest batch: the CPU's share in GPU mode.
      for (const batchSize of kind === 'identity' ? [sizes.at(-1) ?? null] : sizes) {
        const name = `${kind === 'identity' ? 'identity, ' : ''}${backend}${batchSize ? `, batch ${batchSize}` : ''}`;
        const notes: string[] = [];
        const runOptions = { ...source, out: `${out}/runs/${name.replace(/[^a-z0-9]+/g, '-')}`, overwrite: true, backend, batchSize: batchSize ?? undefined, onNote: (n: string) => notes.push(n) };
        try {
          const summary = await remux(kind === 'identity' ? { ...runOptions, preset: undefined, pipeline: identity } : runOptions);
          const threads = BATCHED.has(backend) ? 1 : resolved.workers;
          runs.push(runItem(name, kind, batchSize, summary, floor, threads, notes.find((n) => /^(webgpu adapter|tensorflow): /.test(n)) ?? null));
        } catch (error) {
          if (!(error instanceof RemuxError) || !/^ERR_REMUX_(WEBGPU|TENSORFLOW)$/.test(error.code)) throw error;
          skipped.push({ name: backend, reason: messageOf(error) });
          break;
        }
      }
      if (skipped.some((s) => s.name === backend)) break;
    }
    if (backend === 'webgpu' && !skipped.some((s) => s.name === 'webgpu')) {
      const runtime = await startWebgpu();
      gpu = { name: adapterLine(runtime.adapter), copyGBps: await copyBandwidth(runtime.backend.device) };
    }
  }
  const composite = await compositeRuns(resolved, steps, rows.slice(0, compositeImages), backends, skipped);
  return {
    date: new Date().toISOString(),
    machine: { node: process.versions.node, platform: `${process.platform}-${process.arch}`, cores: availableParallelism(), cpu: cpus()[0]?.model.trim() ?? 'unknown', gpu: gpu?.name ?? null, gpuCopyGBps: gpu?.copyGBps ?? null },
    options: { source: resolved.source, pipeline: pipelineToSpec(steps), limit: resolved.limit ?? null, workers: resolved.workers, codec: resolved.codec, format: resolved.format, batchSizes, backends },
    target: { cpuRatioToCodecFloor: TARGET_RATIO },
    floor,
    runs,
    composite,
    skipped,
  };
}

/** `threads`: what runs the augment stage, for its share of wall time (1 device, or the workers). */
function runItem(name: string, kind: RunItem['kind'], batchSize: number | null, s: RemuxSummary, floor: FloorItem, threads: number, note: string | null): RunItem {
  const stages = Object.fromEntries(STAGES.map((stage) => [stage, { seconds: s.stageSeconds[stage], imagesPerSecond: s.stageSeconds[stage] > 0 ? s.rowsOut / s.stageSeconds[stage] : null }])) as RunItem['stages'];
  return {
    name,
    kind,
    backend: s.backend,
    batchSize,
    rowsIn: s.rowsIn,
    rowsOut: s.rowsOut,
    skipped: s.skipped,
    wallSeconds: s.wallSeconds,
    imagesPerSecond: s.imagesPerSecond,
    cpuSecondsPer1000: s.cpuSecondsPer1000,
    stages,
    augmentShareOfWall: s.stageSeconds.augment / (s.wallSeconds * threads),
    augmentGBps: s.augmentBytes > 0 ? s.augmentBytes / s.stageSeconds.augment / 1e9 : null,
    cpuRatioToCodecFloor: s.cpuSecondsPer1000 / floor.cpuSecondsPer1000,
    note,
  };
}

/** The source rows the runs read (`--limit` of them), held in memory for the floor and the stock-ops runs. */
async function readRows(options: ResolvedOptions): Promise<SourceRow[]> {
  const source = await openSource(options.source, options);
  const rows: SourceRow[] = [];
  const limit = options.limit ?? Infinity;
  for await (const chunk of source.chunks(0)) {
    for (const row of chunk) {
      if (rows.length >= limit) return rows;
      if (row.bytes) rows.push({ ...row, bytes: row.bytes.slice() });
    }
  }
  return rows;
}

/**
 * What the identity runs do in their workers and nothing else: each row decoded, centre cropped and
 * encoded in one call to a worker, with the identity pipeline (so the same decode scale), codec,
 * threads and output format. No source, no writer, no pixels crossing threads: by construction
 * the floor of every identity run's CPU per image. (It decoded at the pipeline's scale and sent
 * pixels to and from the main thread for the crop, and came out above the identity runs.)
 */
async function codecFloor(options: ResolvedOptions, rows: SourceRow[], identity: StepSpec[]): Promise<FloorItem> {
  const pool = new WorkerPool(options.workers, {
    pipeline: identity,
    codec: options.codec,
    maxPixels: options.maxPixels,
    seed: options.seed,
    copies: 1,
    encode: { format: options.format, quality: options.quality, codec: options.codec },
    recordParams: false,
    backend: 'cpu',
  });
  const started = performance.now();
  const cpu = process.cpuUsage();
  let images = 0;
  try {
    const done = mapOrdered(fromArray(rows), options.workers * 8, async (row) => {
      try {
        await pool.remux(row.bytes!, row.sourceIndex);
        images++;
      } catch (error) {
        if (!(error instanceof DecodeError)) throw error;
      }
    });
    for await (const _ of done);
  } finally {
    await pool.close();
  }
  const wallSeconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const per = (seconds: number) => (images > 0 ? (seconds / images) * 1000 : 0);
  return {
    name: 'codec floor (decode + encode)',
    pipeline: identity,
    images,
    threads: options.workers,
    wallSeconds,
    imagesPerSecond: images / wallSeconds,
    cpuSecondsPer1000: per((used.user + used.system) / 1e6),
    decodeMsPerImage: per(pool.stageSeconds.decode),
    encodeMsPerImage: per(pool.stageSeconds.encode),
    codecMsPerImage: per(pool.stageSeconds.decode + pool.stageSeconds.encode),
  };
}

/**
 * The pixel programs as stock tfjs ops (the `tensorflow` backend's composite runner) on each tfjs
 * backend present: cpu, wasm, webgpu when it was measured, tensorflow when installed. Decoded
 * and planned on the main thread first; one warm-up sample, then the batch is timed.
 */
async function compositeRuns(options: ResolvedOptions, steps: PipelineStep[], rows: SourceRow[], backends: ConcreteBackend[], skipped: BenchResult['skipped']): Promise<CompositeItem[]> {
  const samples: BatchSample[] = [];
  for (const row of rows) {
    const decoded = await decodeSamples(row.bytes!, row.sourceIndex, { steps, codec: options.codec, maxPixels: options.maxPixels, seed: options.seed, copies: 1 }).catch(() => null);
    if (decoded) samples.push(...decoded.plans.map((plan) => ({ data: decoded.image.data, size: { width: decoded.image.width, height: decoded.image.height }, stages: plan.stages })));
  }
  const items: CompositeItem[] = [];
  const tf = await import('@tensorflow/tfjs-core');
  const runners: Array<[string, () => Promise<((s: BatchSample[]) => Promise<unknown>) | string>]> = [
    // A literal specifier for cpu, so that bundles include it; tfjs-backend-wasm reads its .wasm
    // files beside its own script, so it stays a package (a devDependency: skipped where absent).
    ['cpu', () => onTfjs(tf, 'cpu', () => import('@tensorflow/tfjs-backend-cpu'))],
    ['wasm', () => onTfjs(tf, 'wasm', () => import(WASM_BACKEND))],
    ['webgpu', async () => (backends.includes('webgpu') && !skipped.some((s) => s.name === 'webgpu') ? onTfjs(tf, 'webgpu', async () => undefined) : 'webgpu was not measured in this run')],
    ['tensorflow', () => startTensorflow().then((t) => t.run, (error: unknown) => messageOf(error))],
  ];
  for (const [tfBackend, start] of runners) {
    const name = `stock tfjs ops, ${tfBackend}`;
    const run = await start();
    if (typeof run === 'string') {
      skipped.push({ name, reason: run });
      continue;
    }
    await run(samples.slice(0, 1));
    const started = performance.now();
    await run(samples);
    const seconds = (performance.now() - started) / 1000;
    items.push({ name, tfBackend, images: samples.length, seconds, imagesPerSecond: samples.length / seconds });
  }
  return items;
}

/** A runner on one of this process's tfjs backends, or why it is not there. */
async function onTfjs(tf: typeof tfjs, name: string, load: () => Promise<unknown>): Promise<((s: BatchSample[]) => Promise<unknown>) | string> {
  try {
    await load();
    if (!(await tf.setBackend(name))) return `tfjs's ${name} backend did not start`;
    skipNodeBanner(tf);
  } catch (error) {
    return `tfjs's ${name} backend is not available: ${messageOf(error).split('\n')[0]}`;
  }
  return (samples) => runBatchComposite(tf, samples);
}

/**
 * The device's buffer-to-buffer copy rate (bytes read + written per second, GB/s): the ceiling an
 * augment pass that reads and writes each byte once could reach on this card.
 */
export async function copyBandwidth(device: GPUDevice): Promise<number> {
  const size = Math.min(256 * 2 ** 20, device.limits.maxBufferSize) & ~3;
  const usage = GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
  const [a, b] = [device.createBuffer({ size, usage }), device.createBuffer({ size, usage })];
  const copies = async (n: number) => {
    const encoder = device.createCommandEncoder();
    for (let i = 0; i < n; i++) encoder.copyBufferToBuffer(i % 2 ? b : a, 0, i % 2 ? a : b, 0, size);
    device.queue.submit([encoder.finish()]);
    await device.queue.onSubmittedWorkDone();
  };
  await copies(2);
  const rounds = 8;
  const started = performance.now();
  await copies(rounds);
  const seconds = (performance.now() - started) / 1000;
  a.destroy();
  b.destroy();
  return (2 * size * rounds) / seconds / 1e9;
}
