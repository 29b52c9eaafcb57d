import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { test } from 'node:test';
import { parquetMetadataAsync } from 'hyparquet';
import jpeg from 'jpeg-js';
import sharp from 'sharp';
import { remux } from '../src/index.js';
import { claimPngSize } from './helpers/badImages.js';
import { writeHfParquet } from './helpers/hfParquet.js';
import { digest, readOutput, tempDir } from './helpers/output.js';

const CLI = 'dist/src/cli/main.js';
const quiet = { workers: 2, size: 32 };

function gradientJpeg(width: number, height: number, seed: number): Uint8Array {
  const data = Buffer.alloc(width * height * 4);
  for (let p = 0; p < width * height; p++) data.set([(p * 3 + seed) & 255, (p >> 4) & 255, (seed * 31) & 255, 255], p * 4);
  return new Uint8Array(jpeg.encode({ data, width, height }, 90).data);
}

async function photosParquet(rows: number, rowGroupSize: number): Promise<string> {
  const dir = await tempDir('faults-src');
  await writeHfParquet(`${dir}/train.parquet`, Array.from({ length: rows }, (_, i) => ({ bytes: gradientJpeg(96, 80, i), label: i % 2 })), { labelNames: ['x', 'y'], rowGroupSize });
  return `${dir}/train.parquet`;
}

// An explicit backend: `auto` would add its choice line to the stderr these tests match whole.
const ARGS = ['--size', '64', '--copies', '3', '--rows-per-shard', '12', '--row-group-size', '6', '--backend', 'wasm', '--quiet'];
const run = (source: string, out: string, extra: string[] = [], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [CLI, 'run', source, '--out', out, ...ARGS, ...extra], { encoding: 'utf8', env: { ...process.env, ...env } });

test('a write error (disk full) mid-run is one clear line; committed shards and the journal survive; --resume finishes the job', async () => {
  const source = await photosParquet(40, 8);
  const cleanOut = await tempDir('faults-clean');
  assert.equal(run(source, cleanOut).status, 0);
  const out = await tempDir('faults-full');
  const failed = run(source, out, [], { REMUX_FAULT: 'write-error:7' });
  assert.equal(failed.status, 1);
  assert.match(failed.stderr, /^remux: cannot write shard train-\d{5}\.parquet: ENOSPC: no space left on device.*; the \d+ committed shard\(s\) and the journal in .* are intact: fix this and run the same command with --resume\n$/);
  assert.deepEqual((await readdir(`${out}/data`)).filter((f) => f.endsWith('.tmp')), []);
  const resumed = run(source, out, ['--resume']);
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.deepEqual(digest((await readOutput(out)).rows), digest((await readOutput(cleanOut)).rows));
});

test('a real full disk (a small tmpfs, when this machine lets root mount one), then --resume once there is space', async (t) => {
  const mountPoint = await tempDir('faults-tmpfs');
  if (spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=160k', 'tmpfs', mountPoint]).status !== 0) {
    t.skip('cannot mount a tmpfs here (needs root and mount rights); the injected write error covers the same path');
    return;
  }
  try {
    const source = await photosParquet(40, 8);
    const cleanOut = await tempDir('faults-clean');
    assert.equal(run(source, cleanOut).status, 0);
    const out = `${mountPoint}/out`;
    const failed = run(source, out);
    assert.equal(failed.status, 1, failed.stderr);
    assert.match(failed.stderr, /^remux: cannot write .*(ENOSPC|no space left).*run the same command with --resume\n$/);
    assert.equal(spawnSync('mount', ['-o', 'remount,size=64m', mountPoint]).status, 0);
    const resumed = run(source, out, ['--resume']);
    assert.equal(resumed.status, 0, resumed.stderr);
    assert.deepEqual(digest((await readOutput(out)).rows), digest((await readOutput(cleanOut)).rows));
  } finally {
    spawnSync('umount', [mountPoint]);
  }
});

