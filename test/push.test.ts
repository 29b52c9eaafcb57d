import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import jpeg from 'jpeg-js';
import { finalizeOutputs, remux, type RemuxOptions } from '../src/index.js';
import { journalSaver, type Journal, type JournalShard } from '../src/sink/journal.js';
import { WHOLE } from '../src/sink/slice.js';
import { ensureRepo, pushTarget, ShardUploader, UPLOADS_IN_FLIGHT } from '../src/sink/upload.js';
import { listFiles } from '../src/source/files.js';
import type { RetryPolicy } from '../src/source/http.js';
import { startFakeHub, type FakeHub } from './helpers/fakeHub.js';
import { writeHfParquet } from './helpers/hfParquet.js';
import { sha256, tempDir } from './helpers/output.js';

// The machine's own hub settings must not leak into these tests.
delete process.env.HF_TOKEN;
delete process.env.HF_ENDPOINT;

const CLI = 'dist/src/cli/main.js';
const TOKEN = 'hf_PUSHsecret0123456789abcdef';
const ROWS = 40;
/** Library runs: the same options as RUN_ARGS. */
const RUN = { size: 32, copies: 2, rowsPerShard: 12, rowGroupSize: 6, workers: 2 } as const;
const RUN_ARGS = ['--size', '32', '--copies', '2', '--rows-per-shard', '12', '--row-group-size', '6', '--workers', '2', '--quiet'];
/** The delays the retries asked for; the tests wait for none of them. */
const delays: number[] = [];
const retry: Partial<RetryPolicy> = { attempts: 3, sleep: async (ms) => void delays.push(ms) };

let root: string;
let source: string;
let hub: FakeHub;
/** The hub files (path → sha256) and local files of one plain pushed run, what every other push must equal. */
let reference: Map<string, string>;

/** Small synthetic photos, one undecodable row, row groups of 8: 78 output rows in 7 shards. */
before(async () => {
  root = await tempDir('push-hub');
  const dir = await tempDir('push-src');
  const rows = Array.from({ length: ROWS }, (_, i) => {
    const width = 48 + (i % 3) * 8;
    const data = Buffer.alloc(width * 40 * 4);
    for (let p = 0; p < width * 40; p++) data.set([(p * 3 + i * 11) & 255, (p >> 4) & 255, (i * 29) & 255, 255], p * 4);
    return { bytes: i === 17 ? new Uint8Array([0xff, 0xd8, 0xff, 0]) : new Uint8Array(jpeg.encode({ data, width, height: 40 }, 90).data), label: i % 2 };
  });
  await writeHfParquet(`${dir}/train.parquet`, rows, { labelNames: ['a', 'b'], rowGroupSize: 8 });
  source = `${dir}/train.parquet`;
  hub = await startFakeHub({ root, token: TOKEN });
});

after(() => hub.close());

interface Ran {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** The CLI in a child process; asynchronously, since the fake hub answers from this process. */
function cli(args: string[], env: Record<string, string>): Promise<Ran> {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, HF_ENDPOINT: hub.url, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d));
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  return new Promise((resolve) => child.on('close', (status, signal) => resolve({ status, signal, stdout, stderr })));
}

const run = (out: string, extra: string[], env: Record<string, string> = {}) => cli(['run', source, '--out', out, ...RUN_ARGS, ...extra], env);

/** Every file of a hub repo's main branch, path → sha256. */
async function hubFiles(repo: string): Promise<Map<string, string>> {
  const dir = `${root}/${repo}/main`;
  const files = await listFiles(dir);
  return new Map(await Promise.all(files.map(async (f) => [f, sha256(await readFile(`${dir}/${f}`))] as [string, string])));
}

/** The files of a local output the hub should hold too: its shards, README.md and remux.json. */
async function localFiles(out: string): Promise<Map<string, string>> {
  const shards = (await readdir(`${out}/data`)).filter((f) => f.endsWith('.parquet')).map((f) => `data/${f}`);
  const files = [...shards, 'README.md', 'remux.json'].sort();
  return new Map(await Promise.all(files.map(async (f) => [f, sha256(await readFile(`${out}/${f}`))] as [string, string])));
}

const onlyShards = (files: Map<string, string>) => new Map([...files].filter(([path]) => path.endsWith('.parquet')));

