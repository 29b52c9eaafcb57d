/**
 * Memory stays flat whatever the size of the source: peak RSS of runs over N rows, 10 N rows (or
 * each multiple of N that `--scales` lists) of a folder of photos repeated, by default the sample
 * photos, each in its own process, interleaved R times. With `--trace DIR` every run is sampled
 * every 0.5 s (`memoryTrace.cts`: each thread's heap and external memory, parquet-wasm's WASM
 * memory, the process's anonymous and file-backed RSS), the samples kept in DIR, and the table
 * says what each part held when the run's RSS peaked.
 *   npm run bench:memory -- [--rows N] [--scales 1,10,100] [--repeats R] [--photos DIR] [--trace DIR] [-- remux run flags…]
 */
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { isImagePath } from '../src/source/folder.js';
import { listFiles } from '../src/source/files.js';
import { writeHfParquet } from '../test/helpers/hfParquet.js';
import { SAMPLE_CLASSES, samplePhotos } from '../test/helpers/samplePhotos.js';
import { machine, median, runCli, type RunFigures } from './common.js';

const { values, positionals: runFlags } = parseArgs({ allowPositionals: true, options: { rows: { type: 'string', default: '280' }, scales: { type: 'string', default: '1,10' }, repeats: { type: 'string', default: '3' }, photos: { type: 'string' }, trace: { type: 'string' } } });
const rows = Number(values.rows);
const scales = values.scales!.split(',').map(Number);
const repeats = Number(values.repeats);
if (!Number.isInteger(rows) || rows < 1 || scales.some((k) => !Number.isInteger(k) || k < 1) || !Number.isInteger(repeats) || repeats < 1) throw new Error('--rows, --repeats and each of --scales must be positive integers');
const dir = await mkdtemp(join(tmpdir(), 'remux-bench-memory-'));
const photos = values.photos ? await folderPhotos(values.photos) : await samplePhotos();

async function folderPhotos(dir: string) {
  const files = (await listFiles(dir)).filter(isImagePath);
  return Promise.all(files.map(async (f) => ({ bytes: new Uint8Array(await readFile(join(dir, f))), label: 0 })));
}

/** A source of `n` rows: the sample photos over and over, written 100 rows per row group and 1000 rows per file. */
async function makeSource(name: string, n: number): Promise<string> {
  const path = `${dir}/${name}`;
  for (let start = 0, file = 0; start < n; start += 1000, file++) {
    const count = Math.min(1000, n - start);
    const batch = Array.from({ length: count }, (_, i) => photos[(start + i) % photos.length]).map((p) => ({ bytes: p.bytes, label: p.label }));
    await writeHfParquet(`${path}-${String(file).padStart(5, '0')}.parquet`, batch, { labelNames: values.photos ? ['photo'] : SAMPLE_CLASSES });
  }
  return `${path}-*.parquet`;
}

/** One thread's last sample at or before time `t`. */
interface Sample {
  t: number;
  thread: number;
  heapTotal: number;
  external: number;
  parquetWasm?: number | null;
  VmRSS?: number;
  RssAnon?: number;
  RssFile?: number;
}

/** Where the memory was at the sample of highest RSS, in MB: the main thread's and the workers' (summed) V8 heaps and external memory, parquet-wasm's WASM memory, anonymous and file-backed RSS. */
interface AtPeak {
  rssMB: number;
  anonMB: number;
  fileMB: number;
  mainHeapMB: number;
  mainExternalMB: number;
  parquetWasmMB: number;
  workersHeapMB: number;
  workersExternalMB: number;
}

