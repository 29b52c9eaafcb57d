import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { test } from 'node:test';
import jpeg from 'jpeg-js';
import { sliceRows } from '../src/sink/slice.js';
import { writeHfParquet } from './helpers/hfParquet.js';
import { digest, readOutput, sha256, tempDir } from './helpers/output.js';

const CLI = 'dist/src/cli/main.js';
const ARGS = ['--size', '32', '--copies', '2', '--rows-per-shard', '10', '--row-group-size', '5', '--workers', '1', '--quiet'];

test('slices are contiguous, disjoint, cover every row, and never split a chunk', () => {
  const chunks = [10, 10, 7, 10, 3, 10, 10, 1];
  const total = chunks.reduce((a, b) => a + b, 0);
  const starts = chunks.map((_, i) => chunks.slice(0, i).reduce((a, b) => a + b, 0));
  for (const count of [1, 2, 3, 5, 8, 11]) {
    const slices = Array.from({ length: count }, (_, index) => sliceRows(chunks, { index, count }));
    assert.equal(slices[0].start, 0, `K=${count}`);
    assert.equal(slices.at(-1)!.end, total, `K=${count}`);
    for (let i = 1; i < count; i++) assert.equal(slices[i].start, slices[i - 1].end, `K=${count} slice ${i}`);
    for (const s of slices) if (s.start < s.end) assert.ok(starts.includes(s.start) && (starts.includes(s.end) || s.end === total), `K=${count}: ${s.start}-${s.end}`);
  }
  assert.deepEqual(sliceRows(chunks, { index: 1, count: 2 }, 25), { start: 20, end: 25 }, 'a limit cuts the last slice');
  assert.deepEqual(sliceRows([100], { index: 1, count: 2 }), { start: 100, end: 100 }, 'more slices than chunks: an empty slice');
});

async function fixture(): Promise<string> {
  const dir = await tempDir('part-src');
  await mkdir(`${dir}/data`);
  const make = (i: number) => {
    const data = Buffer.alloc(48 * 40 * 4);
    for (let p = 0; p < 48 * 40; p++) data.set([(p + i * 9) & 255, (p >> 3) & 255, (i * 40) & 255, 255], p * 4);
    return new Uint8Array(jpeg.encode({ data, width: 48, height: 40 }, 90).data);
  };
  const rows = (from: number, n: number) => Array.from({ length: n }, (_, k) => ({ bytes: from + k === 23 ? new Uint8Array([1, 2, 3]) : make(from + k), label: (from + k) % 4 }));
  await writeHfParquet(`${dir}/data/train-00000-of-00002.parquet`, rows(0, 34), { labelNames: ['a', 'b', 'c', 'd'], rowGroupSize: 6 });
  await writeHfParquet(`${dir}/data/train-00001-of-00002.parquet`, rows(34, 27), { labelNames: ['a', 'b', 'c', 'd'], rowGroupSize: 6 });
  return dir;
}

const runSync = (args: string[], env: Record<string, string> = {}) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });

function runAsync(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stderr })));
}

async function result(out: string) {
  const { files, rows } = await readOutput(out);
  const manifest = JSON.parse(await readFile(`${out}/remux.json`, 'utf8'));
  const errors = (await readFile(`${out}/errors.jsonl`, 'utf8')).trim().split('\n').map((l) => JSON.parse(l).source_index);
  return { files, rows: digest(rows), counts: manifest.counts, errors };
}