/** How many times each path was uploaded: the `lfsFile` lines of the per-shard commits. */
function uploadsPerPath(repo: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const commit of hub.commits.filter((c) => c.repo === repo && c.summary.startsWith('remux: add'))) {
    for (const op of commit.operations) if (op.key === 'lfsFile') counts.set(op.path, (counts.get(op.path) ?? 0) + 1);
  }
  return counts;
}

/** Successful LFS PUTs of each object. */
function putsPerObject(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of hub.requests.filter((r) => r.method === 'PUT' && r.status === 200 && r.fault === null)) counts.set(r.url, (counts.get(r.url) ?? 0) + 1);
  return counts;
}

async function readJournal(out: string): Promise<Journal> {
  return JSON.parse(await readFile(`${out}/journal.json`, 'utf8')) as Journal;
}

/** Asserts the token is in no file of `out` and no request but in its Authorization header. */
async function assertNoToken(out: string, ...texts: string[]): Promise<void> {
  for (const text of texts) assert.ok(!text.includes(TOKEN), 'token in the output of the command');
  for (const file of await listFiles(out)) assert.ok(!(await readFile(`${out}/${file}`, 'latin1')).includes(TOKEN), `token in ${file}`);
  for (const request of hub.received) assert.ok(!request.includes(TOKEN), `token outside the Authorization header: ${request.slice(0, 80)}`);
}

test('--push-to-hub: the repo holds exactly the local output (shards, README.md, remux.json), each shard uploaded once, renamed without a second upload', async () => {
  hub.reset();
  const out = await tempDir('push-plain');
  const result = await run(out, ['--push-to-hub', 'owner/plain'], { HF_TOKEN: TOKEN });
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stderr, /remux: pushed 7 shard\(s\) to hub dataset owner\/plain\n/);
  const local = await localFiles(out);
  assert.equal(onlyShards(local).size, 7);
  const onHub = await hubFiles('owner/plain');
  assert.deepEqual(onHub, local);
  reference = onHub;

  // One upload per interim path; the final commit points the final names at those objects.
  const uploads = uploadsPerPath('owner/plain');
  assert.deepEqual([...uploads.keys()].sort(), Array.from({ length: 7 }, (_, i) => `data/train-0000${i}.parquet`));
  assert.ok([...uploads.values()].every((n) => n === 1));
  assert.ok([...putsPerObject().values()].every((n) => n === 1));
  assert.equal(putsPerObject().size, 7);
  const final = hub.commits.at(-1)!;
  assert.deepEqual(final.operations.filter((o) => o.key === 'lfsFile').map((o) => o.path), [...onlyShards(local).keys()]);
  assert.equal(final.operations.filter((o) => o.key === 'deletedFile').length, 7);
  assert.deepEqual(final.operations.filter((o) => o.key === 'file').map((o) => o.path), ['README.md', 'remux.json']);
  assert.ok(hub.requests.every((r) => !r.url.includes('xet')), 'no Xet route was asked for');

  const journal = await readJournal(out);
  assert.deepEqual(journal.shards.map((s) => s.uploaded), [...uploads.keys()].sort());
  assert.equal(journal.fingerprint.pushToHub, 'owner/plain');
  await assertNoToken(out, result.stdout, result.stderr);
});

test('--delete-uploaded: no shard is left locally, yet the hub has them all; --token works as HF_TOKEN does', async () => {
  hub.reset();
  const out = await tempDir('push-delete');
  const result = await run(out, ['--push-to-hub', 'owner/deleted', '--delete-uploaded', '--token', TOKEN]);
  assert.equal(result.status, 0, result.stderr);
  assert.deepEqual(await readdir(`${out}/data`), []);
  const onHub = await hubFiles('owner/deleted');
  assert.deepEqual(onlyShards(onHub), onlyShards(reference));
  assert.equal(onHub.get('README.md'), sha256(await readFile(`${out}/README.md`)));
  assert.equal(onHub.get('remux.json'), sha256(await readFile(`${out}/remux.json`)));
  const manifest = JSON.parse(await readFile(`${out}/remux.json`, 'utf8')) as { shards: Array<{ file: string; sha256: string }> };
  assert.deepEqual(manifest.shards.map((s) => [s.file, s.sha256]), [...onlyShards(reference)]);
  await assertNoToken(out, result.stdout, result.stderr);

  // Resuming the finished run trusts the journal for the shards only the hub has.
  const again = await run(out, ['--push-to-hub', 'owner/deleted', '--delete-uploaded', '--resume'], { HF_TOKEN: TOKEN });
  assert.equal(again.status, 0, again.stderr);
  assert.deepEqual(onlyShards(await hubFiles('owner/deleted')), onlyShards(reference));
});

