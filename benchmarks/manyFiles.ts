/**
 * What a source of many parquet files costs before and while it is read: N files (Places365's
 * parquet has 315) of G one-row row groups of one photo, `--limit 20` (start-up: every footer is
 * read) and the whole source, peak RSS and wall time per run; with `--before DIR` the build in DIR
 * runs in the same rounds. Medians of R rounds (min–max).
 *   npm run build && node dist/benchmarks/manyFiles.js <photo.jpg> [--files 315] [--groups 57] [--rounds 3] [--before DIR]
 */
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { writeHfParquet } from '../test/helpers/hfParquet.js';
import { machine, median, runCli } from './common.js';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { files: { type: 'string', default: '315' }, groups: { type: 'string', default: '57' }, rounds: { type: 'string', default: '3' }, before: { type: 'string' } } });
const [photo] = positionals;
if (!photo) throw new Error('usage: manyFiles.js <photo.jpg> [--files 315] [--groups 57] [--rounds 3] [--before DIR]');

const tmp = await mkdtemp(join(tmpdir(), 'remux-bench-many-'));
const bytes = new Uint8Array(await readFile(photo));
const files = Number(values.files);
const groups = Number(values.groups);
const source = join(tmp, 'source');
await mkdir(source);
for (let f = 0; f < files; f++) {
  const name = `train-${String(f).padStart(5, '0')}-of-${String(files).padStart(5, '0')}.parquet`;
  await writeHfParquet(join(source, name), Array.from({ length: groups }, () => ({ bytes, label: 0 })), { labelNames: ['photo'], rowGroupSize: 1 });
}
console.log(`machine: ${machine()}`);
console.log(`source: ${files} files × ${groups} one-row row groups of ${photo.split('/').pop()} (${bytes.length} bytes)`);

const builds = [{ name: 'after', main: 'dist/src/cli/main.js' }, ...(values.before ? [{ name: 'before', main: join(values.before, 'dist/src/cli/main.js') }] : [])];
const figures = new Map<string, { peak: number[]; wall: number[] }>();
for (let round = 0; round < Number(values.rounds); round++) {
  for (const job of [{ name: '--limit 20', args: ['--limit', '20'] }, { name: 'all rows', args: [] }]) {
    for (const build of builds) {
      const run = runCli([source, '--out', join(tmp, 'out'), ...job.args], build.main);
      const key = `${build.name} | ${job.name}`;
      const entry = figures.get(key) ?? { peak: [], wall: [] };
      entry.peak.push(run.peakRssMB);
      entry.wall.push(run.wallSeconds);
      figures.set(key, entry);
      console.log(`round ${round + 1}: ${key}: peak ${run.peakRssMB} MB, ${run.wallSeconds} s`);
    }
  }
}
const spread = (v: number[], digits: number) => `${median(v).toFixed(digits)} (${Math.min(...v).toFixed(digits)}–${Math.max(...v).toFixed(digits)})`;
console.log('\n| build | job | peak RSS MB | wall s |');
console.log('|---|---|---|---|');
for (const [key, { peak, wall }] of figures) console.log(`| ${key} | ${spread(peak, 0)} | ${spread(wall, 2)} |`);
await rm(tmp, { recursive: true, force: true });
