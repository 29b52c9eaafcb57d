/**
 * CPU per output image of each thread of a `remux run`, the way a profiler counts it: the CLI runs
 * as a child, and every ~100 ms its /proc/<pid>/task/<tid>/stat (utime + stime) and comm are read,
 * the last reading of each thread kept (worker threads end before the process does). A figure is
 * MARGINAL: a run over 4× the rows minus a run over 1×, divided by the images between them, so
 * start-up, shutdown and the last samples lost to a thread's exit cancel. Medians of R rounds with
 * their spread (min–max); with `--before DIR` the build in DIR runs in the same rounds.
 *   npm run build && node dist/benchmarks/threads.js <photo dir> [--copies 10] [--rounds 3] [--workers 2,16] [--backends wasm] [--webgpu-copies 1] [--before DIR] [--ranks 3] [--keep] [--as-is] [--identity]
 * The set is "places512": every photo of the folder resized so its shorter side is 512, JPEG q90,
 * the photos repeated `--copies` times (1×) and 4 × `--copies` times (4×) into Hugging Face style
 * parquet; the job is `--preset imagenet-train` (RandomResizedCrop 224, flip, ColorJitter → JPEG q90), or
 * with `--identity` a 224 centre crop (GPU mode's CPU work: decode and encode, no pixel work).
 * remux names its threads (src/util/threadName.ts: "remux-worker", "remux-shards"); the others are
 * "node" (libuv's pool, V8's platform threads), and so is every thread of a build that names none.
 * Besides the main thread, each name reports its threads' sum and its `--ranks` busiest. Issue 13's goal: no thread
 * whose work does not divide among --workers above 5% of the process's CPU per image.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { listFiles } from '../src/source/files.js';
import { isImagePath } from '../src/source/folder.js';
import { writeHfParquet } from '../test/helpers/hfParquet.js';
import { machine, median } from './common.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    copies: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '3' },
    workers: { type: 'string', default: '2,16' },
    backends: { type: 'string', default: 'wasm' },
    'webgpu-copies': { type: 'string', default: '1' },
    before: { type: 'string' },
    keep: { type: 'boolean', default: false },
    ranks: { type: 'string', default: '3' },
    'as-is': { type: 'boolean', default: false },
    identity: { type: 'boolean', default: false },
  },
});
const [photoDir] = positionals;
if (!photoDir) throw new Error('usage: threads.js <photo dir> [--copies N] [--rounds R] [--workers 2,16] [--backends wasm,webgpu] [--before DIR]');
/** Clock ticks per second of /proc's utime and stime (USER_HZ, 100 on Linux). */
const TICK_MS = 10;
const SAMPLE_MS = 100;

/** The places512 photos: shorter side 512, JPEG q90. */
async function places512(dir: string): Promise<Uint8Array[]> {
  const files = (await listFiles(dir)).filter(isImagePath);
  // --as-is: the folder's files as they are (photos256, say), not made into places512.
  if (values['as-is']) return Promise.all(files.map(async (f) => new Uint8Array(await readFile(join(dir, f)))));
  return Promise.all(files.map(async (f) => new Uint8Array(await sharp(join(dir, f)).rotate().resize(512, 512, { fit: 'outside' }).jpeg({ quality: 90 }).toBuffer())));
}

interface ThreadReading {
  comm: string;
  ms: number;
}

/** utime + stime of each thread of `pid` now (threads that ended are simply absent). */
async function readThreads(pid: number): Promise<Map<number, ThreadReading>> {
  const found = new Map<number, ThreadReading>();
  const tids = await readdir(`/proc/${pid}/task`).catch(() => [] as string[]);
  await Promise.all(
    tids.map(async (tid) => {
      try {
        const [stat, comm] = await Promise.all([readFile(`/proc/${pid}/task/${tid}/stat`, 'utf8'), readFile(`/proc/${pid}/task/${tid}/comm`, 'utf8')]);
        // After the comm's closing parenthesis: field 3 (state) on; utime and stime are fields 14 and 15.
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        found.set(Number(tid), { comm: comm.trim(), ms: (Number(fields[11]) + Number(fields[12])) * TICK_MS });
      } catch {
        // The thread ended between the listing and the read.
      }
    }),
  );
  return found;
}

interface RunThreads {
  rowsOut: number;
  /** The main thread's CPU ms. */
  main: number;
  /** Other threads by name: each thread's CPU ms, busiest first. */
  groups: Map<string, number[]>;
}

