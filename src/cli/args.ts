import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { PresetName } from '../augment/presets.js';
import type { RemuxOptions } from '../options.js';
import { UsageError } from '../errors.js';
import { invalid } from '../validate.js';

/** A flag of `remux run`: its parser option, help text and how it maps onto `RemuxOptions`. */
export interface Flag {
  name: string;
  type: 'string' | 'boolean';
  help: string;
  value?: string;
  apply?: (options: RemuxOptions, raw: string) => void;
}

export const integer = (flag: string, raw: string): number => {
  if (!/^-?\d+$/.test(raw.trim())) throw invalid(`--${flag}`, 'integer', raw);
  return Number(raw);
};

const number = (flag: string, raw: string): number => {
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n)) throw invalid(`--${flag}`, 'number', raw);
  return n;
};

/** `224` (square) or `HEIGHTxWIDTH` (`256x192`). */
export const size = (raw: string): number | [number, number] => {
  const m = /^(\d+)(?:x(\d+))?$/.exec(raw.trim());
  if (!m) throw invalid('--size', 'a positive integer or HEIGHTxWIDTH', raw);
  return m[2] === undefined ? Number(m[1]) : [Number(m[1]), Number(m[2])];
};

const BYTE_UNITS: Record<string, number> = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };

/** `4GB`, `512MB`, `1.5G`, `4GiB` or plain bytes; units are powers of 1024, as in Docker's `--memory`. */
export const byteSize = (flag: string, raw: string): number => {
  const m = /^(\d+(?:\.\d+)?)\s*(?:([KMGT])(?:i?B)?|B)?$/i.exec(raw.trim());
  const bytes = m ? Math.floor(Number(m[1]) * BYTE_UNITS[(m[2] ?? '').toUpperCase()]) : 0;
  if (!m || bytes < 1) throw invalid(`--${flag}`, 'a size such as 4GB, 512MB or a number of bytes', raw);
  return bytes;
};