test('a truncated or non-parquet source file is refused in one line, naming the file', async () => {
  const source = await photosParquet(12, 4);
  const bytes = await readFile(source);
  const dir = await tempDir('faults-bad');
  await writeFile(`${dir}/truncated.parquet`, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
  await writeFile(`${dir}/text.parquet`, 'id,name\n1,cat\n');
  for (const name of ['truncated.parquet', 'text.parquet']) {
    const result = run(`${dir}/${name}`, await tempDir('faults-bad-out'));
    assert.equal(result.status, 2);
    assert.match(result.stderr, new RegExp(`^remux: source .*${name}: not a readable parquet file \\(.*\\)\\n$`));
  }
});

test('a row group that fails to decode stops the run with its rows named; the shards before it stay committed', async () => {
  const source = await photosParquet(24, 6);
  const original = await readFile(source);
  const bytes = Buffer.from(original);
  const metadata = await parquetMetadataAsync(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
  const pageOffset = Number(metadata.row_groups[2].columns[0].meta_data!.data_page_offset);
  bytes.fill(0xff, pageOffset, pageOffset + 24); // the page header of row group 2's image column
  await writeFile(source, bytes);
  const out = await tempDir('faults-rg');
  const args = ['--copies', '1', '--rows-per-shard', '6'];
  const result = run(source, out, args);
  assert.equal(result.status, 1);
  // One line naming the row group, what is left and how to go on.
  assert.match(result.stderr, /^remux: source .*train\.parquet: cannot read row group 2 \(rows 12–17\): [^\n]+ Committed shards and the journal are intact; fix or drop the file and run the same command with --resume\n$/);
  const { rows } = await readOutput(out);
  assert.deepEqual(rows.map((r) => Number(r.source_index)), Array.from({ length: rows.length }, (_, i) => i), 'what is committed is a prefix');
  assert.ok(rows.length <= 12);

  await writeFile(source, original); // the file fixed: --resume finishes the job
  const clean = await tempDir('faults-rg-clean');
  assert.equal(run(source, clean, args).status, 0);
  assert.equal(run(source, out, [...args, '--resume']).status, 0);
  assert.deepEqual(digest((await readOutput(out)).rows), digest((await readOutput(clean)).rows));
});


/** `bytes` with the JPEG's frame header (SOF0/SOF2) claiming `height`×`width`. */
function claimJpegSize(bytes: Uint8Array, height: number, width: number): Uint8Array {
  const out = bytes.slice();
  for (let i = 2; i < out.length - 9; i++) {
    if (out[i] === 0xff && (out[i + 1] === 0xc0 || out[i + 1] === 0xc2)) {
      out.set([height >> 8, height & 255, width >> 8, width & 255], i + 5);
      return out;
    }
  }
  throw new Error('no SOF marker');
}

test('tiny (1×1) images are augmented; decompression bombs (20000×20000) and a column of nulls are recorded skips', async () => {
  const dir = await tempDir('faults-px');
  const png1 = new Uint8Array(await sharp({ create: { width: 1, height: 1, channels: 3, background: '#c83214' } }).png().toBuffer());
  const smallPng = new Uint8Array(await sharp({ create: { width: 8, height: 8, channels: 3, background: '#000' } }).png().toBuffer());
  const rows = [
    { bytes: gradientJpeg(1, 1, 5) },
    { bytes: png1 },
    { bytes: claimJpegSize(gradientJpeg(64, 64, 1), 20000, 20000) },
    { bytes: claimPngSize(smallPng, 20000, 20000) },
    { bytes: gradientJpeg(40, 30, 2) },
  ];
  await writeHfParquet(`${dir}/px.parquet`, rows);
  const out = await tempDir('faults-px-out');
  const summary = await remux({ ...quiet, source: `${dir}/px.parquet`, out });
  assert.deepEqual([summary.rowsIn, summary.rowsOut, summary.skipped], [5, 3, 2]);
  const written = (await readOutput(out)).rows;
  assert.deepEqual(written.map((r) => Number(r.source_index)), [0, 1, 4]);
  for (const row of written) {
    const image = jpeg.decode((row.image as { bytes: Uint8Array }).bytes);
    assert.deepEqual([image.width, image.height], [32, 32]);
  }
  const red = jpeg.decode((written[1].image as { bytes: Uint8Array }).bytes);
  assert.ok(Math.abs(red.data[0] - 0xc8) <= 4 && Math.abs(red.data[1] - 0x32) <= 4, 'a 1×1 image upscales to its one colour');
  const errors = (await readFile(`${out}/errors.jsonl`, 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(errors.map((e) => e.source_index), [2, 3]);
  for (const e of errors) assert.match(e.reason, /20000×20000 = 400000000 pixels is above --max-pixels 89478485|more than --max-pixels 89478485/);

  await writeHfParquet(`${dir}/nulls.parquet`, [{ bytes: null }, { bytes: null }, { bytes: null }]);
  const nullsOut = await tempDir('faults-nulls');
  const nulls = await remux({ ...quiet, source: `${dir}/nulls.parquet`, out: nullsOut });
  assert.deepEqual([nulls.rowsIn, nulls.rowsOut, nulls.skipped], [3, 0, 3]);
  assert.equal((await readOutput(nullsOut)).rows.length, 0);
  assert.deepEqual((await readFile(`${nullsOut}/errors.jsonl`, 'utf8')).trim().split('\n').map((l) => JSON.parse(l).reason), ['image is null', 'image is null', 'image is null']);
  await rm(dir, { recursive: true });
  await mkdir(dir);
});
