/**
 * CPU per row of reading a local parquet source's row groups, the way src/source/rowGroups.ts does
 * (hyparquet from the file, each image copied into a buffer of its own) against the way it did
 * before (parquet-wasm's `read`, out as an Arrow IPC stream, each image sliced from the table),
 * alternating in one process, R rounds, medians with their spread. CPU is the process's
 * (`process.cpuUsage`: libuv's file reads and V8's helpers included), per row read.
 *   npm run build && node dist/benchmarks/parquetRead.js <file.parquet …> [--rounds 5]
 * Each file is read whole, row group by row group, with its `image` and `label` columns.
 */
import { openAsBlob } from 'node:fs';
import { parseArgs } from 'node:util';
import { tableFromIPC } from 'apache-arrow';
import { ParquetFile } from 'parquet-wasm/node';
import { openLocalParquet, readRowGroup } from '../src/source/rowGroups.js';
import { machine, median } from './common.js';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { rounds: { type: 'string', default: '5' } } });
if (positionals.length === 0) throw new Error('usage: parquetRead.js <file.parquet …> [--rounds 5]');

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** Every row group of the file through parquet-wasm, as rowGroups.ts read them before. */
async function readWithParquetWasm(path: string): Promise<number> {
  const file = await ParquetFile.fromFile(await openAsBlob(path));
  let rows = 0;
  for (let group = 0; group < file.metadata().numRowGroups(); group++) {
    const table = tableFromIPC((await file.read({ rowGroups: [group], columns: ['image', 'label'] })).intoIPCStream());
    for (const cell of table.getChild('image')!) {
      cell?.bytes?.slice();
      rows++;
    }
  }
  file.free();
  return rows;
}

async function readWithHyparquet(path: string): Promise<number> {
  const file = await openLocalParquet(path);
  let rows = 0;
  for (let group = 0; group < file.metadata.row_groups.length; group++) {
    const data = await readRowGroup(file, { group, imageColumn: 'image', labelColumn: 'label', keptColumns: [] }, () => Promise.reject(new Error('no kept columns')));
    rows += data.images.length;
  }
  return rows;
}

console.log(`machine: ${machine()}`);
console.log('| file | reader | ms CPU per row, median (min–max) | rounds |');
console.log('|---|---|---|---|');
for (const path of positionals) {
  const figures = { 'parquet-wasm (before)': [] as number[], 'hyparquet (rowGroups.ts)': [] as number[] };
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const [name, read] of [['parquet-wasm (before)', readWithParquetWasm], ['hyparquet (rowGroups.ts)', readWithHyparquet]] as const) {
      const start = cpuMs();
      const rows = await read(path);
      figures[name].push((cpuMs() - start) / rows);
    }
  }
  for (const [name, list] of Object.entries(figures)) {
    console.log(`| ${path.split('/').pop()} | ${name} | ${median(list).toFixed(3)} (${Math.min(...list).toFixed(3)}–${Math.max(...list).toFixed(3)}) | ${list.length} |`);
  }
}
