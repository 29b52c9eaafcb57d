import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { parquetMetadata } from 'hyparquet';
import sharp from 'sharp';
import { parseRunArgs, runHelp } from '../src/cli/args.js';
import { redact } from '../src/errors.js';
import { remux } from '../src/index.js';
import { listFiles } from '../src/source/files.js';
import { CONVERSION_REVISION, configOfPath } from '../src/source/hub.js';
import { hubRepoOf } from '../src/source/hubRepo.js';
import { backoff, retryAfter, type RetryPolicy } from '../src/source/http.js';
import { openSource, type SourceOptions, type SourceRow } from '../src/source/index.js';
import { groupsFrom } from '../src/source/parquetRows.js';
import { startFakeHub, type FakeHub, type Fault, type FaultKind } from './helpers/fakeHub.js';
import { writeHfParquet, type FixtureRow } from './helpers/hfParquet.js';
import { digest, readOutput, tempDir } from './helpers/output.js';
import { SAMPLE_CLASSES, samplePhotos } from './helpers/samplePhotos.js';

// The machine's own hub settings must not leak into these tests.
delete process.env.HF_TOKEN;
delete process.env.HF_ENDPOINT;

const TOKEN = 'hf_SECRETtoken0123456789abcdef';
const CONVERSION_DIR = encodeURIComponent(CONVERSION_REVISION);

let root: string;
let hub: FakeHub;
/** The delays the retries asked for; the tests wait for none of them. */
const delays: number[] = [];
const retry: Partial<RetryPolicy> = { attempts: 4, sleep: async (ms) => void delays.push(ms) };

/** `owner/photos` stores parquet (train in two files, test), `owner/folder` images with a parquet conversion (configs default and other), `owner/plain` neither. */
before(async () => {
  root = await tempDir('hub');
  const photos = await samplePhotos();
  const rows: FixtureRow[] = await Promise.all(
    photos.map(async (p, i) => ({ bytes: new Uint8Array(await sharp(p.bytes).resize(48, 48).jpeg().toBuffer()), label: p.label, caption: `caption ${i}` })),
  );
  rows[5].bytes = null;
  rows[9].bytes = new Uint8Array([1, 2, 3]);
  const write = async (path: string, slice: FixtureRow[]) => {
    await mkdir(path.slice(0, path.lastIndexOf('/')), { recursive: true });
    await writeHfParquet(path, slice, { labelNames: SAMPLE_CLASSES, rowGroupSize: 4 });
  };
  await write(`${root}/owner/photos/main/data/train-00000-of-00002.parquet`, rows.slice(0, 14));
  await write(`${root}/owner/photos/main/data/train-00001-of-00002.parquet`, rows.slice(14, 24));
  await write(`${root}/owner/photos/main/data/test-00000-of-00001.parquet`, rows.slice(24));
  await writeFile(`${root}/owner/photos/main/README.md`, '# photos\n');
  await mkdir(`${root}/owner/folder/main/train/cat`, { recursive: true });
  await writeFile(`${root}/owner/folder/main/train/cat/0.jpg`, rows[0].bytes!);
  await write(`${root}/owner/folder/${CONVERSION_DIR}/default/train/0000.parquet`, rows.slice(0, 8));
  await write(`${root}/owner/folder/${CONVERSION_DIR}/default/validation/0000.parquet`, rows.slice(8, 10));
  await write(`${root}/owner/folder/${CONVERSION_DIR}/other/train/0000.parquet`, rows.slice(10, 13));
  await mkdir(`${root}/owner/plain/main`, { recursive: true });
  await writeFile(`${root}/owner/plain/main/README.md`, '# no data\n');
  hub = await startFakeHub({ root });
});

after(() => hub.close());

const hubOptions = (extra: Partial<SourceOptions> = {}): SourceOptions => ({ keepColumns: [], endpoint: hub.url, retry, ...extra });

async function readAll(spec: string, options: SourceOptions, fromIndex?: number): Promise<SourceRow[]> {
  const source = await openSource(spec, options);
  const rows: SourceRow[] = [];
  for await (const chunk of source.chunks(fromIndex)) rows.push(...chunk);
  return rows;
}

const resolveRequests = () => hub.requests.filter((r) => r.url.includes('/resolve/'));