export const RUN_FLAGS: Flag[] = [
  { name: 'out', type: 'string', value: 'DIR', help: 'output directory (required)', apply: (o, v) => (o.out = v) },
  { name: 'size', type: 'string', value: 'N|HxW', help: 'output size of the default pipeline and of ops without one (224)', apply: (o, v) => (o.size = size(v)) },
  { name: 'copies', type: 'string', value: 'K', help: 'augmented copies of every source row (1)', apply: (o, v) => (o.copies = integer('copies', v)) },
  { name: 'seed', type: 'string', value: 'N', help: 'seed of every random draw (0)', apply: (o, v) => (o.seed = integer('seed', v)) },
  { name: 'pipeline', type: 'string', value: 'FILE', help: 'augmentation pipeline, .json or .yaml (randomResizedCrop + horizontalFlip)', apply: (o, v) => (o.pipeline = v) },
  { name: 'preset', type: 'string', value: 'NAME', help: 'a named pipeline instead of --pipeline: imagenet-train, imagenet-eval, randaugment, trivialaugment', apply: (o, v) => (o.preset = v as PresetName) }, // checked when the run starts
  { name: 'augment', type: 'string', value: 'FILE', help: 'your own batch function (.ts/.mts/.js/.mjs, default export (batch, ctx) => batch), run after the pipeline', apply: (o, v) => (o.augment = v) },
  { name: 'record-params', type: 'boolean', help: 'add a params column with each row\'s sampled parameters (JSON)' },
  { name: 'batch-size', type: 'string', value: 'N', help: 'images per batch on GPU backends and for --augment; never changes the output (64)', apply: (o, v) => (o.batchSize = integer('batch-size', v)) },
  { name: 'workers', type: 'string', value: 'N', help: 'decode/encode worker threads (number of cores)', apply: (o, v) => (o.workers = integer('workers', v)) },
  { name: 'format', type: 'string', value: 'F', help: 'output format: jpeg, png, webp or raw (jpeg)', apply: (o, v) => (o.format = v as RemuxOptions['format']) },
  { name: 'quality', type: 'string', value: 'Q', help: 'JPEG/WebP quality 1-100 (90)', apply: (o, v) => (o.quality = number('quality', v)) },
  { name: 'backend', type: 'string', value: 'B', help: 'pixel kernels: auto, tensorflow (tfjs-node-gpu, batched), webgpu (WGSL on the GPU, batched), wasm (WASM SIMD) or cpu (TypeScript reference); auto takes a GPU when there is a hardware one, else wasm, and says why (auto)', apply: (o, v) => (o.backend = v as RemuxOptions['backend']) },
  { name: 'codec', type: 'string', value: 'C', help: 'JPEG codec: auto, jpeg-turbo, sharp or jpeg-js (auto)', apply: (o, v) => (o.codec = v as RemuxOptions['codec']) },
  { name: 'rows-per-shard', type: 'string', value: 'N', help: 'rows per parquet shard, exactly (sized for ~256 MB shards)', apply: (o, v) => (o.rowsPerShard = integer('rows-per-shard', v)) },
  { name: 'row-group-size', type: 'string', value: 'N', help: 'rows per parquet row group (100)', apply: (o, v) => (o.rowGroupSize = integer('row-group-size', v)) },
  { name: 'compression', type: 'string', value: 'C', help: 'parquet compression of the image column: zstd, snappy or none (zstd)', apply: (o, v) => (o.compression = v as RemuxOptions['compression']) },
  { name: 'split', type: 'string', value: 'NAME', help: 'split to read when the source has several (train); another split added to an output that holds one keeps its own files there', apply: (o, v) => (o.split = v) },
  { name: 'config', type: 'string', value: 'NAME', help: 'hub datasets: config (subset) to read (default, or the only one)', apply: (o, v) => (o.config = v) },
  { name: 'revision', type: 'string', value: 'REV', help: 'hub datasets: branch, tag or commit (main)', apply: (o, v) => (o.revision = v) },
  { name: 'token', type: 'string', value: 'TOKEN', help: 'hub access token, for hub datasets and --push-to-hub (HF_TOKEN); never printed or written', apply: (o, v) => (o.token = v) },
  { name: 'endpoint', type: 'string', value: 'URL', help: 'hub address, for mirrors, for hub datasets and --push-to-hub (HF_ENDPOINT, else the hub)', apply: (o, v) => (o.endpoint = v) },
  { name: 'image-column', type: 'string', value: 'COL', help: 'image column of a parquet source (image)', apply: (o, v) => (o.imageColumn = v) },
  { name: 'label-column', type: 'string', value: 'COL', help: 'label column of a parquet source (label, or the ClassLabel column)', apply: (o, v) => (o.labelColumn = v) },
  { name: 'keep-columns', type: 'string', value: 'A,B', help: 'source columns to carry into the output', apply: (o, v) => (o.keepColumns = v.split(',').map((c) => c.trim())) },
  { name: 'image-root', type: 'string', value: 'DIR', help: 'local parquet: read rows that hold only an image path from files under DIR only (any file)', apply: (o, v) => (o.imageRoot = v) },
  { name: 'limit', type: 'string', value: 'N', help: 'stop after N source rows', apply: (o, v) => (o.limit = integer('limit', v)) },
  { name: 'on-error', type: 'string', value: 'MODE', help: 'a row that cannot be written (undecodable image, failed augment or encode, label outside the names): skip (record in errors.jsonl) or fail (skip)', apply: (o, v) => (o.onError = v as RemuxOptions['onError']) },
  { name: 'max-pixels', type: 'string', value: 'N', help: 'refuse images, and copies at any step, with more pixels; also the largest output size (89478485)', apply: (o, v) => (o.maxPixels = integer('max-pixels', v)) },
  { name: 'memory', type: 'string', value: 'SIZE', help: 'memory the rows in flight may hold, decoded pixels included, e.g. 4GB or 512MB; a larger image runs alone (2GB, or half the machine\'s memory if less)', apply: (o, v) => (o.memory = byteSize('memory', v)) },
  { name: 'overwrite', type: 'boolean', help: 'replace a remux output already in --out' },
  { name: 'num-shards', type: 'string', value: 'K', help: 'split the run into K slices for K workers; join them with remux finalize (1)', apply: (o, v) => (o.numShards = integer('num-shards', v)) },
  { name: 'shard-index', type: 'string', value: 'I', help: 'the slice this worker runs, 0 to K-1 (JOB_COMPLETION_INDEX, else 0)', apply: (o, v) => (o.shardIndex = integer('shard-index', v)) },
  { name: 'push-to-hub', type: 'string', value: 'OWNER/NAME', help: 'upload each committed shard to this hub dataset repo (created if missing), then the card; needs --token or HF_TOKEN', apply: (o, v) => (o.pushToHub = v) },
  { name: 'delete-uploaded', type: 'boolean', help: 'with --push-to-hub: remove each local shard once the hub has it' },
  { name: 'resume', type: 'boolean', help: 'continue the interrupted run in --out (same options; a new run if --out is empty)' },
  { name: 'quiet', type: 'boolean', help: 'no progress and no backend line: errors, notes that need you, the summary' },
  { name: 'help', type: 'boolean', help: 'show this help' },
];

