import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { test } from 'node:test';
import jpeg from 'jpeg-js';
import { remux } from '../src/index.js';
import { writeHfParquet } from './helpers/hfParquet.js';
import { digest, readOutput, sha256, tempDir } from './helpers/output.js';

const CLI = 'dist/src/cli/main.js';
const ROWS = 90;
/** Undecodable rows: one inside the run, and the last one (after the last shard's position). */
const BAD_ROWS = [37, 89];

/** Small synthetic photos (fast to decode, each different), one broken row, row groups of 8. */
async function fixture(): Promise<string> {
  const dir = await tempDir('resume-src');
  const rows = Array.from({ length: ROWS }, (_, i) => {
    const width = 64 + (i % 5) * 8;
    const height = 56 + (i % 3) * 8;
    const data = Buffer.alloc(width * height * 4);
    for (let p = 0; p < width * height; p++) {
      const x = p % width;
      const y = Math.floor(p / width);
      data.set([(x * 4 + i * 7) & 255, (y * 4 + i * 13) & 255, ((x ^ y) + i) & 255, 255], p * 4);
    }
    const bytes = BAD_ROWS.includes(i) ? new Uint8Array([0xff, 0xd8, 0xff, 0x00, 1, 2, 3]) : new Uint8Array(jpeg.encode({ data, width, height }, 90).data);
    return { bytes, label: i % 3 };
  });
  await writeHfParquet(`${dir}/train.parquet`, rows, { labelNames: ['a', 'b', 'c'], rowGroupSize: 8 });
  return `${dir}/train.parquet`;
}

// An explicit backend: `auto` would add its choice line to the stderr these tests match whole.
const RUN_ARGS = ['--size', '32', '--copies', '2', '--rows-per-shard', '14', '--row-group-size', '7', '--workers', '2', '--backend', 'wasm', '--quiet'];

const run = (source: string, out: string, extra: string[] = [], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [CLI, 'run', source, '--out', out, ...RUN_ARGS, ...extra], { encoding: 'utf8', env: { ...process.env, ...env } });

/** Everything a reader would see: every row (image sha256, label, source_index, copy), the shard files' bytes, errors.jsonl. */
async function snapshot(out: string) {
  const { files, rows } = await readOutput(out);
  const shardHashes = await Promise.all(files.map(async (f) => sha256(await readFile(`${out}/data/${f}`))));
  const errors = await readFile(`${out}/errors.jsonl`, 'utf8').catch(() => '');
  const manifest = JSON.parse(await readFile(`${out}/remux.json`, 'utf8'));
  return { files, rows: digest(rows), shardHashes, errors, counts: manifest.counts, shards: manifest.shards };
}