test('3 workers as separate processes into one directory, then finalize, equal a single-process run row by row', async () => {
  const source = await fixture();
  const single = await tempDir('part-single');
  assert.equal(runSync(['run', source, '--out', single, ...ARGS]).status, 0);
  const expected = await result(single);

  const shared = await tempDir('part-shared');
  const workers = await Promise.all([0, 1, 2].map((i) => runAsync(['run', source, '--out', shared, ...ARGS, '--num-shards', '3', '--shard-index', String(i)])));
  for (const w of workers) {
    assert.equal(w.code, 0, w.stderr);
    assert.match(w.stderr, /slice \d of 3 is complete; once every slice is, run: remux finalize /);
  }
  assert.ok(!(await readdir(shared)).includes('remux.json'), 'no manifest before finalize');
  const finalized = runSync(['finalize', shared]);
  assert.equal(finalized.status, 0, finalized.stderr);
  assert.match(finalized.stdout, /finalized 3 slice\(s\) into \d+ shard\(s\)/);
  const joined = await result(shared);
  assert.deepEqual(joined.rows, expected.rows);
  assert.deepEqual(joined.counts, expected.counts);
  assert.deepEqual(joined.errors, [23]);
  assert.ok(joined.files.every((f, n) => f === `train-${String(n).padStart(5, '0')}-of-${String(joined.files.length).padStart(5, '0')}.parquet`), joined.files.join());
  assert.equal(runSync(['finalize', shared]).status, 0, 'finalize again changes nothing');
  assert.deepEqual((await result(shared)).rows, expected.rows);

  // Per-pod outputs (no shared disk): one directory per slice, the index from a Kubernetes Indexed Job.
  const outs = await Promise.all([0, 1, 2].map(() => tempDir('part-pod')));
  for (const [i, out] of outs.entries()) {
    const pod = runSync(['run', source, '--out', out, ...ARGS, '--num-shards', '3'], { JOB_COMPLETION_INDEX: String(i) });
    assert.equal(pod.status, 0);
    assert.match(pod.stderr, new RegExp(`once every slice is, run: remux finalize ${out} \\(adding the --out of each slice that wrote elsewhere: 1 of 3 are here\\)\n$`));
  }
  assert.ok((await readdir(outs[2])).includes('journal-00002-of-00003.json'));
  assert.equal(runSync(['finalize', ...outs]).status, 0);
  assert.deepEqual((await result(outs[0])).rows, expected.rows);
});

test('more slices than row groups: the empty slices finish, and finalize leaves no empty shard in the dataset', async () => {
  const source = await fixture(); // 11 row groups
  const single = await tempDir('part-single-empty');
  assert.equal(runSync(['run', source, '--out', single, ...ARGS]).status, 0);
  const expected = await result(single);

  const shared = await tempDir('part-empty');
  for (let i = 0; i < 13; i++) assert.equal(runSync(['run', source, '--out', shared, ...ARGS, '--num-shards', '13', '--shard-index', String(i)]).status, 0, `slice ${i}`);
  const journals = await Promise.all((await readdir(shared)).filter((f) => f.startsWith('journal-')).map(async (f) => JSON.parse(await readFile(`${shared}/${f}`, 'utf8'))));
  const empty = journals.flatMap((j) => j.shards).filter((s) => s.rows === 0);
  assert.ok(empty.length >= 2, `the empty slices each wrote an empty shard (${empty.length})`);
  const finalized = runSync(['finalize', shared]);
  assert.equal(finalized.status, 0, finalized.stderr);
  const joined = await result(shared);
  assert.deepEqual(joined.rows, expected.rows);
  const manifest = JSON.parse(await readFile(`${shared}/remux.json`, 'utf8'));
  assert.ok(manifest.shards.every((s: { rows: number }) => s.rows > 0), 'no empty shard listed');
  assert.deepEqual(joined.files, manifest.shards.map((s: { file: string }) => s.file.replace('data/', '')), 'no other file left in data/');
  assert.equal(runSync(['finalize', shared]).status, 0, 'finalize again changes nothing');
  assert.deepEqual((await result(shared)).rows, expected.rows);
});

test('finalize refuses a missing slice, an unfinished one, and slices run with other options, naming each', async () => {
  const source = await fixture();
  const out = await tempDir('part-gaps');
  assert.equal(runSync(['run', source, '--out', out, ...ARGS, '--num-shards', '3', '--shard-index', '0']).status, 0);
  const missing = runSync(['finalize', out]);
  assert.equal(missing.status, 2);
  assert.equal(missing.stderr, `remux: remux finalize: 2 of 3 slices missing (journal-00001-of-00003.json, journal-00002-of-00003.json not found in ${out}): run those workers first\n`);

  assert.equal(runSync(['run', source, '--out', out, ...ARGS, '--num-shards', '3', '--shard-index', '1'], { REMUX_FAULT: 'shard-renamed:2' }).signal, 'SIGKILL');
  assert.equal(runSync(['run', source, '--out', out, ...ARGS, '--num-shards', '3', '--shard-index', '2', '--seed', '9']).status, 0);
  const unfinished = runSync(['finalize', out]);
  assert.match(unfinished.stderr, /^remux: remux finalize: slice 2 of 3 in .* was run with other options than slice 0 of 3 in .* \(seed: 0 → 9\)\n$/);
  assert.equal(runSync(['run', source, '--out', out, ...ARGS, '--num-shards', '3', '--shard-index', '2', '--overwrite']).status, 0);
  assert.match(runSync(['finalize', out]).stderr, /^remux: remux finalize: slice 1 of 3 in .* is not finished \(\d shard\(s\) committed\): run its worker again with --resume\n$/);
  assert.equal(runSync(['run', source, '--out', out, ...ARGS, '--num-shards', '3', '--shard-index', '1', '--resume']).status, 0);
  assert.equal(runSync(['finalize', out]).status, 0);

  const bad = runSync(['run', source, '--out', await tempDir('part-bad'), ...ARGS, '--num-shards', '3', '--shard-index', '3']);
  assert.equal(bad.stderr, 'remux: expected an integer below --num-shards 3 for --shard-index but received 3\n');
  const again = runSync(['run', source, '--out', out, ...ARGS, '--num-shards', '3', '--shard-index', '0']);
  assert.match(again.stderr, /already holds a remux output|already holds slice 0 of 3/);
});