export interface RunCommand {
  options: RemuxOptions;
  quiet: boolean;
  help: boolean;
}

type ParserOptions = NonNullable<ParseArgsConfig['options']>;

/** Parses a command's arguments against its flags; unknown flags are `UsageError`s pointing at its help. */
export function parseFlags(argv: string[], flags: readonly Flag[], command: string): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  return parseCommandArgs(argv, Object.fromEntries(flags.map((f) => [f.name, { type: f.type }])), command);
}

/** `parseArgs` for a command's options (short ones too), with its errors as `UsageError`s pointing at the command's help. */
export function parseCommandArgs(argv: string[], options: ParserOptions, command: string): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  try {
    const parsed = parseArgs({ args: attachNegativeValues(argv, options), allowPositionals: true, strict: true, options });
    return { values: parsed.values as Record<string, string | boolean | undefined>, positionals: parsed.positionals };
  } catch (error) {
    throw new UsageError(`${(error as Error).message.replace(/\. To specify a positional argument.*$/s, '')}. See remux ${command} --help`);
  }
}

/**
 * `--copies -1` as `--copies=-1`: `parseArgs` refuses a value that starts with a dash as
 * ambiguous, so a negative number would get its three-line advice instead of the option's own
 * one-line check (`expected positive integer for --copies but received -1`).
 */
function attachNegativeValues(argv: string[], options: ParserOptions): string[] {
  const longName = (token: string) => (token.startsWith('--') ? token.slice(2) : Object.keys(options).find((name) => token === `-${options[name].short}`));
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--') return [...args, ...argv.slice(i)];
    const name = longName(argv[i]);
    if (name !== undefined && options[name]?.type === 'string' && /^-\d/.test(argv[i + 1] ?? '')) args.push(`--${name}=${argv[++i]}`);
    else args.push(argv[i]);
  }
  return args;
}

/** Parses `remux run` arguments; unknown flags and bad values are `UsageError`s naming the flag. */
export function parseRunArgs(argv: string[]): RunCommand {
  const parsed = parseFlags(argv, RUN_FLAGS, 'run');
  const { values } = parsed;
  if (values.help) return { options: { source: '', out: '' }, quiet: false, help: true };
  if (parsed.positionals.length === 0) throw new UsageError('missing source: remux run <source> --out <dir>');
  // Several positionals: a glob the shell expanded into parquet files.
  const options: RemuxOptions = { source: parsed.positionals.length === 1 ? parsed.positionals[0] : parsed.positionals, out: '' };
  for (const flag of RUN_FLAGS) {
    const raw = values[flag.name];
    if (typeof raw === 'string') flag.apply?.(options, raw);
  }
  options.overwrite = values.overwrite === true;
  options.resume = values.resume === true;
  options.recordParams = values['record-params'] === true;
  options.deleteUploaded = values['delete-uploaded'] === true;
  return { options, quiet: values.quiet === true, help: false };
}

/** One help line per flag. */
export function flagHelp(flags: readonly Flag[]): string[] {
  return flags.map((f) => `  --${f.name}${f.value ? ` ${f.value}` : ''}`.padEnd(28) + f.help);
}

export function runHelp(): string {
  const lines = flagHelp(RUN_FLAGS);
  return `Usage: remux run <source> [more parquet files…] --out <dir> [options]

Streams every row of <source> (a parquet file, several, a directory of parquet files, a quoted
glob, an image folder root/<class>/<file>, or a Hugging Face hub dataset owner/name) through
decode → augment → encode into sharded parquet under <dir>.

Options:
${lines.join('\n')}
`;
}