test('a run killed (SIGKILL) at random moments and resumed each time equals an uninterrupted run, row by row', async () => {
  const source = await fixture();
  const cleanOut = await tempDir('resume-clean');
  // How long a run takes, warm (the first one also pays cold caches): the kills aim inside it.
  let cleanMs = Infinity;
  for (let round = 0; round < 2; round++) {
    const started = performance.now();
    assert.equal(run(source, cleanOut, round > 0 ? ['--overwrite'] : []).status, 0);
    cleanMs = Math.min(cleanMs, performance.now() - started);
  }
  const clean = await snapshot(cleanOut);
  assert.equal(clean.rows.length, (ROWS - BAD_ROWS.length) * 2);
  assert.equal(clean.errors.trim().split('\n').length, BAD_ROWS.length);
  assert.ok(clean.files.length >= 10, `expected many shards, got ${clean.files.length}`);

  // 24 trials: each kills a run at a random moment (seeded, so a failure can be replayed), some
  // twice in a row, then resumes to the end.
  let random = 12345;
  const next = () => ((random = (random * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  let killedMidway = 0;
  for (let trial = 0; trial < 24; trial++) {
    const out = await tempDir('resume-kill');
    for (let kill = 0; kill < 1 + (trial % 3 === 0 ? 1 : 0); kill++) {
      const delay = 100 + next() * 0.8 * cleanMs;
      const child = spawn(process.execPath, [CLI, 'run', source, '--out', out, ...RUN_ARGS, ...(kill > 0 ? ['--resume'] : [])], { stdio: 'ignore' });
      const timer = setTimeout(() => child.kill('SIGKILL'), delay);
      const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
      clearTimeout(timer);
      if (code === null) killedMidway++;
    }
    const resumed = run(source, out, ['--resume']);
    assert.equal(resumed.status, 0, `trial ${trial}: ${resumed.stderr}`);
    assert.deepEqual(await snapshot(out), clean, `trial ${trial}`);
    assert.deepEqual((await readdir(`${out}/data`)).filter((f) => f.endsWith('.tmp')), []);
  }
  assert.ok(killedMidway >= 16, `only ${killedMidway} kills landed during a run`);
});

test('a crash right after a shard rename, inside a journal write, or between final renames resumes exactly', async () => {
  const source = await fixture();
  const cleanOut = await tempDir('resume-clean');
  assert.equal(run(source, cleanOut).status, 0);
  const clean = await snapshot(cleanOut);
  for (const point of ['shard-renamed:3', 'journal-written:5', 'final-renamed:4', 'shard-renamed:1', 'journal-written:1']) {
    const out = await tempDir('resume-point');
    const crashed = run(source, out, [], { REMUX_FAULT: point });
    assert.equal(crashed.signal, 'SIGKILL', `${point} did not crash`);
    const resumed = run(source, out, ['--resume']);
    assert.equal(resumed.status, 0, `${point}: ${resumed.stderr}`);
    assert.match(resumed.stderr, /remux: (resuming|nothing to resume)/);
    assert.deepEqual(await snapshot(out), clean, point);
  }
});

test('Ctrl-C stops cleanly (open shard dropped, message says how to resume), and --resume finishes the job', async () => {
  const source = await fixture();
  const cleanOut = await tempDir('resume-clean');
  assert.equal(run(source, cleanOut).status, 0);
  const out = await tempDir('resume-int');
  const child = spawn(process.execPath, [CLI, 'run', source, '--out', out, ...RUN_ARGS], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  // Interrupt once the first shard is committed, so the run is well under way.
  while (!(await readdir(`${out}/data`).catch(() => [])).some((f) => f.endsWith('.parquet'))) await new Promise((r) => setTimeout(r, 5));
  child.kill('SIGINT');
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  if (code === 0) return; // the run finished before the signal arrived: nothing to test on this machine's timing
  assert.equal(code, 130, stderr);
  assert.match(stderr, /interrupted: \d+ shard\(s\) with \d+ rows are committed in .*; run the same command with --resume to continue/);
  assert.deepEqual((await readdir(`${out}/data`)).filter((f) => !/^train-\d{5}\.parquet$/.test(f)), [], 'only committed shards remain');
  assert.equal(run(source, out, ['--resume']).status, 0);
  assert.deepEqual(await snapshot(out), await snapshot(cleanOut));
});

test('--resume refuses other options (naming them), a changed shard, and --overwrite; on an empty --out it starts a new run', async () => {
  const source = await fixture();
  const out = await tempDir('resume-opts');
  assert.equal(run(source, out, [], { REMUX_FAULT: 'shard-renamed:2' }).signal, 'SIGKILL');

  const changed = run(source, out, ['--resume', '--seed', '7', '--format', 'png']);
  assert.equal(changed.status, 2);
  // The killed run's lock is still there: taken over, with a note, since its process is gone.
  assert.match(changed.stderr, /^remux: took over .*\/\.remux\.lock from remux run \(pid \d+ on host .*\), which is no longer running\nremux: --resume: the output in .* was made with other options \(seed: 0 → 7; format: "jpeg" → "png"\): rerun with the original options, or start again with --overwrite or another --out\n$/);

  // A journal from a remux whose decoding gave other pixels (before output versions existed).
  const journalPath = `${out}/journal.json`;
  const journal = await readFile(journalPath, 'utf8');
  const older = JSON.parse(journal);
  delete older.fingerprint.outputVersion;
  await writeFile(journalPath, JSON.stringify(older));
  const olderRun = run(source, out, ['--resume']);
  assert.equal(olderRun.status, 2);
  assert.match(olderRun.stderr, /^remux: --resume: the output in .* was made by a remux whose output differs from this one's for the same options \(output version 1, this remux writes \d+\): start again with --overwrite or another --out, or finish it with the remux that started it\n$/);
  await writeFile(journalPath, journal);

  const again = run(source, out);
  assert.equal(again.status, 2);
  assert.equal(again.stderr, `remux: --out ${out} holds an unfinished run: run the same command with --resume to continue it, or pass --overwrite to replace it\n`);

  const both = run(source, out, ['--resume', '--overwrite']);
  assert.equal(both.stderr, 'remux: --resume and --overwrite contradict each other: --resume continues the output in --out, --overwrite replaces it\n');

  const shard = (await readdir(`${out}/data`)).find((f) => f.endsWith('.parquet'))!;
  const bytes = await readFile(`${out}/data/${shard}`);
  bytes[100] ^= 1;
  await writeFile(`${out}/data/${shard}`, bytes);
  const tampered = run(source, out, ['--resume']);
  assert.equal(tampered.status, 1);
  assert.match(tampered.stderr, new RegExp(`^remux: --resume: .*${shard} does not match the journal .*start again with --overwrite\\n$`));

  const empty = await tempDir('resume-empty');
  await mkdir(`${empty}/new`);
  const fresh = run(source, `${empty}/new`, ['--resume']);
  assert.equal(fresh.status, 0, fresh.stderr);
  assert.match(fresh.stderr, /nothing to resume in .*: starting a new run/);
});

test('library: an aborted signal stops with ERR_REMUX_INTERRUPTED and resume: true completes the same output', async () => {
  const source = await fixture();
  const options = { source, size: 32, copies: 2, rowsPerShard: 14, rowGroupSize: 7, workers: 2 };
  const cleanOut = await tempDir('resume-lib-clean');
  await remux({ ...options, out: cleanOut });
  const out = await tempDir('resume-lib');
  const controller = new AbortController();
  controller.abort();
  await assert.rejects(remux({ ...options, out, signal: controller.signal }), { code: 'ERR_REMUX_INTERRUPTED' });
  const summary = await remux({ ...options, out, resume: true });
  assert.equal(summary.rowsOut, (ROWS - BAD_ROWS.length) * 2);
  assert.equal(summary.skipped, BAD_ROWS.length);
  assert.deepEqual(await snapshot(out), await snapshot(cleanOut));
});
