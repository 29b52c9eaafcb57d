/**
 * What each `--compression` of the image column costs the main thread and saves on disk: the
 * images of an existing remux output are written again through `ShardWriter`, once per choice,
 * in interleaved rounds.
 *
 *   npm run bench:compression -- <remux output dir> [--rounds N]
 *
 * Reported per choice: the bytes written and the process CPU per row (median, min–max over the
 * rounds). Only the writer runs, on this thread: the figure is what the main thread pays.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { openAsBlob } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { tableFromIPC } from 'apache-arrow';
import { ParquetFile } from 'parquet-wasm/node';
import { IMAGE_COMPRESSIONS, type ImageCompression } from '../src/options.js';
import { outputSchema } from '../src/sink/schema.js';
import { ShardWriter } from '../src/sink/shardWriter.js';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { rounds: { type: 'string', default: '5' } } });
if (positionals.length !== 1) {
  console.error('usage: node dist/benchmarks/shardCompression.js <remux output dir> [--rounds N]');
  process.exit(2);
}
const images = await outputImages(join(positionals[0], 'data'));
const schema = outputSchema({ format: 'jpeg', hasLabels: true, labelNames: ['x'], keptColumns: [], recordParams: false });
const cpu: Record<string, number[]> = {};
const bytes: Record<string, number> = {};
for (let round = 0; round < Number(values.rounds); round++) {
  for (const choice of IMAGE_COMPRESSIONS) {
    const { microsPerRow, written } = await writeAll(choice);
    (cpu[choice] ??= []).push(microsPerRow);
    bytes[choice] = written;
  }
}
const averageKiB = images.reduce((n, b) => n + b.byteLength, 0) / images.length / 1024;
console.log(`${images.length} images of ${averageKiB.toFixed(1)} KiB on average, ${values.rounds} rounds\n`);
console.log('| --compression | bytes written | main-thread CPU per row, µs: median (min–max) |\n|---|---|---|');
for (const choice of IMAGE_COMPRESSIONS) {
  const sorted = cpu[choice].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  console.log(`| ${choice} | ${bytes[choice].toLocaleString('en')} | ${median.toFixed(0)} (${sorted[0].toFixed(0)}–${sorted.at(-1)!.toFixed(0)}) |`);
}

async function outputImages(dataDir: string): Promise<Uint8Array[]> {
  const images: Uint8Array[] = [];
  for (const file of (await readdir(dataDir)).filter((f) => f.endsWith('.parquet')).sort()) {
    const parquet = await ParquetFile.fromFile(await openAsBlob(join(dataDir, file)));
    const column = tableFromIPC((await parquet.read({ columns: ['image'] })).intoIPCStream()).getChild('image')!;
    for (const value of column) images.push(((value as { bytes: Uint8Array }).bytes ?? value).slice());
    parquet.free();
  }
  return images;
}

async function writeAll(choice: ImageCompression): Promise<{ microsPerRow: number; written: number }> {
  const dir = await mkdtemp(join(tmpdir(), `remux-compression-${choice}-`));
  const writer = new ShardWriter({ dir, prefix: 'train', schema, rowGroupSize: 100, imageCompression: choice, rowsPerShard: undefined, targetShardBytes: 256 * 1024 * 1024 });
  const start = process.cpuUsage();
  for (const [i, image] of images.entries()) await writer.append({ image, path: `${i}.jpg`, label: 0, sourceIndex: i, copy: 0, keep: {}, params: null });
  const shards = await writer.close();
  const used = process.cpuUsage(start);
  await rm(dir, { recursive: true });
  return { microsPerRow: (used.user + used.system) / images.length, written: shards.reduce((n, s) => n + s.bytes, 0) };
}
