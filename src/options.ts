import { availableParallelism, totalmem } from 'node:os';
import type { OpStepSpec } from './augment/ops/index.js';
import type { PresetName } from './augment/presets.js';
import type { AugmentFunction } from './augment/userFunction.js';
import { CODECS, type CodecName } from './codec/decode.js';
import { FORMATS, type OutputFormat } from './codec/encode.js';
import { wasmResampler } from '../kernels/wasm/resampleWasm.js';
import { UsageError } from './errors.js';
import type { RetryPolicy } from './source/http.js';
import { DEFAULT_MAX_PIXELS, invalid, isPositiveInteger, nonNegativeInteger, numberInRange, oneOf, positiveInteger, sizeOption } from './validate.js';

/** Progress of a running job, reported about once a second and once at the end. */
export interface Progress {
  /** Source rows read so far (decoded or skipped). */
  rowsIn: number;
  /** Source rows this run will read: the source's row count, or `limit`. */
  totalRows: number;
  rowsOut: number;
  skipped: number;
  bytesWritten: number;
  elapsedSeconds: number;
}

/** Options of `remux()`; the CLI flags of `remux run` map onto them one to one. */
export interface RemuxOptions {
  /** A parquet file, a list of them, a directory of parquet files, a glob, an image folder, or a hub dataset (`owner/name`, `hf://datasets/owner/name`). */
  source: string | string[];
  /** Output directory. */
  out: string;
  /** Output size for ops that have none in the pipeline. Default 224. */
  size?: number | [number, number];
  /** Augmented copies of every source row, each with its own random stream. Default 1. */
  copies?: number;
  /** Seed of every random draw. Default 0. */
  seed?: number;
  /** Pipeline steps, or the path of a `.json`/`.yaml` file. Default: randomResizedCrop(size) + horizontalFlip. */
  pipeline?: OpStepSpec[] | string;
  /**
   * Your own batch augmentation, run after the pipeline on the selected backend: a module path
   * (.ts/.mts/.js/.mjs, default export) or the function itself. Without `pipeline`/`preset`, the
   * pipeline only resizes to `size`.
   */
  augment?: string | AugmentFunction;
  /** A named pipeline instead of `pipeline`: `imagenet-train`, `imagenet-eval`, `randaugment`, `trivialaugment`. */
  preset?: PresetName;
  /** Add a `params` column with each row's sampled parameters (JSON). Default false. */
  recordParams?: boolean;
  /** Decoded images per augment batch on batched (GPU) backends; the CPU backends work image by image. Never changes the output. Default 64. */
  batchSize?: number;
  /** Codec worker threads. Default: the number of cores. */
  workers?: number;
  /** Output image format. Default 'jpeg'. */
  format?: OutputFormat;
  /** JPEG/WebP quality, 1–100. Default 90. */
  quality?: number;
  /** JPEG library. Default 'auto' (libjpeg-turbo, DCT-scaled for scaled decodes; sharp for the JPEGs it cannot decode). */
  codec?: CodecName;
  /** Where the pixel kernels run: `auto` (the first that works of tensorflow on a GPU, webgpu on a hardware adapter, wasm, cpu; it says which and why), `tensorflow` (stock tf ops on `@tensorflow/tfjs-node-gpu`, else `@tensorflow/tfjs-node`, batched), `webgpu` (WGSL on a GPU through Dawn, batched), `wasm` (WASM SIMD where it applies, else TypeScript) or `cpu` (the TypeScript reference). Default 'auto'. */
  backend?: BackendName;
  /** Rows per shard. Default: sized for ~256 MB shards from the first row group. */
  rowsPerShard?: number;
  /** Rows per parquet row group. Default 100. */
  rowGroupSize?: number;
  /** Parquet compression of the image column (the other columns always get zstd). Default 'zstd'. */
  compression?: ImageCompression;
  split?: string;
  imageColumn?: string;
  labelColumn?: string;
  /** Source columns to carry into the output. Default none. */
  keepColumns?: string[];
  /** Local parquet: rows that hold only an image path (`{bytes: null, path}`) are read only from files whose real path (symlinks and `..` resolved) lies under this directory. Default: any file the path names. */
  imageRoot?: string;
  /** Hub datasets: the config (subset). Default: `default`, or the only one. */
  config?: string;
  /** Hub datasets: branch, tag or commit. Default `main`. */
  revision?: string;
  /** Hub datasets: access token. Default: the `HF_TOKEN` environment variable. Never written anywhere. */
  token?: string;
  /** Hub datasets: the hub's address, for mirrors. Default: `HF_ENDPOINT`, else https://huggingface.co. */
  endpoint?: string;
  /** Hub datasets: retries of failed requests. Default: 6 attempts, waits from 0.5 s doubling to 30 s with jitter, 60 s without data abandons a request. */
  retry?: Partial<RetryPolicy>;
  /** Stop after this many source rows. Default: all. */
  limit?: number;
  /** On a row that cannot be written (an image that cannot be decoded, augmented or encoded, a label outside the ClassLabel names, an unreadable image path): skip and record it, or stop. Default 'skip'. */
  onError?: 'skip' | 'fail';
  /** Replace an existing remux output in `out`. Default false. */
  overwrite?: boolean;
  /** Continue the interrupted run in `out` from its journal (same options required); starts a new run when `out` is empty. Default false. */
  resume?: boolean;
  /** Split the run into this many slices of the source, for separate workers; `remux finalize` joins them. Default 1. */
  numShards?: number;
  /** The slice this worker runs, 0-based. Default: `JOB_COMPLETION_INDEX` (a Kubernetes Indexed Job), else 0. */
  shardIndex?: number;
  /** Aborting it stops the run cleanly: the open shard is dropped, committed shards and the journal stay, `resume` continues. */
  signal?: AbortSignal;
  /** Upload each committed shard to this hub dataset repo (`owner/name`, created if missing), then the card and remux.json; needs a token (`token`/`HF_TOKEN`). Default: no upload. */
  pushToHub?: string;
  /** With `pushToHub`: remove each local shard once the hub has it, so the run needs disk for a few shards only. Default false. */
  deleteUploaded?: boolean;
  /** Images with more pixels are refused (decompression bombs), and so are copies that would hold a larger image at any step. Default 89,478,485, Pillow's limit. */
  maxPixels?: number;
  /** Bytes the rows in flight may hold, decoded pixels at every step included (weighed from each image's header); a larger image runs alone. Default `DEFAULT_MEMORY`. */
  memory?: number;
  /** Called about once a second and once at the end. */
  onProgress?: (progress: Progress) => void;
  /** Called with notes worth telling the user (a split chosen for them, say); `kind` is `'backend'` for the line saying which backend runs (`--quiet` drops that one). */
  onNote?: (note: string, kind?: 'backend') => void;
}