/** Runs the CLI of build `root` once, sampling its threads until it exits. */
async function runSampled(root: string, args: string[]): Promise<RunThreads> {
  const child = spawn(process.execPath, [join(root, 'dist/src/cli/main.js'), 'run', ...args, '--quiet', '--overwrite'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const last = new Map<number, ThreadReading>();
  let running = true;
  void exited.then(() => (running = false));
  while (running) {
    for (const [tid, reading] of await readThreads(child.pid!)) last.set(tid, reading);
    await new Promise((r) => setTimeout(r, SAMPLE_MS));
  }
  const code = await exited;
  if (code !== 0) throw new Error(`remux run ${args.join(' ')} failed (${code}): ${stderr}`);
  const groups = new Map<string, number[]>();
  for (const [tid, { comm, ms }] of last) if (tid !== child.pid) groups.set(comm, [...(groups.get(comm) ?? []), ms]);
  for (const list of groups.values()) list.sort((a, b) => b - a);
  return { rowsOut: Number(/rows out (\d+)/.exec(stdout)?.[1] ?? NaN), main: last.get(child.pid!)?.ms ?? NaN, groups };
}

/** ms per image between a small and a large run: the main thread, and each group's total and busiest thread. */
function marginal(small: RunThreads, large: RunThreads): Map<string, number> {
  const images = large.rowsOut - small.rowsOut;
  const out = new Map<string, number>([['main thread', (large.main - small.main) / images]]);
  const sum = (list: number[] | undefined) => (list ?? []).reduce((a, b) => a + b, 0);
  for (const [name, list] of large.groups) {
    const before = small.groups.get(name);
    out.set(`"${name}" ×${list.length}, all`, (sum(list) - sum(before)) / images);
    // Threads have no identity across runs: the busiest against the busiest, and so on.
    for (let rank = 0; rank < Math.min(Number(values.ranks), list.length); rank++) out.set(`"${name}" #${rank + 1}`, (list[rank] - (before?.[rank] ?? 0)) / images);
  }
  const total = (r: RunThreads) => r.main + [...r.groups.values()].reduce((n, l) => n + sum(l), 0);
  out.set('process', (total(large) - total(small)) / images);
  return out;
}

const tmp = await mkdtemp(join(tmpdir(), 'remux-bench-threads-'));
const identityPipeline = join(tmp, 'identity.json');
await writeFile(identityPipeline, JSON.stringify([{ op: 'centerCrop', size: 224 }]));
const photos = await places512(photoDir);
const copies = Number(values.copies);
async function source(name: string, times: number): Promise<string> {
  const path = join(tmp, `${name}.parquet`);
  await writeHfParquet(path, Array.from({ length: photos.length * times }, (_, i) => ({ bytes: photos[i % photos.length], label: 0 })), { labelNames: ['photo'] });
  return path;
}
const sets = { wasm: [await source('places512-1x', copies), await source('places512-4x', 4 * copies)], webgpu: [await source('places512-gpu-1x', Number(values['webgpu-copies'])), await source('places512-gpu-4x', 4 * Number(values['webgpu-copies']))] };
console.log(`machine: ${machine()}`);
console.log(`places512: ${photos.length} photos, ${(photos.reduce((n, p) => n + p.byteLength, 0) / photos.length / 1024).toFixed(0)} kB each on average`);

const builds = [{ name: 'after', root: '.' }, ...(values.before ? [{ name: 'before', root: values.before }] : [])];
const results = new Map<string, Map<string, number[]>>();
for (let round = 0; round < Number(values.rounds); round++) {
  for (const backend of values.backends!.split(',')) {
    const [small, large] = backend === 'webgpu' ? sets.webgpu : sets.wasm;
    for (const workers of values.workers!.split(',')) {
      for (const build of builds) {
        const job = values.identity ? ['--pipeline', identityPipeline] : ['--preset', 'imagenet-train'];
        const args = (src: string) => [src, '--out', join(tmp, 'out'), ...job, '--workers', workers, '--backend', backend];
        const figures = marginal(await runSampled(build.root, args(small)), await runSampled(build.root, args(large)));
        const key = `${build.name} | ${backend} | ${workers}`;
        const table = results.get(key) ?? new Map<string, number[]>();
        for (const [thread, ms] of figures) table.set(thread, [...(table.get(thread) ?? []), ms]);
        results.set(key, table);
        console.log(`round ${round + 1}: ${key}: main ${figures.get('main thread')!.toFixed(3)} ms/image, process ${figures.get('process')!.toFixed(3)}`);
      }
    }
  }
}
console.log(`load after: ${machine().split('load before: ')[1]}`);
console.log('\n| build | backend | workers | thread | ms CPU per image, median (min–max) | share of the process |');
console.log('|---|---|---|---|---|---|');
for (const [key, table] of results) {
  const process = median(table.get('process')!);
  for (const [thread, v] of table) {
    console.log(`| ${key} | ${thread} | ${median(v).toFixed(3)} (${Math.min(...v).toFixed(3)}–${Math.max(...v).toFixed(3)}) | ${((median(v) / process) * 100).toFixed(1)}% |`);
  }
}
if (values.keep) console.log(`the sets are kept in ${tmp}`);
else await rm(tmp, { recursive: true, force: true });
