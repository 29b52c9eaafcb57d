/** `remux bench <source> --out <dir> [run's source and pipeline flags] [--backends …] [--batch-sizes …]`. */
import { mkdir, writeFile } from 'node:fs/promises';
import { ALL_BACKENDS, bench, type BenchOptions } from '../bench/bench.js';
import { benchMarkdown, benchSvg } from '../bench/report.js';
import { UsageError } from '../errors.js';
import type { ConcreteBackend, RemuxOptions } from '../options.js';
import { invalid, oneOf } from '../validate.js';
import { flagHelp, integer, parseFlags, RUN_FLAGS, type Flag } from './args.js';

/** `run`'s flags that make no sense for a benchmark (it picks backends and batch sizes itself and always starts afresh). */
const NOT_FOR_BENCH = new Set(['backend', 'batch-size', 'overwrite', 'resume', 'num-shards', 'shard-index', 'quiet']);

function list(flag: string, raw: string): string[] {
  const items = raw.split(',').map((v) => v.trim()).filter((v) => v !== '');
  if (items.length === 0) throw invalid(`--${flag}`, 'a comma-separated list', raw);
  return items;
}

const BENCH_FLAGS: Flag[] = [
  ...RUN_FLAGS.filter((f) => !NOT_FOR_BENCH.has(f.name)).map((f) => (f.name === 'out' ? { ...f, help: 'directory for bench.json, bench.md, bench.svg and the runs (required)' } : f)),
  { name: 'backends', type: 'string', value: 'A,B', help: 'backends to measure: cpu, wasm, webgpu, tensorflow (all; those that cannot start are listed as skipped)' },
  { name: 'batch-sizes', type: 'string', value: 'N,M', help: 'batch sizes of the batched backends, webgpu and tensorflow (32,128,512)' },
  { name: 'composite-images', type: 'string', value: 'N', help: 'images for the stock-tfjs-ops measurement, slow on CPUs (16)' },
];

export function benchHelp(): string {
  return `Usage: remux bench <source> --out <dir> [options]

Runs the same rows of <source> through each backend and reports, per backend, images/s end to
end and per stage (read, decode, augment, encode, write), CPU-seconds per 1000 images and the
augment stage's share of wall time; beside them the codec floor (decode + encode alone), the
pipeline with an identity augmentation, and the pixel programs as stock tfjs ops. Writes
<dir>/bench.json, bench.md and bench.svg.

Options:
${flagHelp(BENCH_FLAGS).join('\n')}
`;
}

/** Parses `remux bench` arguments; the same `UsageError`s as `remux run`. */
export function parseBenchArgs(argv: string[]): BenchOptions | 'help' {
  const { values, positionals } = parseFlags(argv, BENCH_FLAGS, 'bench');
  if (values.help) return 'help';
  if (positionals.length === 0) throw new UsageError('missing source: remux bench <source> --out <dir>');
  const options: RemuxOptions = { source: positionals.length === 1 ? positionals[0] : positionals, out: '' };
  for (const flag of RUN_FLAGS) {
    const raw = values[flag.name];
    if (typeof raw === 'string' && !NOT_FOR_BENCH.has(flag.name)) flag.apply?.(options, raw);
  }
  if (options.out === '') throw new UsageError('missing --out: the directory for bench.json, bench.md, bench.svg and the runs');
  const bench: BenchOptions = { ...options, recordParams: values['record-params'] === true };
  if (typeof values.backends === 'string') bench.backends = list('backends', values.backends).map((b) => oneOf('--backends', b, ALL_BACKENDS) as ConcreteBackend);
  if (typeof values['batch-sizes'] === 'string') bench.batchSizes = list('batch-sizes', values['batch-sizes']).map((v) => positive('batch-sizes', v));
  if (typeof values['composite-images'] === 'string') bench.compositeImages = positive('composite-images', values['composite-images']);
  return bench;
}

function positive(flag: string, raw: string): number {
  const n = integer(flag, raw);
  if (n < 1) throw invalid(`--${flag}`, 'positive integer', n);
  return n;
}

/** `remux bench`: measures, writes the three files, prints the table. Returns the exit code. */
export async function benchCommand(argv: string[]): Promise<number> {
  const options = parseBenchArgs(argv);
  if (options === 'help') {
    process.stdout.write(benchHelp());
    return 0;
  }
  const result = await bench(options);
  await mkdir(options.out, { recursive: true });
  const markdown = benchMarkdown(result);
  await writeFile(`${options.out}/bench.json`, `${JSON.stringify(result, null, 2)}\n`);
  await writeFile(`${options.out}/bench.md`, markdown);
  await writeFile(`${options.out}/bench.svg`, benchSvg(result));
  process.stdout.write(`${markdown}\nwrote ${options.out}/bench.json, bench.md and bench.svg\n`);
  return 0;
}