type OptionalOptions = 'rowsPerShard' | 'split' | 'imageColumn' | 'labelColumn' | 'limit' | 'pipeline' | 'preset' | 'onProgress' | 'onNote' | 'signal' | 'config' | 'revision' | 'token' | 'endpoint' | 'retry' | 'augment' | 'pushToHub' | 'imageRoot';
export type ResolvedOptions = Required<Omit<RemuxOptions, OptionalOptions>> & Pick<RemuxOptions, OptionalOptions>;

/**
 * zstd makes libjpeg-turbo's JPEGs (standard Huffman tables) ~4% smaller than snappy, which hardly
 * compresses them, for ~0.03 ms more of the main thread's CPU per 224² image: the files that
 * training reads many times win by default, and snappy or none is there for the one-off job.
 */
export const IMAGE_COMPRESSIONS = ['zstd', 'snappy', 'none'] as const;
export type ImageCompression = (typeof IMAGE_COMPRESSIONS)[number];

export const BACKENDS = ['auto', 'tensorflow', 'webgpu', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];
/** A backend that runs: what `auto` resolves to. */
export type ConcreteBackend = Exclude<BackendName, 'auto'>;

/** An explicitly requested backend that cannot start is an error, not a silent fallback (tensorflow and webgpu are checked when the run starts them). */
function checkBackend(backend: BackendName): BackendName {
  if (backend === 'wasm' && !wasmResampler()) throw new UsageError('--backend wasm: the WASM kernels are missing (run npm run build) or this Node has no WebAssembly SIMD; use --backend cpu');
  return backend;
}