const pushOptions = (out: string, repo: string, extra: Partial<RemuxOptions> = {}): RemuxOptions => ({ source, out, ...RUN, pushToHub: repo, token: TOKEN, endpoint: hub.url, retry, ...extra });

test('failed uploads (500 on the upload, a cut connection, 429 on a commit, 500 on a preupload) are retried with backoff and the result is identical', async () => {
  hub.reset();
  delays.length = 0;
  hub.inject({ kind: '500', match: /^\/lfs-upload\// });
  // A cut needs a body to cut: the LFS batch answer (an upload's answer is empty).
  hub.inject({ kind: 'cut', match: /\/info\/lfs\/objects\/batch$/, skip: 2 });
  hub.inject({ kind: '429', match: /\/commit\/main$/, skip: 3 });
  hub.inject({ kind: '500', match: /\/preupload\//, skip: 4 });
  const out = await tempDir('push-retry');
  await remux(pushOptions(out, 'owner/retried', { deleteUploaded: true }));
  assert.deepEqual(hub.requests.filter((r) => r.fault).map((r) => r.fault).sort(), ['429', '500', '500', 'cut']);
  assert.equal(delays.length, 4, 'each failure waited before its retry');
  assert.deepEqual(onlyShards(await hubFiles('owner/retried')), onlyShards(reference));
  assert.ok([...uploadsPerPath('owner/retried').values()].every((n) => n === 1));
});

test('an upload failing for good stops the run with one line, shards and journal intact; --resume uploads the rest and finishes', async () => {
  hub.reset();
  const out = await tempDir('push-fail');
  hub.inject({ kind: '500', match: /^\/lfs-upload\//, skip: 2, times: 1000 });
  await assert.rejects(remux(pushOptions(out, 'owner/failing', { deleteUploaded: true })), (error: Error & { code?: string }) => {
    assert.equal(error.code, 'ERR_REMUX_PUSH');
    assert.match(error.message, /^--push-to-hub owner\/failing: uploading data\/train-0000\d\.parquet failed \(PUT \/lfs-upload\/owner\/failing\/[0-9a-f]{64}: gave up after 3 attempts; last status 500\); the \d+ committed shard\(s\) and the journal in .* are intact: run the same command with --resume$/);
    return true;
  });
  const journal = await readJournal(out);
  const uploaded = journal.shards.filter((s) => s.uploaded);
  assert.equal(uploaded.length, 2);
  assert.ok(journal.shards.length > 2 && !journal.finished);
  // Uploaded shards are gone; the others are there to be uploaded.
  assert.deepEqual((await readdir(`${out}/data`)).sort(), journal.shards.filter((s) => !s.uploaded).map((s) => s.file));

  hub.reset();
  await remux(pushOptions(out, 'owner/failing', { deleteUploaded: true, resume: true }));
  assert.deepEqual(onlyShards(await hubFiles('owner/failing')), onlyShards(reference));
  const notYet = Array.from({ length: 7 }, (_, i) => `data/train-0000${i}.parquet`).filter((p) => !uploaded.some((s) => s.uploaded === p));
  assert.deepEqual([...uploadsPerPath('owner/failing').keys()].sort(), notYet, 'the resumed run uploads exactly the shards the hub lacks');
  assert.ok([...uploadsPerPath('owner/failing').values()].every((n) => n === 1));
  assert.deepEqual(await readdir(`${out}/data`), []);
});

test('a run killed (SIGKILL) mid-push and resumed uploads every shard exactly once and ends identical', async () => {
  // Journal writes: 1 at the start, 7 shard commits, 7 uploads, 1 at the end.
  for (const point of ['shard-renamed:3', 'journal-written:6', 'journal-written:15']) {
    hub.reset();
    const repo = `owner/killed-${point.replace(':', '-')}`;
    const out = await tempDir('push-kill');
    const args = ['--push-to-hub', repo, '--delete-uploaded'];
    const crashed = await run(out, args, { HF_TOKEN: TOKEN, REMUX_FAULT: point });
    assert.equal(crashed.signal, 'SIGKILL', `${point} did not crash: ${crashed.stderr}`);
    const resumed = await run(out, [...args, '--resume'], { HF_TOKEN: TOKEN });
    assert.equal(resumed.status, 0, `${point}: ${resumed.stderr}`);
    const onHub = await hubFiles(repo);
    assert.deepEqual(onlyShards(onHub), onlyShards(reference), point);
    assert.equal(onHub.get('remux.json'), sha256(await readFile(`${out}/remux.json`)), point);
    const uploads = uploadsPerPath(repo);
    assert.equal(uploads.size, 7, point);
    assert.ok([...uploads.values()].every((n) => n === 1), `${point}: ${JSON.stringify([...uploads])}`);
    assert.ok([...putsPerObject().values()].every((n) => n === 1), point);
    assert.deepEqual(await readdir(`${out}/data`), [], point);
  }
});

test('--push-to-hub refuses a bad repo id, a missing token, --delete-uploaded alone, and a resume to another repo', async () => {
  const out = await tempDir('push-usage');
  const bad = await run(out, ['--push-to-hub', 'not a repo'], { HF_TOKEN: TOKEN });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--push-to-hub/);
  const noToken = await run(out, ['--push-to-hub', 'owner/x']);
  assert.equal(noToken.status, 2);
  assert.equal(noToken.stderr, 'remux: --push-to-hub owner/x: writing to the hub needs an access token with write access: pass --token or set HF_TOKEN\n');
  const alone = await run(out, ['--delete-uploaded']);
  assert.equal(alone.stderr, 'remux: --delete-uploaded removes local shards once the hub has them: it needs --push-to-hub owner/name\n');

  assert.equal((await run(out, ['--push-to-hub', 'owner/first'], { HF_TOKEN: TOKEN, REMUX_FAULT: 'shard-renamed:2' })).signal, 'SIGKILL');
  const other = await run(out, ['--push-to-hub', 'owner/second', '--resume'], { HF_TOKEN: TOKEN });
  assert.equal(other.status, 2);
  assert.match(other.stderr, /other options \(pushToHub: "owner\/first" → "owner\/second"\)/);
  const denied = await run(await tempDir('push-denied'), ['--push-to-hub', 'owner/y'], { HF_TOKEN: 'hf_wrongtoken' });
  assert.equal(denied.status, 1);
  assert.match(denied.stderr, /^remux: --push-to-hub owner\/y: cannot create the dataset repo \(HTTP 401: .*\); check the repo id and that HF_TOKEN or --token may write to it\n$/);
});

test('partitioned run: each slice uploads its own shards, remux finalize makes the one final hub commit', async () => {
  hub.reset();
  const out = await tempDir('push-slices');
  for (const index of [0, 1]) {
    const slice = await run(out, ['--push-to-hub', 'owner/sliced', '--delete-uploaded', '--num-shards', '2', '--shard-index', String(index)], { HF_TOKEN: TOKEN });
    assert.equal(slice.status, 0, slice.stderr);
    assert.match(slice.stderr, /remux finalize .* \(with HF_TOKEN set: it makes the final commit to the hub\)/);
  }
  const interim = [...(await hubFiles('owner/sliced')).keys()];
  assert.ok(interim.length > 0 && interim.every((p) => /^data\/train-slice0000[01]-of-00002-\d{5}\.parquet$/.test(p)), interim.join());

  const refused = await cli(['finalize', out], {});
  assert.equal(refused.status, 2, 'no token: nothing moves');
  const finalized = await cli(['finalize', out], { HF_TOKEN: TOKEN });
  assert.equal(finalized.status, 0, finalized.stderr);
  assert.match(finalized.stdout, /pushed to hub dataset owner\/sliced/);
  const onHub = await hubFiles('owner/sliced');
  const names = [...onlyShards(onHub).keys()];
  assert.ok(names.every((p, i) => p === `data/train-${String(i).padStart(5, '0')}-of-${String(names.length).padStart(5, '0')}.parquet`), names.join());
  const manifest = JSON.parse(await readFile(`${out}/remux.json`, 'utf8')) as { shards: Array<{ file: string; sha256: string }>; counts: { rowsOut: number } };
  assert.deepEqual(manifest.shards.map((s) => [s.file, s.sha256]), [...onlyShards(onHub)]);
  assert.equal(manifest.counts.rowsOut, 78);
  assert.equal(onHub.get('README.md'), sha256(await readFile(`${out}/README.md`)));

  // Finalizing again changes nothing on the hub but the card and remux.json.
  await finalizeOutputs([out], { endpoint: hub.url, token: TOKEN });
  assert.deepEqual(onlyShards(await hubFiles('owner/sliced')), onlyShards(onHub));
  assert.deepEqual(hub.commits.at(-1)!.operations.map((o) => o.key), ['file', 'file']);
  await assertNoToken(out, finalized.stdout, finalized.stderr);
});

test('the upload queue: with two uploads in flight the next shard waits; a shard the hub got before a crash is recorded, not uploaded again', async () => {
  hub.reset();
  const out = await tempDir('push-queue');
  await mkdir(`${out}/data`);
  const journal = { version: 1, slice: WHOLE, fingerprint: {}, record: { manifest: {}, card: { split: 'train' } }, rowsPerShard: null, shards: [], counts: { rowsIn: 0, rowsOut: 0, skipped: 0 }, finished: false } as unknown as Journal;
  for (let i = 0; i < 4; i++) {
    const bytes = new TextEncoder().encode(`PAR1 shard ${i} PAR1`);
    const file = `train-0000${i}.parquet`;
    await writeFile(`${out}/data/${file}`, bytes);
    journal.shards.push({ file, rows: 1, bytes: bytes.length, sha256: sha256(bytes), next: { sourceIndex: i + 1, copy: 0 } });
  }
  const target = pushTarget('owner/queue', { endpoint: hub.url, token: TOKEN, retry });
  await ensureRepo(target);
  const uploader = new ShardUploader({ target, out, journal, save: journalSaver(out, journal), deleteUploaded: true });
  const gate = hub.hold(/^\/lfs-upload\//);
  const [first, second, third, fourth] = journal.shards as JournalShard[];
  await uploader.add(first);
  await uploader.add(second);
  let thirdAdded = false;
  const adding = uploader.add(third).then(() => (thirdAdded = true));
  while (gate.held() < UPLOADS_IN_FLIGHT) await new Promise((resolve) => setTimeout(resolve, 5));
  // Both uploads wait at the hub, so the queue cannot have taken a third one.
  assert.equal(thirdAdded, false);
  assert.equal((await readdir(`${out}/data`)).length, 4, 'nothing is deleted before the hub has it');
  gate.release();
  await adding;
  await uploader.add(fourth);
  await uploader.drain();
  assert.deepEqual(await readdir(`${out}/data`), []);
  assert.deepEqual(journal.shards.map((s) => s.uploaded), journal.shards.map((s) => `data/${s.file}`));
  assert.deepEqual((await readJournal(out)).shards.map((s) => s.uploaded), journal.shards.map((s) => `data/${s.file}`));
  const commits = hub.commits.length;

  // As after a crash between the hub's answer and the journal write: the hub has it, the journal does not say so.
  delete fourth.uploaded;
  const resumed = new ShardUploader({ target, out, journal, save: journalSaver(out, journal), deleteUploaded: true });
  await resumed.resume();
  await resumed.drain();
  assert.equal(fourth.uploaded, `data/${fourth.file}`);
  assert.equal(hub.commits.length, commits, 'no second upload');
});

test('a hub that echoes the Authorization header in its errors (repo creation, a commit): the token is in no message', async () => {
  for (const route of [/^\/api\/repos\/create$/, /\/preupload\//]) {
    const echoing = await startFakeHub({ root, token: TOKEN, echoAuthorization: route });
    try {
      const out = await tempDir('push-echo');
      const result = await run(out, ['--push-to-hub', 'owner/echo'], { HF_TOKEN: TOKEN, HF_ENDPOINT: echoing.url });
      assert.equal(result.status, 1, result.stderr);
      // The hub's words come through, its echo of the header redacted.
      assert.match(result.stderr, /HTTP 400: Bad request \(Authorization: Bearer \*\*\*\)/, `${route}: ${result.stderr}`);
      await assertNoToken(out, result.stdout, result.stderr);
    } finally {
      await echoing.close();
    }
  }
});