test('source specs: owner/name and hf://datasets/owner/name are hub datasets; local paths and .parquet names are not', () => {
  assert.equal(hubRepoOf('owner/name'), 'owner/name');
  assert.equal(hubRepoOf('hf://datasets/ylecun/mnist'), 'ylecun/mnist');
  assert.equal(hubRepoOf('Org-1/data_set.v2'), 'Org-1/data_set.v2');
  for (const spec of ['name', 'a/b/c', './a', '-a/b', 'a/b-', 'a/b--c', 'a/b..c', 'a b/c', 'hf://models/a/b']) assert.equal(hubRepoOf(spec), null, spec);
  assert.equal(configOfPath('data/train-00000-of-00001.parquet', false), 'default');
  assert.equal(configOfPath('cats/train-00000-of-00001.parquet', false), 'cats');
  assert.equal(configOfPath('train/0000.parquet', false), 'default');
  assert.equal(configOfPath('other/train/0000.parquet', true), 'other');
});

test('a local path that exists wins over a hub dataset; hub options on a local source are refused', async () => {
  const dir = await tempDir('local-wins');
  await mkdir(`${dir}/owner/photos`, { recursive: true });
  await writeHfParquet(`${dir}/owner/photos/x.parquet`, [{ bytes: new Uint8Array([1]), label: 0 }]);
  const cwd = process.cwd();
  process.chdir(dir);
  try {
    const source = await openSource('owner/photos', { keepColumns: [] });
    assert.equal(source.totalRows, 1);
    await assert.rejects(openSource('owner/photos', { keepColumns: [], config: 'x' }), { message: '--config: for hub datasets (owner/name) only; this source is local' });
  } finally {
    process.chdir(cwd);
  }
  await assert.rejects(openSource('hf://datasets/a/b/c', hubOptions()), { message: 'expected hf://datasets/owner/name for source but received "hf://datasets/a/b/c"' });
});

test('listing, split and config: train by default, --split, the conversion of a repo stored otherwise, --config', async () => {
  hub.requests.length = 0;
  const photos = await openSource('owner/photos', hubOptions());
  assert.deepEqual([photos.split, photos.totalRows, photos.labelNames, photos.hasLabels], ['train', 24, SAMPLE_CLASSES, true]);
  assert.deepEqual(photos.notes, ['hub dataset owner/photos has splits test, train: reading train (choose another with --split)']);
  // Page size 3: the listing followed its Link headers.
  assert.ok(hub.requests.filter((r) => r.url.includes('/tree/')).length > 1);
  assert.equal((await openSource('hf://datasets/owner/photos', hubOptions({ split: 'test' }))).totalRows, 4);

  const folder = await openSource('owner/folder', hubOptions());
  assert.deepEqual([folder.split, folder.totalRows], ['train', 8]);
  assert.deepEqual(folder.notes, [
    "hub dataset owner/folder stores no parquet files at main: reading the hub's parquet conversion (refs/convert/parquet)",
    'hub dataset owner/folder has configs default, other: reading default (choose another with --config)',
    'hub dataset owner/folder has splits train, validation: reading train (choose another with --split)',
  ]);
  assert.equal((await openSource('owner/folder', hubOptions({ split: 'val' }))).totalRows, 2);
  const other = await openSource('owner/folder', hubOptions({ config: 'other' }));
  assert.deepEqual([other.split, other.totalRows], ['train', 3]);
  assert.equal((await readAll('owner/folder', hubOptions({ config: 'other' })))[0].file, 'other/train/0000.parquet');
  await assert.rejects(openSource('owner/folder', hubOptions({ config: 'nope' })), { message: '--config nope: hub dataset owner/folder has no such config; it has default, other' });
  await assert.rejects(openSource('owner/photos', hubOptions({ split: 'dev2' })), { message: '--split dev2: hub dataset owner/photos has no such split; it has test, train' });
});

test('a repo with neither parquet files nor a conversion, a missing repo or revision, a bad option: one line each', async () => {
  await assert.rejects(openSource('owner/plain', hubOptions()), { name: 'UsageError', message: 'hub dataset owner/plain has no parquet files at revision main and no parquet conversion (refs/convert/parquet)' });
  await assert.rejects(openSource('hf://datasets/owner/missing', hubOptions()), { name: 'UsageError', message: 'hub dataset owner/missing: not found at revision main (HTTP 404); check the repo id and --revision' });
  await assert.rejects(openSource('owner/photos', hubOptions({ revision: 'v9' })), { message: 'hub dataset owner/photos: not found at revision v9 (HTTP 404); check the repo id and --revision' });
  await assert.rejects(openSource('owner/photos', hubOptions({ endpoint: 'ftp://127.0.0.1' })), { message: 'expected an http(s) URL for --endpoint but received "ftp://127.0.0.1"' });
  await assert.rejects(openSource('owner/photos', hubOptions({ endpoint: 'ftp://u:secret@127.0.0.1' })), { message: 'expected an http(s) URL for --endpoint but received "ftp://***@127.0.0.1"' });
  await assert.rejects(openSource('owner/photos', hubOptions({ revision: '' })), { message: 'expected a non-empty name for --revision but received ""' });
});