async function atPeak(traceFile: string): Promise<AtPeak> {
  const samples = (await readFile(traceFile, 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as Sample);
  const peak = samples.filter((s) => s.VmRSS !== undefined).reduce((a, b) => (b.VmRSS! > a.VmRSS! ? b : a));
  const latest = new Map<number, Sample>();
  for (const s of samples) if (s.t <= peak.t) latest.set(s.thread, s);
  const workers = [...latest.values()].filter((s) => s.thread !== peak.thread);
  const mb = (bytes: number) => bytes / 1e6;
  const sum = (key: 'heapTotal' | 'external') => mb(workers.reduce((n, s) => n + s[key], 0));
  return { rssMB: mb(peak.VmRSS!), anonMB: mb(peak.RssAnon!), fileMB: mb(peak.RssFile!), mainHeapMB: mb(peak.heapTotal), mainExternalMB: mb(peak.external), parquetWasmMB: mb(peak.parquetWasm ?? 0), workersHeapMB: sum('heapTotal'), workersExternalMB: sum('external') };
}

console.log(`machine: ${machine()}`);
console.log(`photos: ${values.photos ?? 'sample/photos'} (${photos.length}), flags: ${runFlags.join(' ') || '(defaults)'}, MALLOC_ARENA_MAX=${process.env.MALLOC_ARENA_MAX ?? '(unset)'}`);
if (values.trace) await mkdir(values.trace, { recursive: true });
const sources: string[] = [];
for (const k of scales) sources.push(await makeSource(`x${k}`, rows * k));
const results = scales.map(() => ({ figures: [] as RunFigures[], peaks: [] as AtPeak[] }));
for (let r = 0; r < repeats; r++) {
  for (const [i, k] of scales.entries()) {
    const traceFile = values.trace && join(values.trace, `x${k}-round${r + 1}.jsonl`);
    if (traceFile) await rm(traceFile, { force: true });
    const launch = traceFile ? { nodeArgs: ['--require', new URL('./memoryTrace.cjs', import.meta.url).pathname], env: { ...process.env, REMUX_MEMORY_TRACE: traceFile } } : {};
    const figures = runCli([sources[i], '--out', `${dir}/out-x${k}`, ...runFlags], undefined, launch);
    results[i].figures.push(figures);
    let line = `round ${r + 1} ×${k}: ${figures.rowsOut} rows, peak RSS ${figures.peakRssMB.toFixed(0)} MB, ${figures.imagesPerSecond} images/s`;
    if (traceFile) {
      const p = await atPeak(traceFile);
      results[i].peaks.push(p);
      line += `; at the highest sample (${p.rssMB.toFixed(0)} MB): anon ${p.anonMB.toFixed(0)}, file ${p.fileMB.toFixed(0)}, main heap ${p.mainHeapMB.toFixed(0)}, main external ${p.mainExternalMB.toFixed(0)}, parquet-wasm ${p.parquetWasmMB.toFixed(0)}, workers' heaps ${p.workersHeapMB.toFixed(0)}, workers' external ${p.workersExternalMB.toFixed(0)}`;
    }
    console.log(line);
  }
}
const spread = (xs: number[]) => `${median(xs).toFixed(0)} (${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)})`;
const columns: [string, keyof AtPeak][] = [['anon', 'anonMB'], ['file', 'fileMB'], ['main heap', 'mainHeapMB'], ['main external', 'mainExternalMB'], ['parquet-wasm', 'parquetWasmMB'], ["workers' heaps", 'workersHeapMB'], ["workers' external", 'workersExternalMB']];
const traced = values.trace !== undefined;
console.log(`\n| rows | peak RSS MB, median (min–max) | ×base | images/s, median |${traced ? columns.map(([name]) => ` ${name} at peak |`).join('') : ''}`);
console.log(`|---|---|---|---|${traced ? columns.map(() => '---|').join('') : ''}`);
const base = median(results[0].figures.map((f) => f.peakRssMB));
for (const { figures, peaks } of results) {
  const peak = figures.map((f) => f.peakRssMB);
  console.log(`| ${figures[0].rowsOut} | ${spread(peak)} | ${(median(peak) / base).toFixed(3)} | ${median(figures.map((f) => f.imagesPerSecond)).toFixed(1)} |${traced ? columns.map(([, key]) => ` ${spread(peaks.map((p) => p[key]))} |`).join('') : ''}`);
}
console.log(`\npeak RSS ratio to ${rows} rows (target ≤ 1.15): ${scales.map((k, i) => `×${k} ${(median(results[i].figures.map((f) => f.peakRssMB)) / base).toFixed(3)}`).join(', ')}`);
await rm(dir, { recursive: true, force: true });
