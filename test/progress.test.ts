import assert from 'node:assert/strict';
import { test } from 'node:test';
import { progressLine } from '../src/cli/progress.js';
import { remux, type Progress } from '../src/index.js';
import { tempDir } from './helpers/output.js';
import { SAMPLE_PARQUET } from './helpers/samplePhotos.js';

test('progress lines show rows done of the total, rate, ETA and skips', () => {
  const p: Progress = { rowsIn: 250, totalRows: 1000, rowsOut: 500, skipped: 3, bytesWritten: 12_500_000, elapsedSeconds: 10 };
  assert.equal(progressLine(p, false), '250/1000 rows (25.0%)  50.0 images/s  ETA 30s  3 skipped  12.5 MB written');
  assert.equal(progressLine({ ...p, rowsIn: 1000 }, true).slice(0, 26), `[${'#'.repeat(24)}]`);
});

test('the library reports progress, the total from metadata alone, and a final report with the counts', async () => {
  const reports: Progress[] = [];
  const summary = await remux({ source: SAMPLE_PARQUET, out: await tempDir('progress'), size: 32, copies: 3, limit: 10, onProgress: (p) => reports.push(p) });
  assert.ok(reports.length >= 1);
  assert.ok(reports.every((r) => r.totalRows === 10));
  assert.deepEqual(reports.at(-1), { ...reports.at(-1)!, rowsIn: 10, rowsOut: 30, skipped: 0, bytesWritten: summary.bytesWritten });
  for (let i = 1; i < reports.length; i++) assert.ok(reports[i].rowsOut >= reports[i - 1].rowsOut);
});