test('owner/name that is neither a local path nor on the hub (a mistyped path): one line naming both and the hub asked, a 404, 401 or 403 not retried', async () => {
  hub.reset();
  await assert.rejects(openSource('ds/pqq', hubOptions()), { name: 'UsageError', message: `source ds/pqq: no such file or directory, and the hub at ${hub.url} has no dataset ds/pqq (HTTP 404)` });
  assert.equal(hub.requests.length, 1, 'the 404 was not retried');
  const gated = await startFakeHub({ root, token: TOKEN, forbidden: ['owner/folder'] });
  try {
    for (const [repo, status] of [['owner/photos', 401], ['owner/folder', 403]] as const) {
      gated.reset();
      await assert.rejects(openSource(repo, { ...hubOptions({ token: status === 403 ? TOKEN : undefined }), endpoint: gated.url }), {
        name: 'UsageError',
        message: `source ${repo}: no such file or directory, and on the hub at ${gated.url}, hub dataset ${repo}: access denied (HTTP ${status}); check the repo id, HF_TOKEN or --token, and that your account has access (a gated repo asks you to accept its terms on its page)`,
      });
      assert.equal(gated.requests.length, 1, `the ${status} was not retried`);
    }
  } finally {
    await gated.close();
  }
  const closed = await startFakeHub({ root });
  await closed.close();
  await assert.rejects(openSource('ds/pqq', hubOptions({ endpoint: closed.url, retry: { ...retry, attempts: 2 } })), {
    name: 'UsageError',
    message: new RegExp(`^source ds/pqq: no such file or directory, and the hub at ${closed.url} could not be reached`),
  });
  await assert.rejects(openSource('ds/pqq', hubOptions({ endpoint: closed.url, retry: { ...retry, attempts: 2 } })), {
    message: /^source ds\/pqq: no such file or directory, and the hub at http:\/\/127\.0\.0\.1:\d+ could not be reached to look for dataset ds\/pqq \(GET \/api\/datasets\/ds\/pqq\/tree\/main[^ ]*: gave up after 2 attempts; last error: fetch failed \(ECONNREFUSED\)\)$/,
  });
  // A host the resolver says does not exist is not tried again: one line at once, not a minute of backoff.
  delays.length = 0;
  await assert.rejects(openSource('ds/pqq', hubOptions({ endpoint: 'http://remux-test.invalid' })), {
    name: 'UsageError',
    message: 'source ds/pqq: no such file or directory, and the hub at http://remux-test.invalid could not be reached to look for dataset ds/pqq (GET /api/datasets/ds/pqq/tree/main: host remux-test.invalid not found (ENOTFOUND); not retried)',
  });
  assert.deepEqual(delays, [], 'no wait before a second try');
  const typo = await cli(['run', 'ds/pqq', '--out', await tempDir('typo'), '--endpoint', hub.url], {});
  assert.deepEqual([typo.code, typo.stderr], [2, `remux: source ds/pqq: no such file or directory, and the hub at ${hub.url} has no dataset ds/pqq (HTTP 404)\n`]);
});

