/**
 * Images/s and CPU-seconds per 1000 images of the demo job (default pipeline, JPEG q90) on a
 * source, with 1 and 2 workers, R interleaved rounds, medians and spread.
 *   npm run bench:throughput -- [source …] [--repeats R] [--copies K]
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { machine, median, runCli, type RunFigures } from './common.js';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { repeats: { type: 'string', default: '5' }, copies: { type: 'string', default: '1' } } });
const sources = positionals.length > 0 ? positionals : ['sample/parquet'];
const configs = sources.flatMap((source) => ['1', '2'].map((workers) => ({ source, workers })));
const results = new Map<string, RunFigures[]>();
console.log(`machine: ${machine()}`);
for (let r = 0; r < Number(values.repeats); r++) {
  for (const { source, workers } of configs) {
    const key = `${source} | ${workers}`;
    const figures = runCli([source, '--out', join(tmpdir(), `remux-bench-throughput-${workers}`), '--workers', workers, '--copies', values.copies!]);
    results.set(key, [...(results.get(key) ?? []), figures]);
  }
}
console.log(`\n| source | workers | rows out | images/s, median (min–max) | CPU-s per 1000 images, median | peak RSS MB |`);
console.log(`|---|---|---|---|---|---|`);
for (const [key, runs] of results) {
  const ips = runs.map((f) => f.imagesPerSecond);
  console.log(`| ${key} | ${runs[0].rowsOut} | ${median(ips).toFixed(1)} (${Math.min(...ips).toFixed(1)}–${Math.max(...ips).toFixed(1)}) | ${median(runs.map((f) => f.cpuSecondsPer1000)).toFixed(1)} | ${median(runs.map((f) => f.peakRssMB)).toFixed(0)} |`);
}
