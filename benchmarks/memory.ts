/**
 * Memory stays flat whatever the size of the source: peak RSS of a run over N rows against a run
 * over 10 N rows (a folder of photos repeated, by default the sample photos), each in its own
 * process, interleaved R times.
 *   npm run bench:memory -- [--rows N] [--repeats R] [--photos DIR] [-- remux run flags…]
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { isImagePath } from '../src/source/folder.js';
import { listFiles } from '../src/source/files.js';
import { writeHfParquet } from '../test/helpers/hfParquet.js';
import { SAMPLE_CLASSES, samplePhotos } from '../test/helpers/samplePhotos.js';
import { machine, median, runCli, type RunFigures } from './common.js';

const { values, positionals: runFlags } = parseArgs({ allowPositionals: true, options: { rows: { type: 'string', default: '280' }, repeats: { type: 'string', default: '3' }, photos: { type: 'string' } } });
const rows = Number(values.rows);
const repeats = Number(values.repeats);
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

console.log(`machine: ${machine()}`);
console.log(`photos: ${values.photos ?? 'sample/photos'} (${photos.length}), flags: ${runFlags.join(' ') || '(defaults)'}`);
const small = await makeSource('small', rows);
const large = await makeSource('large', rows * 10);
const results: Record<'small' | 'large', RunFigures[]> = { small: [], large: [] };
for (let r = 0; r < repeats; r++) {
  for (const [name, source] of [['small', small], ['large', large]] as const) {
    const figures = runCli([source, '--out', `${dir}/out-${name}`, ...runFlags]);
    results[name].push(figures);
    console.log(`round ${r + 1} ${name}: ${figures.rowsOut} rows, peak RSS ${figures.peakRssMB.toFixed(0)} MB, ${figures.imagesPerSecond} images/s`);
  }
}
const peak = (name: 'small' | 'large') => results[name].map((f) => f.peakRssMB);
const ratio = median(peak('large')) / median(peak('small'));
console.log(`\n| rows | peak RSS MB, median (min–max) | images/s, median |`);
console.log(`|---|---|---|`);
for (const name of ['small', 'large'] as const) {
  console.log(`| ${results[name][0].rowsOut} | ${median(peak(name)).toFixed(0)} (${Math.min(...peak(name)).toFixed(0)}–${Math.max(...peak(name)).toFixed(0)}) | ${median(results[name].map((f) => f.imagesPerSecond)).toFixed(1)} |`);
}
console.log(`\npeak RSS ratio, ${rows * 10} rows / ${rows} rows: ${ratio.toFixed(3)} (target ≤ 1.15)`);
await rm(dir, { recursive: true, force: true });