test('answers that are not what was asked for: an HTML page from the tree API, a 206 of another range: one line naming the URL and what was expected', async () => {
  hub.reset();
  hub.inject({ kind: 'html', match: /\/tree\// });
  await assert.rejects(openSource('owner/photos', hubOptions()), {
    name: 'UsageError',
    message: new RegExp(`^GET ${hub.url}/api/datasets/owner/photos/tree/main\\?\\S*: expected JSON \\(the hub's API\\) but received text/html; charset=utf-8; check --endpoint or HF_ENDPOINT$`),
  });
  // Past the two footers: a row group read.
  hub.inject({ kind: 'shift', match: /\/resolve\//, skip: 2 });
  await assert.rejects(readAll('owner/photos', hubOptions()), {
    name: 'RemuxError',
    message: new RegExp(`^GET ${hub.url}/datasets/owner/photos/resolve/main/data/train-00000-of-00002\\.parquet: expected Content-Range bytes (\\d+)-(\\d+)/(\\d+) but received bytes (?!\\1-)\\d+-\\d+/\\3$`),
  });
  hub.reset();
});

test('401 and 403 name the repo and what to check; a malformed token is refused without being echoed', async () => {
  const gated = await startFakeHub({ root, token: TOKEN, forbidden: ['owner/folder'] });
  try {
    const options = (extra: Partial<SourceOptions>) => ({ ...hubOptions(extra), endpoint: gated.url });
    const denied = (status: number, repo: string) => `hub dataset ${repo}: access denied (HTTP ${status}); check the repo id, HF_TOKEN or --token, and that your account has access (a gated repo asks you to accept its terms on its page)`;
    await assert.rejects(openSource('hf://datasets/owner/photos', options({})), { name: 'UsageError', message: denied(401, 'owner/photos') });
    await assert.rejects(openSource('hf://datasets/owner/photos', options({ token: 'hf_wrong' })), { message: denied(401, 'owner/photos') });
    await assert.rejects(openSource('hf://datasets/owner/folder', options({ token: TOKEN })), { message: denied(403, 'owner/folder') });
    await assert.rejects(openSource('owner/photos', options({ token: 'secret-not-hf' })), { message: 'expected a Hugging Face access token (hf_…) for --token but received one that does not start with hf_' });
    process.env.HF_TOKEN = TOKEN;
    assert.equal((await openSource('owner/photos', options({}))).totalRows, 24, 'HF_TOKEN is used when --token is not given');
  } finally {
    delete process.env.HF_TOKEN;
    await gated.close();
  }
});

test('the hub source gives exactly the rows, labels, kept columns and features the local parquet source gives', async () => {
  for (const split of ['train', 'test']) {
    const options = { keepColumns: ['caption'], split };
    const local = await openSource(`${root}/owner/photos/main`, options);
    const remote = await openSource('owner/photos', hubOptions(options));
    assert.deepEqual([remote.split, remote.totalRows, remote.labelNames, remote.hasLabels, remote.keptColumns], [local.split, local.totalRows, local.labelNames, local.hasLabels, local.keptColumns]);
    const localRows = await readAll(`${root}/owner/photos/main`, options);
    assert.equal(localRows.length, local.totalRows);
    assert.deepEqual(await readAll('owner/photos', hubOptions(options)), localRows);
  }
  const rows = await readAll('owner/photos', hubOptions());
  assert.equal(rows[5].error, 'image is null');
  assert.equal(rows[20].file, 'data/train-00001-of-00002.parquet');
  assert.equal(rows[20].fileRow, 6);
});

/** Byte range `[start, end)` of each row group of a local parquet file, from its metadata. */
async function groupByteRanges(path: string): Promise<Array<[number, number]>> {
  const metadata = parquetMetadata((await readFile(path)).buffer as ArrayBuffer);
  return metadata.row_groups.map((group) => {
    const starts = group.columns.map((c) => Number(c.meta_data!.dictionary_page_offset ?? c.meta_data!.data_page_offset));
    const ends = group.columns.map((c, i) => starts[i] + Number(c.meta_data!.total_compressed_size));
    return [Math.min(...starts), Math.max(...ends)];
  });
}

test('seeking: rows from fromIndex on, no earlier row group fetched; one row group fetched ahead, not more', async () => {
  const all = await readAll('owner/photos', hubOptions());
  const source = await openSource('owner/photos', hubOptions());
  hub.requests.length = 0;
  const rows: SourceRow[] = [];
  for await (const chunk of source.chunks(19)) rows.push(...chunk);
  assert.deepEqual(rows, all.slice(19));
  // Row 19 is in the second file's second row group (rows 18–21 of the split).
  const requests = resolveRequests();
  assert.equal(requests.length, 2, 'one request for each row group from row 19 on: groups 1 and 2 of the second file');
  assert.deepEqual(requests.filter((r) => !r.url.includes('train-00001-of-00002')), [], 'the first file is not read');
  const [firstGroup] = await groupByteRanges(`${root}/owner/photos/main/data/train-00001-of-00002.parquet`);
  for (const { range } of requests) {
    const [start, end] = /bytes=(\d+)-(\d+)/.exec(range!)!.slice(1).map(Number);
    assert.ok(end < firstGroup[0] || start >= firstGroup[1], `range ${range} overlaps row group 0 (${firstGroup})`);
  }

  // While the consumer holds the first row group, only the next one is fetched.
  const fresh = await openSource('owner/photos', hubOptions());
  hub.requests.length = 0;
  const iterator = fresh.chunks()[Symbol.asyncIterator]();
  assert.equal((await iterator.next()).value?.length, 4);
  await new Promise((resolve) => setTimeout(resolve, 200)); // room for any eager fetch to show
  assert.equal(resolveRequests().length, 2, 'the first row group and one ahead');
  await iterator.return?.();

  // The local sources seek too.
  const localAll = await readAll(`${root}/owner/photos/main`, { keepColumns: [] });
  assert.deepEqual(await readAll(`${root}/owner/photos/main`, { keepColumns: [] }, 19), localAll.slice(19));
  const folder = await tempDir('seek-folder');
  for (const name of ['a', 'b', 'c']) await writeFile(`${folder}/${name}.png`, new Uint8Array([0x89]));
  assert.deepEqual((await readAll(folder, { keepColumns: [] }, 2)).map((r) => [r.sourceIndex, r.file]), [[2, 'c.png']]);
  assert.deepEqual(groupsFrom([[4, 4], [0, 3]], 5).map((g) => [g.file, g.group, g.sourceStart, g.skip]), [[0, 1, 4, 1], [1, 1, 8, 0]]);
});

const runOptions = { workers: 2, size: 32, copies: 2 };

/** Runs remux on the fake hub and returns the output's rows, digested. */
async function hubRun(extra: Record<string, unknown> = {}): Promise<string[]> {
  const out = await tempDir('hub-run');
  await remux({ ...runOptions, source: 'owner/photos', out, endpoint: hub.url, retry, ...extra });
  return digest((await readOutput(out)).rows);
}

test('a hub run gives the output of a local run of the same files', async () => {
  const out = await tempDir('local-run');
  await remux({ ...runOptions, source: `${root}/owner/photos/main`, out });
  const local = digest((await readOutput(out)).rows);
  assert.equal(local.length, (24 - 2) * 2);
  assert.deepEqual(await hubRun(), local);
});

test('faults (connection cut mid-body, 429 with Retry-After, 500, slow trickle) leave the output of a clean run', async () => {
  const clean = await hubRun();
  for (const kind of ['cut', '429', '500', 'trickle'] as FaultKind[]) {
    hub.requests.length = 0;
    delays.length = 0;
    hub.inject({ kind, match: /\/tree\// });
    hub.inject({ kind, match: /\/resolve\// });
    // Past the footers: a row group read.
    hub.inject({ kind, match: /\/resolve\//, skip: 4, times: 2 });
    assert.deepEqual(await hubRun(), clean, kind);
    assert.equal(hub.requests.filter((r) => r.fault === kind).length, 4, `${kind}: every fault was served`);
    if (kind === '429') assert.ok(delays.length === 4 && delays.every((d) => d === 1000), `Retry-After honoured: ${delays}`);
    if (kind === 'cut' || kind === '500') assert.equal(delays.length, 4, `${kind}: retried`);
  }
});

test('a response that stalls is abandoned after the idle timeout and tried again', { timeout: 60_000 }, async () => {
  hub.reset();
  delays.length = 0;
  hub.inject({ kind: 'stall', match: /\/resolve\// });
  const source = await openSource('owner/photos', hubOptions({ retry: { ...retry, idleTimeoutMs: 200 } }));
  assert.equal(source.totalRows, 24);
  assert.equal(hub.requests.filter((r) => r.fault === 'stall').length, 1);
  assert.equal(delays.length, 1);
});

test('retries give up after the attempts, naming the path and the last status', async () => {
  hub.inject({ kind: '500', match: /\/resolve\//, times: 100 });
  try {
    await assert.rejects(openSource('owner/photos', hubOptions({ retry: { ...retry, attempts: 3 } })), {
      name: 'RemuxError',
      message: /^GET \/datasets\/owner\/photos\/resolve\/main\/data\/train-0000[01]-of-00002\.parquet: gave up after 3 attempts; last status 500$/,
    });
  } finally {
    hub.reset();
  }
  assert.equal(retryAfter('3'), 3000);
  assert.equal(retryAfter('Thu, 01 Jan 1970 00:00:05 GMT', 1000), 4000);
  assert.equal(retryAfter(null), null);
  for (let attempt = 1; attempt <= 4; attempt++) {
    const delay = backoff(100, attempt);
    assert.ok(delay >= 50 * 2 ** (attempt - 1) && delay <= 100 * 2 ** (attempt - 1), `attempt ${attempt}: ${delay}`);
  }
});

test('the token appears in no output file, message, note or progress report', async () => {
  const gated = await startFakeHub({ root, token: TOKEN });
  try {
    const out = await tempDir('token');
    const said: string[] = [];
    await remux({ ...runOptions, source: 'owner/photos', out, endpoint: gated.url, token: TOKEN, retry, onNote: (n) => said.push(n), onProgress: (p) => said.push(JSON.stringify(p)) });
    assert.ok(gated.requests.length > 0 && gated.requests.every((r) => r.status !== 401), 'every request carried the token');
    const files = await listFiles(out);
    assert.ok(files.includes('remux.json') && files.includes('errors.jsonl') && files.includes('README.md'));
    for (const file of files) assert.ok(!(await readFile(`${out}/${file}`, 'latin1')).includes(TOKEN), file);
    const manifest = JSON.parse(await readFile(`${out}/remux.json`, 'utf8'));
    assert.equal(manifest.options.endpoint, gated.url);
    assert.equal('token' in manifest.options, false);
    gated.inject({ kind: '500', match: /\/resolve\// });
    for (const failing of [{ source: 'owner/photos', retry: { ...retry, attempts: 1 } }, { source: 'owner/missing' }, { source: 'owner/photos', revision: 'v9' }]) {
      const error = await remux({ ...runOptions, out: await tempDir('token-fail'), endpoint: gated.url, token: TOKEN, retry, ...failing }).catch((e: Error) => e);
      assert.ok(error instanceof Error);
      said.push(error.message, String(error.stack));
    }
    assert.ok(said.length > 3);
    for (const text of said) assert.ok(!text.includes(TOKEN), text);
  } finally {
    await gated.close();
  }
});

test('an endpoint with a user and password (https://user:pass@mirror): sent as Basic authentication, and in no message, remux.json, journal or card', async () => {
  hub.reset();
  const out = await tempDir('userinfo');
  const endpoint = hub.url.replace('http://', 'http://user:secret@');
  const ok = await cli(['run', 'owner/photos', '--out', out, '--size', '32', '--endpoint', endpoint], {});
  assert.equal(ok.code, 0, ok.stderr);
  assert.ok(hub.requests.length > 0 && hub.requests.every((r) => r.authScheme === 'Basic'), 'every request carried the credentials as Basic authentication');
  const missing = await cli(['run', 'owner/missing', '--out', await tempDir('userinfo-missing'), '--endpoint', endpoint], {});
  assert.equal(missing.code, 2, missing.stderr);
  assert.match(missing.stderr, /the hub at http:\/\/127\.0\.0\.1:\d+ has no dataset owner\/missing/);
  const files = await listFiles(out);
  assert.ok(['remux.json', 'journal.json', 'README.md'].every((f) => files.includes(f)), files.join(', '));
  for (const file of files) assert.ok(!(await readFile(`${out}/${file}`, 'latin1')).includes('secret'), file);
  for (const text of [ok.stdout, ok.stderr, missing.stderr]) assert.ok(!text.includes('secret'), text);
  assert.equal(JSON.parse(await readFile(`${out}/remux.json`, 'utf8')).options.endpoint, hub.url.replace('http://', 'http://***@'));
  assert.equal(redact(`GET ${endpoint}/x: Bearer ${TOKEN}`), `GET ${hub.url.replace('http://', 'http://***@')}/x: Bearer ***`);
});

test('the CLI: a hub error is one line with exit code 2; a run with HF_TOKEN prints no token', async () => {
  const gated = await startFakeHub({ root, token: TOKEN });
  try {
    const out = await tempDir('cli-hub');
    const denied = await cli(['run', 'hf://datasets/owner/photos', '--out', out, '--endpoint', gated.url, '--token', 'hf_wrong'], {});
    assert.deepEqual([denied.code, denied.stderr], [2, 'remux: hub dataset owner/photos: access denied (HTTP 401); check the repo id, HF_TOKEN or --token, and that your account has access (a gated repo asks you to accept its terms on its page)\n']);
    const ok = await cli(['run', 'owner/photos', '--out', out, '--size', '32', '--overwrite'], { HF_TOKEN: TOKEN, HF_ENDPOINT: gated.url });
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /rows in 24, rows out 22, skipped 2/);
    assert.ok(!`${ok.stdout}${ok.stderr}`.includes(TOKEN));
  } finally {
    await gated.close();
  }
});

/** The CLI in a child process, asynchronously: the fake hub answers from this one. */
function cli(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, ['dist/src/cli/main.js', ...args], { env: { ...process.env, ...env } }, (error, stdout, stderr) => resolve({ code: error ? (error.code as number) : 0, stdout, stderr }));
    child.stdin?.end();
  });
}

test('Ctrl-C ends a run that waits on the hub (a 429 with Retry-After 30, a stalled body) at once: exit code 130 and how to resume', { timeout: 60_000 }, async () => {
  const faults: Fault[] = [
    { kind: '429', match: /\/tree\//, retryAfter: 30, times: 100 },
    // Past the two footers: a row group read, in the run's main loop.
    { kind: 'stall', match: /\/resolve\//, skip: 2 },
  ];
  for (const fault of faults) {
    hub.reset();
    hub.inject(fault);
    const child = spawn(process.execPath, ['dist/src/cli/main.js', 'run', 'owner/photos', '--out', await tempDir('hub-sigint'), '--size', '32'], { env: { ...process.env, HF_ENDPOINT: hub.url }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    while (!hub.requests.some((r) => r.fault === fault.kind)) await new Promise((r) => setTimeout(r, 5));
    const signalled = performance.now();
    child.kill('SIGINT');
    assert.equal(await exited, 130, `${fault.kind}: ${stderr}`);
    // Without the signal in every wait it runs on for 30 s (429) or 60 s (the idle timeout).
    assert.ok(performance.now() - signalled < 10_000, `${fault.kind}: exited ${Math.round(performance.now() - signalled)} ms after SIGINT`);
    assert.match(stderr, /\nremux: interrupted[^\n]*; run the same command with --resume to continue\n$/, fault.kind);
  }
  hub.reset();
});

test('remux run takes --config, --revision, --token and --endpoint', () => {
  const { options } = parseRunArgs(['owner/name', '--out', 'o', '--config', 'c', '--revision', 'r', '--token', 'hf_x', '--endpoint', 'http://127.0.0.1:1']);
  assert.deepEqual([options.source, options.config, options.revision, options.token, options.endpoint], ['owner/name', 'c', 'r', 'hf_x', 'http://127.0.0.1:1']);
  for (const flag of ['--config NAME', '--revision REV', '--token TOKEN', '--endpoint URL']) assert.ok(runHelp().includes(flag), flag);
});

test('a file that changes on the hub during a run stops it (ETag); a changed repo makes --resume refuse, naming it', async () => {
  const repo = `${root}/owner/moving/main/data`;
  const photos = (await samplePhotos()).slice(0, 12);
  const rows = (shift: number) => photos.map((p, i) => ({ bytes: p.bytes, label: (p.label + shift) % 3, caption: `c${i}` }));
  await mkdir(repo, { recursive: true });
  await writeHfParquet(`${repo}/train-00000-of-00001.parquet`, rows(0), { labelNames: SAMPLE_CLASSES, rowGroupSize: 4 });

  const source = await openSource('owner/moving', hubOptions());
  const chunks = source.chunks()[Symbol.asyncIterator]();
  await chunks.next();
  await writeHfParquet(`${repo}/train-00000-of-00001.parquet`, rows(1), { labelNames: SAMPLE_CLASSES, rowGroupSize: 4 });
  await assert.rejects(async () => {
    while (!(await chunks.next()).done);
  }, /^RemuxError: source data\/train-00000-of-00001\.parquet changed on the hub during the run \(ETag "[0-9a-f]+" became "[0-9a-f]+"\): pin --revision to a commit, or start again$/);

  const out = await tempDir('moving');
  const options = { source: 'owner/moving', out, endpoint: hub.url, retry, size: 32, workers: 1, rowsPerShard: 4, rowGroupSize: 4 };
  await remux(options);
  await writeHfParquet(`${repo}/train-00000-of-00001.parquet`, rows(2), { labelNames: SAMPLE_CLASSES, rowGroupSize: 4 });
  await assert.rejects(remux({ ...options, resume: true }), /--resume: the output in .* was made with other options \(sourceVersion: "[0-9a-f]+" → "[0-9a-f]+"\)/);
});

test('split and config names that cannot name output files: listed ones are left out with a note, or refused when nothing is left; --split and --config are checked alike', async () => {
  const rows = (await samplePhotos()).slice(0, 2).map((p) => ({ bytes: p.bytes, label: p.label }));
  const stored = 'owner/names/main/data/train-00000-of-00001.parquet';
  await mkdir(`${root}/owner/names/main/data`, { recursive: true });
  await writeHfParquet(`${root}/${stored}`, rows, { labelNames: SAMPLE_CLASSES });
  for (const bad of ['a\\b', 'x\u0001y', 'sp ace']) await writeHfParquet(`${root}/owner/names/main/data/${bad}-00000-of-00001.parquet`, rows, { labelNames: SAMPLE_CLASSES });
  const conversion = `owner/names-converted/${CONVERSION_DIR}`;
  await mkdir(`${root}/${conversion}/default/train`, { recursive: true });
  await mkdir(`${root}/owner/names-converted/main`, { recursive: true });
  await writeHfParquet(`${root}/${conversion}/default/train/0000.parquet`, rows, { labelNames: SAMPLE_CLASSES });
  await mkdir(`${root}/owner/only-bad/main`, { recursive: true });
  const names = await startFakeHub({
    root,
    aliases: {
      'owner/names/main/data/..-00000-of-00001.parquet': stored,
      'owner/names/main/data/.hidden-00000-of-00001.parquet': stored,
      [`${conversion}/default/../0000.parquet`]: stored,
      [`${conversion}/../train/0000.parquet`]: stored,
      [`${conversion}/.dot/train/0000.parquet`]: stored,
      'owner/only-bad/main/data/../..-00000-of-00001.parquet': stored,
    },
  });
  try {
    const options = (extra: Partial<SourceOptions> = {}) => ({ ...hubOptions(extra), endpoint: names.url });
    const repo = await openSource('owner/names', options());
    assert.deepEqual([repo.split, repo.totalRows], ['train', 2]);
    assert.deepEqual(repo.notes, [
      'hub dataset owner/names: left out 5 file(s) whose split name is not one (letters, digits and _, in parts joined by dots, as Hugging Face requires): "data/..-00000-of-00001.parquet", "data/.hidden-00000-of-00001.parquet", "data/a\\\\b-00000-of-00001.parquet" and 2 more',
    ]);
    const converted = await openSource('owner/names-converted', options());
    assert.deepEqual([converted.split, converted.totalRows], ['train', 2]);
    assert.deepEqual(converted.notes.slice(1), [
      'hub dataset owner/names-converted: left out 2 file(s) whose config name is not one (letters, digits, _, . and -, starting and ending with a letter, digit or _): "../train/0000.parquet", ".dot/train/0000.parquet"',
      'hub dataset owner/names-converted: left out 1 file(s) whose split name is not one (letters, digits and _, in parts joined by dots, as Hugging Face requires): "default/../0000.parquet"',
    ]);
    await assert.rejects(openSource('owner/only-bad', options()), {
      name: 'UsageError',
      message: 'hub dataset owner/only-bad has no split with a usable name: every file is one whose split name is not one (letters, digits and _, in parts joined by dots, as Hugging Face requires): "data/../..-00000-of-00001.parquet"',
    });
    for (const split of ['..', '../train', 'a\\b', '.train', 'tr\u001bain', 'a/b', '']) {
      await assert.rejects(openSource('owner/names', options({ split })), { name: 'UsageError', message: `expected a split name (letters, digits and _, in parts joined by dots, as Hugging Face requires) for --split but received ${JSON.stringify(split)}` });
    }
    await assert.rejects(openSource(`${root}/${stored}`, { keepColumns: [], split: '../x' }), /for --split but received "\.\.\/x"/);
    for (const config of ['..', '.x', 'a\\b', 'x\u0001']) {
      await assert.rejects(openSource('owner/names-converted', options({ config })), { name: 'UsageError', message: `expected a config name (letters, digits, _, . and -, starting and ending with a letter, digit or _) for --config but received ${JSON.stringify(config)}` });
    }
  } finally {
    await names.close();
  }
});

test('a hub label outside the ClassLabel names is a skipped row naming the value, as in a local source', async () => {
  const photo = (await samplePhotos())[0].bytes;
  const path = `${root}/owner/labels/main/data/train-00000-of-00001.parquet`;
  await mkdir(path.slice(0, path.lastIndexOf('/')), { recursive: true });
  await writeHfParquet(path, [0, 3, -1, 2n ** 62n].map((label) => ({ bytes: photo, label })), { labelNames: SAMPLE_CLASSES });
  const rows = await readAll('owner/labels', hubOptions());
  assert.deepEqual(rows.map((r) => [r.label, r.error ?? null, r.bytes !== null]), [
    [0, null, true],
    [null, 'label 3 is outside the 3 ClassLabel names (expected 0 to 2, or -1 for no label)', false],
    [-1, null, true],
    [null, 'label 4611686018427387904 is not an integer within ±9007199254740991', false],
  ]);
  assert.deepEqual(rows.map((r) => r.label), (await readAll(path, { keepColumns: [] })).map((r) => r.label));
});
