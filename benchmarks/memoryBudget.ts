/**
 * Peak RSS is bounded by `--memory`, not by compressed bytes: twelve 81-megapixel PNGs (a smooth
 * gradient, 1.7 MB each) run under several budgets, each run in its own process.
 *   npm run bench:memory-budget -- [--rows 12] [--budgets 1GB,2GB,4GB] [--repeats 2] [-- remux run flags…]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { byteSize } from '../src/cli/args.js';
import { writeHfParquet } from '../test/helpers/hfParquet.js';
import { machine, median, runCli } from './common.js';

const { values, positionals: runFlags } = parseArgs({ allowPositionals: true, options: { rows: { type: 'string', default: '12' }, budgets: { type: 'string', default: '1GB,2GB,4GB' }, repeats: { type: 'string', default: '2' } } });
const dir = await mkdtemp(join(tmpdir(), 'remux-bench-budget-'));
const side = 9000;
const row = Buffer.alloc(side * 3);
for (let x = 0; x < side; x++) row.set([(x * 255) / side, 128, 255 - (x * 255) / side], x * 3);
const raster = Buffer.alloc(side * row.length);
for (let y = 0; y < side; y++) row.copy(raster, y * row.length);
const png = new Uint8Array(await sharp(raster, { raw: { width: side, height: side, channels: 3 } }).png({ compressionLevel: 9 }).toBuffer());
await writeHfParquet(`${dir}/large.parquet`, Array.from({ length: Number(values.rows) }, () => ({ bytes: png })));

console.log(`machine: ${machine()}`);
console.log(`${values.rows} rows of a ${side}×${side} PNG (${(png.length / 1e6).toFixed(1)} MB), flags: ${runFlags.join(' ') || '(defaults)'}\n`);
console.log('| --memory | peak RSS MB, median (min–max) | peak − budget MB | images/s, median |');
console.log('|---|---|---|---|');
for (const budget of values.budgets.split(',')) {
  const runs = Array.from({ length: Number(values.repeats) }, () => runCli([`${dir}/large.parquet`, '--out', `${dir}/out`, '--memory', budget, ...runFlags]));
  const peaks = runs.map((r) => r.peakRssMB);
  const over = median(peaks) - byteSize('memory', budget) / 1e6;
  console.log(`| ${budget} | ${median(peaks).toFixed(0)} (${Math.min(...peaks).toFixed(0)}–${Math.max(...peaks).toFixed(0)}) | ${over.toFixed(0)} | ${median(runs.map((r) => r.imagesPerSecond)).toFixed(2)} |`);
}
await rm(dir, { recursive: true, force: true });
