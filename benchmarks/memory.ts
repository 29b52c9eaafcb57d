/**
 * Memory stays flat whatever the size of the source: peak RSS of runs over N rows, 10 N rows (or
 * each multiple of N that `--scales` lists) of a folder of photos repeated, by default the sample
 * photos, each in its own process, interleaved R times. With `--trace DIR` every run is sampled
 * every 0.5 s (`memoryTrace.cts`: each thread's heap and external memory, parquet-wasm's WASM
 * memory, the process's anonymous and file-backed RSS), the samples kept in DIR, and the table
 * says what each part held when the run's RSS peaked.
 * With `--before DIR` each run is also made by the build in DIR (its `dist/`), in the same rounds.
 *   npm run bench:memory -- [--rows N] [--scales 1,10,100] [--repeats R] [--photos DIR] [--trace DIR] [--before DIR] [-- remux run flags…]
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

const { values, positionals: runFlags } = parseArgs({ allowPositionals: true, options: { rows: { type: 'string', default: '280' }, scales: { type: 'string', default: '1,10' }, repeats: { type: 'string', default: '3' }, photos: { type: 'string' }, trace: { type: 'string' }, before: { type: 'string' } } });
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

/** One thread's sample (see `memoryTrace.cts`); the process-wide fields on the main thread's only. */
interface Sample {
  t: number;
  thread: number;
  external: number;
  spaces: Record<string, number>;
  parquetWasm?: number | null;
  VmRSS?: number;
  RssAnon?: number;
  RssFile?: number;
}

/**
 * Where the memory was at the sample of highest RSS, in MB: file-backed RSS (code, mapped
 * libraries) and anonymous RSS, which splits into the V8 heaps (resident, main thread and workers
 * summed), external memory (buffers and WASM memories: parquet-wasm's apart) and the rest, native
 * memory V8 does not count (malloc arenas of the codecs and libvips, freed but kept pages, stacks).
 */
interface AtPeak {
  rssMB: number;
  fileMB: number;
  anonMB: number;
  mainHeapMB: number;
  workersHeapMB: number;
  parquetWasmMB: number;
  mainExternalMB: number;
  workersExternalMB: number;
  nativeMB: number;
}