/** `--num-shards`/`--shard-index`, the index defaulting to a Kubernetes Indexed Job's. */
function sliceOptions(options: RemuxOptions): { numShards: number; shardIndex: number } {
  const numShards = positiveInteger('--num-shards', options.numShards ?? 1);
  const fromJob = process.env.JOB_COMPLETION_INDEX;
  const raw = options.shardIndex ?? (fromJob !== undefined && numShards > 1 ? Number(fromJob) : 0);
  const where = options.shardIndex === undefined && fromJob !== undefined ? '--shard-index (from JOB_COMPLETION_INDEX)' : '--shard-index';
  const shardIndex = nonNegativeInteger(where, raw);
  if (shardIndex >= numShards) throw invalid(where, `an integer below --num-shards ${numShards}`, raw);
  return { numShards, shardIndex };
}

export { DEFAULT_MAX_PIXELS };
/**
 * 2 GiB (or half the machine's memory, if less): two of the largest images --max-pixels lets in
 * (~0.8 GB each decoding and augmenting) at once, what two workers need to stay busy, with room
 * on an 8–16 GB workstation for the rest of the process and a training job beside it.
 */
export const DEFAULT_MEMORY = Math.min(2 * 1024 ** 3, Math.floor(totalmem() / 2));
export const TARGET_SHARD_BYTES = 256 * 1024 * 1024;

/** Validates every option once, with the flag's name in the message, and fills the defaults. */
export function resolveOptions(options: RemuxOptions): ResolvedOptions {
  const sources = Array.isArray(options.source) ? options.source : [options.source];
  if (sources.length === 0 || sources.some((s) => typeof s !== 'string' || s === '')) throw new UsageError('missing source: give a parquet file, a directory, a glob or an image folder');
  if (typeof options.out !== 'string' || options.out === '') throw new UsageError('missing --out: the directory to write the output to');
  const optionalPositive = (flag: string, v: unknown) => (v === undefined ? undefined : positiveInteger(flag, v));
  const keepColumns = options.keepColumns ?? [];
  if (!Array.isArray(keepColumns) || keepColumns.some((c) => typeof c !== 'string' || c === '')) throw invalid('--keep-columns', 'comma-separated column names', keepColumns);
  if (options.imageRoot !== undefined && (typeof options.imageRoot !== 'string' || options.imageRoot === '')) throw invalid('--image-root', 'a directory', options.imageRoot);
  if (options.deleteUploaded && options.pushToHub === undefined) throw new UsageError('--delete-uploaded removes local shards once the hub has them: it needs --push-to-hub owner/name');
  const workers = options.workers ?? availableParallelism();
  if (!isPositiveInteger(workers)) throw invalid('--workers', 'positive integer', workers);
  const maxPixels = positiveInteger('--max-pixels', options.maxPixels ?? DEFAULT_MAX_PIXELS);
  return {
    ...options,
    size: sizeOption('--size', options.size ?? 224, maxPixels),
    copies: positiveInteger('--copies', options.copies ?? 1),
    seed: nonNegativeInteger('--seed', options.seed ?? 0),
    batchSize: positiveInteger('--batch-size', options.batchSize ?? 64),
    workers,
    format: oneOf('--format', options.format ?? 'jpeg', FORMATS),
    quality: Math.round(numberInRange('--quality', options.quality ?? 90, 1, 100)),
    codec: oneOf('--codec', options.codec ?? 'auto', CODECS),
    backend: checkBackend(oneOf('--backend', options.backend ?? 'auto', BACKENDS)),
    rowsPerShard: optionalPositive('--rows-per-shard', options.rowsPerShard),
    rowGroupSize: positiveInteger('--row-group-size', options.rowGroupSize ?? 100),
    compression: oneOf('--compression', options.compression ?? 'zstd', IMAGE_COMPRESSIONS),
    keepColumns,
    limit: options.limit === undefined ? undefined : nonNegativeInteger('--limit', options.limit),
    onError: oneOf('--on-error', options.onError ?? 'skip', ['skip', 'fail'] as const),
    overwrite: options.overwrite ?? false,
    resume: options.resume ?? false,
    ...sliceOptions(options),
    recordParams: options.recordParams ?? false,
    maxPixels,
    memory: positiveInteger('--memory', options.memory ?? DEFAULT_MEMORY),
    deleteUploaded: options.deleteUploaded ?? false,
  };
}