test('a slice killed before its first journal entry resumes from its own first row, not the source\'s', async () => {
  const source = await fixture();
  const single = await tempDir('part-single2');
  assert.equal(runSync(['run', source, '--out', single, ...ARGS]).status, 0);
  const out = await tempDir('part-early');
  for (const i of [0, 2]) assert.equal(runSync(['run', source, '--out', out, ...ARGS, '--num-shards', '3', '--shard-index', String(i)]).status, 0);
  assert.equal(runSync(['run', source, '--out', out, ...ARGS, '--num-shards', '3', '--shard-index', '1'], { REMUX_FAULT: 'shard-renamed:1' }).signal, 'SIGKILL');
  const resumed = runSync(['run', source, '--out', out, ...ARGS, '--num-shards', '3', '--shard-index', '1', '--resume']);
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.match(resumed.stderr, new RegExp(`once every slice is, run: remux finalize ${out}\n$`), 'every slice is in this directory: it alone is named');
  assert.equal(runSync(['finalize', out]).status, 0);
  const [joined, expected] = [await result(out), await result(single)];
  assert.deepEqual(joined.rows, expected.rows);
  assert.deepEqual(joined.counts, expected.counts);
});

/** Every file under `out` with its sha256: what a refused finalize must leave as it was. */
async function listing(out: string): Promise<string[]> {
  const files = [...(await readdir(out)).filter((f) => f !== 'data'), ...(await readdir(`${out}/data`)).map((f) => `data/${f}`)];
  return Promise.all(files.sort().map(async (f) => `${f} ${sha256(await readFile(`${out}/${f}`))}`));
}

test('finalize refuses a shard replaced after its slice finished, naming it and renaming nothing; resuming a finalized slice says so', async () => {
  const source = await fixture();
  const out = await tempDir('part-replaced');
  for (const i of [0, 1, 2]) assert.equal(runSync(['run', source, '--out', out, ...ARGS, '--num-shards', '3', '--shard-index', String(i)]).status, 0);
  const [replaced, other] = [`${out}/data/train-slice00001-of-00003-00000.parquet`, `${out}/data/train-slice00002-of-00003-00000.parquet`];
  const original = await readFile(replaced);
  await copyFile(other, replaced); // a valid parquet shard, with other rows
  const before = await listing(out);
  const refused = runSync(['finalize', out]);
  assert.equal(refused.status, 1);
  assert.match(refused.stderr, new RegExp(`^remux: remux finalize: ${replaced} does not match its journal \\(\\d+ bytes, \\d+ rows, sha256 [0-9a-f]{12}…, but \\d+ bytes, \\d+ rows, [0-9a-f]{12}… were committed\\): it changed after its slice finished; nothing was renamed \\(run that slice again with --overwrite, or put the original file back\\)\n$`));
  assert.deepEqual(await listing(out), before, 'the output is untouched');

  await writeFile(replaced, original);
  assert.equal(runSync(['finalize', out]).status, 0);
  const resumed = runSync(['run', source, '--out', out, ...ARGS, '--num-shards', '3', '--shard-index', '1', '--resume']);
  assert.equal(resumed.status, 2);
  assert.equal(resumed.stderr, `remux: --resume: slice 1 of 3 in ${out} is finished and already finalized (${out}/remux.json lists its shards): nothing to resume; the dataset in ${out} is complete (to make this slice again, use a new --out)\n`);
});