async function atPeak(traceFile: string): Promise<AtPeak> {
  const samples = (await readFile(traceFile, 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as Sample);
  const peak = samples.filter((s) => s.VmRSS !== undefined).reduce((a, b) => (b.VmRSS! > a.VmRSS! ? b : a));
  const latest = new Map<number, Sample>();
  for (const s of samples) if (s.t <= peak.t) latest.set(s.thread, s);
  const workers = [...latest.values()].filter((s) => s.thread !== peak.thread);
  const heap = (s: Sample) => Object.values(s.spaces).reduce((n, bytes) => n + bytes, 0);
  const mb = (bytes: number) => bytes / 1e6;
  const parquetWasm = peak.parquetWasm ?? 0;
  const [mainHeap, workersHeap] = [heap(peak), workers.reduce((n, s) => n + heap(s), 0)];
  const [mainExternal, workersExternal] = [peak.external - parquetWasm, workers.reduce((n, s) => n + s.external, 0)];
  const native = peak.RssAnon! - mainHeap - workersHeap - parquetWasm - mainExternal - workersExternal;
  return { rssMB: mb(peak.VmRSS!), fileMB: mb(peak.RssFile!), anonMB: mb(peak.RssAnon!), mainHeapMB: mb(mainHeap), workersHeapMB: mb(workersHeap), parquetWasmMB: mb(parquetWasm), mainExternalMB: mb(mainExternal), workersExternalMB: mb(workersExternal), nativeMB: mb(native) };
}

const columns: [string, keyof AtPeak][] = [['file', 'fileMB'], ['anon', 'anonMB'], ['main heap', 'mainHeapMB'], ["workers' heaps", 'workersHeapMB'], ['parquet-wasm', 'parquetWasmMB'], ['main external', 'mainExternalMB'], ["workers' external", 'workersExternalMB'], ['native rest', 'nativeMB']];

console.log(`machine: ${machine()}`);
console.log(`photos: ${values.photos ?? 'sample/photos'} (${photos.length}), flags: ${runFlags.join(' ') || '(defaults)'}, MALLOC_ARENA_MAX=${process.env.MALLOC_ARENA_MAX ?? '(unset)'}`);
if (values.trace) await mkdir(values.trace, { recursive: true });
const sources: string[] = [];
for (const k of scales) sources.push(await makeSource(`x${k}`, rows * k));
/** The builds compared: this one, and with `--before` an earlier one, each run in the same rounds. */
const builds = [{ name: 'this build', main: 'dist/src/cli/main.js' }, ...(values.before ? [{ name: 'before', main: join(values.before, 'dist/src/cli/main.js') }] : [])];
const results = builds.map(() => scales.map(() => ({ figures: [] as RunFigures[], peaks: [] as AtPeak[] })));
for (let r = 0; r < repeats; r++) {
  for (const [i, k] of scales.entries()) {
    for (const [b, build] of builds.entries()) {
      const traceFile = values.trace && join(values.trace, `${b === 0 ? '' : 'before-'}x${k}-round${r + 1}.jsonl`);
      if (traceFile) await rm(traceFile, { force: true });
      const launch = traceFile ? { nodeArgs: ['--require', new URL('./memoryTrace.cjs', import.meta.url).pathname], env: { ...process.env, REMUX_MEMORY_TRACE: traceFile } } : {};
      const figures = runCli([sources[i], '--out', `${dir}/out-x${k}`, ...runFlags], build.main, launch);
      results[b][i].figures.push(figures);
      let line = `round ${r + 1} ×${k} (${build.name}): ${figures.rowsOut} rows, peak RSS ${figures.peakRssMB.toFixed(0)} MB, ${figures.imagesPerSecond} images/s, ${figures.cpuSecondsPer1000} CPU-s per 1000`;
      if (traceFile) {
        const p = await atPeak(traceFile);
        results[b][i].peaks.push(p);
        line += `; at the highest sample (${p.rssMB.toFixed(0)} MB): ${columns.map(([name, key]) => `${name} ${p[key].toFixed(0)}`).join(', ')}`;
      }
      console.log(line);
    }
  }
}
const spread = (xs: number[]) => `${median(xs).toFixed(0)} (${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)})`;
const traced = values.trace !== undefined;
console.log(`\n| build | rows | peak RSS MB, median (min–max) | ×base | images/s, median | CPU-s per 1000, median |${traced ? columns.map(([name]) => ` ${name} at peak |`).join('') : ''}`);
console.log(`|---|---|---|---|---|---|${traced ? columns.map(() => '---|').join('') : ''}`);
const ratios: string[] = [];
for (const [b, build] of builds.entries()) {
  const base = median(results[b][0].figures.map((f) => f.peakRssMB));
  for (const { figures, peaks } of results[b]) {
    const peak = figures.map((f) => f.peakRssMB);
    console.log(`| ${build.name} | ${figures[0].rowsOut} | ${spread(peak)} | ${(median(peak) / base).toFixed(3)} | ${median(figures.map((f) => f.imagesPerSecond)).toFixed(1)} | ${median(figures.map((f) => f.cpuSecondsPer1000)).toFixed(2)} |${traced ? columns.map(([, key]) => ` ${spread(peaks.map((p) => p[key]))} |`).join('') : ''}`);
  }
  ratios.push(`${build.name}: peak RSS ratio to ${rows} rows (target ≤ 1.15): ${scales.map((k, i) => `×${k} ${(median(results[b][i].figures.map((f) => f.peakRssMB)) / base).toFixed(3)}`).join(', ')}`);
}
console.log(`\n${ratios.join('\n')}`);
if (traced) console.log('(native rest = anonymous RSS less the heaps and external memory; the threads are sampled up to 0.5 s apart, so it can come out negative)');
await rm(dir, { recursive: true, force: true });
