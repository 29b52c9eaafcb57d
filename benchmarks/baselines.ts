/**
 * remux's CPU path against the Pillow and OpenCV pipelines our users run today (decode →
 * RandomResizedCrop 224 + flip + ColorJitter 0.4 → JPEG q90), on the same photos, the same cores,
 * interleaved in one sitting; medians of R rounds with their spread.
 *   npm run build && node dist/benchmarks/baselines.js <bench dir> <photo dir …> [--repeats R] [--python P] [--rows N] [--backends wasm,cpu] [--before DIR] [--marginal] [--workers 1,2] [--identity]
 * <bench dir> holds baseline_pil.py and baseline_cv2.py (Debian: python3-pil python3-numpy python3-opencv).
 * --before DIR also runs the `wasm` backend of another build (a checkout of an earlier commit with
 * its own `npm run build`) in the same rounds, for before/after figures taken side by side.
 * remux reads the photos from a parquet file of them repeated to ~`--rows` rows (default 1500),
 * end to end: parquet in, parquet out, process start included; the baselines time in-memory work.
 * --marginal times remux as the baselines are timed, without its start-up: a run over 4× the rows
 * minus a run over 1× (images/s = 3N ÷ the difference in the processes' wall times), and reports
 * its process CPU per image the same way (user + system, from bash's `times`; until 2026-12-04 from
 * the summary's one-decimal "CPU-s per 1000 images", which made marginal figures steps of ~0.13
 * ms). --identity also runs remux with the identity pipeline (a 224 centre crop: what the CPU
 * still pays when a GPU does every pixel), to set beside codec_floor.py's figures.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { listFiles } from '../src/source/files.js';
import { isImagePath } from '../src/source/folder.js';
import { writeHfParquet } from '../test/helpers/hfParquet.js';
import { machine, median, runCli } from './common.js';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { repeats: { type: 'string', default: '3' }, python: { type: 'string', default: '/usr/bin/python3' }, rows: { type: 'string', default: '1500' }, backends: { type: 'string', default: 'wasm,cpu' }, before: { type: 'string' }, marginal: { type: 'boolean', default: false }, workers: { type: 'string', default: '1,2' }, identity: { type: 'boolean', default: false } } });
const [benchDir, ...photoDirs] = positionals;
if (!benchDir || photoDirs.length === 0) throw new Error('usage: baselines.js <bench dir> <photo dir …>');
const tmp = await mkdtemp(join(tmpdir(), 'remux-bench-baselines-'));
console.log(`machine: ${machine()}`);

function baseline(script: string, dir: string, workers: number): number {
  const json = join(tmp, `${script}-${workers}.json`);
  const r = spawnSync(values.python!, [join(benchDir, script), dir, '--workers', String(workers), '--repeat', '1', '--min-time', '3', '--json', json], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${script} failed: ${r.stderr}`);
  return JSON.parse(spawnSync('cat', [json], { encoding: 'utf8' }).stdout).median.images_per_s;
}

const identityPipeline = join(tmp, 'identity.json');
await writeFile(identityPipeline, JSON.stringify([{ op: 'centerCrop', size: 224 }]));
const results = new Map<string, number[]>();
const add = (key: string, v: number) => results.set(key, [...(results.get(key) ?? []), v]);
for (const dir of photoDirs) {
  const files = (await listFiles(dir)).filter(isImagePath);
  const photos = await Promise.all(files.map(async (f) => new Uint8Array(await readFile(join(dir, f)))));
  const rows = Math.max(photos.length, Number(values.rows));
  const sourceOf = async (n: number) => {
    const path = join(tmp, `${basename(dir)}-${n}.parquet`);
    await writeHfParquet(path, Array.from({ length: n }, (_, i) => ({ bytes: photos[i % photos.length], label: 0 })), { labelNames: ['photo'] });
    return path;
  };
  const source = await sourceOf(rows);
  const longer = values.marginal ? await sourceOf(rows * 4) : null;
  // images/s of one build and backend: end to end, or marginal (4× the rows minus 1×).
  const remuxRun = (args: (src: string) => string[], key: string, main?: string) => {
    const one = runCli(args(source), main);
    if (!longer) return add(key, one.imagesPerSecond);
    const four = runCli(args(longer), main);
    const images = four.rowsOut - one.rowsOut;
    add(key, images / (four.processSeconds - one.processSeconds));
    add(`${key} | CPU ms per image`, ((four.cpuSeconds - one.cpuSeconds) * 1000) / images);
  };
  for (let round = 0; round < Number(values.repeats); round++) {
    for (const workers of values.workers!.split(',').map(Number)) {
      add(`${basename(dir)} | Pillow | ${workers}`, baseline('baseline_pil.py', dir, workers));
      add(`${basename(dir)} | OpenCV | ${workers}`, baseline('baseline_cv2.py', dir, workers));
      const args = (backend: string) => (src: string) => [src, '--out', join(tmp, 'out'), '--preset', 'imagenet-train', '--workers', String(workers), '--backend', backend];
      for (const backend of values.backends!.split(',')) remuxRun(args(backend), `${basename(dir)} | remux --backend ${backend} | ${workers}`);
      if (values.identity) remuxRun((src) => [...args('wasm')(src).filter((a) => a !== 'imagenet-train' && a !== '--preset'), '--pipeline', identityPipeline], `${basename(dir)} | remux identity (centre crop 224), wasm | ${workers}`);
      if (values.before) remuxRun(args('wasm'), `${basename(dir)} | remux --backend wasm (before) | ${workers}`, join(values.before, 'dist/src/cli/main.js'));
    }
  }
}
console.log(`\n| photos | pipeline | workers | images/s${values.marginal ? ' (remux: marginal)' : ''}, median (min–max) |`);
console.log('|---|---|---|---|');
for (const [key, v] of results) {
  const digits = key.endsWith('CPU ms per image') ? 2 : 0;
  console.log(`| ${key} | ${median(v).toFixed(digits)} (${Math.min(...v).toFixed(digits)}–${Math.max(...v).toFixed(digits)}) |`);
}
await rm(tmp, { recursive: true, force: true });
