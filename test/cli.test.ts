import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { access } from 'node:fs/promises';
import { test } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import sharp from 'sharp';
import { parseRunArgs } from '../src/cli/args.js';
import { writeHfParquet } from './helpers/hfParquet.js';
import { tempDir } from './helpers/output.js';
import { SAMPLE_PARQUET } from './helpers/samplePhotos.js';

const cli = (...args: string[]) => spawnSync(process.execPath, ['dist/src/cli/main.js', ...args], { encoding: 'utf8' });

test('remux run writes a summary, and DuckDB reads the output with the Hugging Face types', async () => {
  const out = await tempDir('cli');
  const result = cli('run', SAMPLE_PARQUET, '--out', out, '--size', '48', '--copies', '2', '--limit', '6');
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /wrote 12 rows in 1 shard\(s\)/);
  assert.match(result.stdout, /rows in 6, rows out 12, skipped 0/);
  const db = await DuckDBInstance.create(':memory:');
  const connection = await db.connect();
  const types = await connection.runAndReadAll(`describe select * from read_parquet('${out}/data/*.parquet')`);
  assert.deepEqual(types.getRowObjects().map((r) => `${r.column_name} ${r.column_type}`), ['image STRUCT(bytes BLOB, path VARCHAR)', 'label BIGINT', 'source_index BIGINT', 'copy INTEGER']);
  const counts = await connection.runAndReadAll(`select count(*)::int n, count(distinct source_index)::int s, max(copy) c from read_parquet('${out}/data/*.parquet')`);
  assert.deepEqual(counts.getRowObjects(), [{ n: 12, s: 6, c: 1 }]);
  connection.closeSync();
});

test('--quiet prints nothing on stderr for a run that goes well (no backend line either); without it the backend line is one short line', async () => {
  const quiet = cli('run', SAMPLE_PARQUET, '--out', await tempDir('cli-quiet'), '--size', '32', '--limit', '2', '--quiet');
  assert.equal(quiet.status, 0, quiet.stderr);
  assert.equal(quiet.stderr, '');
  assert.match(quiet.stdout, /wrote 2 rows/);
  const chatty = cli('run', SAMPLE_PARQUET, '--out', await tempDir('cli-chatty'), '--size', '32', '--limit', '2');
  const line = chatty.stderr.split('\n').find((l) => l.startsWith('remux: backend ')) ?? '';
  assert.match(line, /^remux: backend \w+ \(auto/);
  assert.ok(line.length <= 160, line);
});

test('bad usage is one line on stderr, exit code 2, no stack trace', async () => {
  const out = await tempDir('cli-bad');
  const cases: Array<[string[], string]> = [
    [['run', SAMPLE_PARQUET, '--out', out, '--copies', 'two'], 'remux: expected integer for --copies but received "two"\n'],
    [['run', SAMPLE_PARQUET, '--out', out, '--copies', '0'], 'remux: expected positive integer for --copies but received 0\n'],
    [['run', SAMPLE_PARQUET, '--out', out, '--sise', '3'], "remux: Unknown option '--sise'. See remux run --help\n"],
    [['run', 'no/such/dir', '--out', out], 'remux: source no/such/dir: no such file or directory\n'],
    [['run', SAMPLE_PARQUET], 'remux: missing --out: the directory to write the output to\n'],
    [['run', SAMPLE_PARQUET, '--out', out, '--format', 'gif'], 'remux: expected one of jpeg, png, webp, raw for --format but received "gif"\n'],
    [['run', SAMPLE_PARQUET, '--out', out, '--compression', 'lz4'], 'remux: expected one of zstd, snappy, none for --compression but received "lz4"\n'],
    [['run', SAMPLE_PARQUET, '--out', out, '--size', '12x'], 'remux: expected a positive integer or HEIGHTxWIDTH for --size but received "12x"\n'],
    [['run', 'package.json', '--out', out], 'remux: source package.json: expected a .parquet file, a directory of parquet files or an image folder\n'],
    [['run', SAMPLE_PARQUET, '--out', out, '--copies', '-1'], 'remux: expected positive integer for --copies but received -1\n'],
    [['run', SAMPLE_PARQUET, '--out', out, '--seed', '-3'], 'remux: expected integer >= 0 for --seed but received -3\n'],
    [['run', SAMPLE_PARQUET, '--out', out, '--size', '-5'], 'remux: expected a positive integer or HEIGHTxWIDTH for --size but received "-5"\n'],
    [['run', SAMPLE_PARQUET, '--out', out, '--memory', 'lots'], 'remux: expected a size such as 4GB, 512MB or a number of bytes for --memory but received "lots"\n'],
    [['run', SAMPLE_PARQUET, '--out', out, '--memory', '0GB'], 'remux: expected a size such as 4GB, 512MB or a number of bytes for --memory but received "0GB"\n'],
    [['run', SAMPLE_PARQUET, '--out', out, '--memory', '4PB'], 'remux: expected a size such as 4GB, 512MB or a number of bytes for --memory but received "4PB"\n'],
    [['frobnicate'], 'remux: unknown command "frobnicate": expected run, preview, finalize, bench or doctor (see remux --help)\n'],
  ];
  for (const [args, stderr] of cases) {
    const result = cli(...args);
    assert.equal(result.stderr, stderr, args.join(' '));
    assert.equal(result.status, 2, args.join(' '));
  }
});

test('a size too large for the kernels (--size, or an op\'s size) is refused before anything is written, naming it and --max-pixels', async () => {
  const dir = await tempDir('cli-huge');
  const { writeFile } = await import('node:fs/promises');
  await writeFile(`${dir}/p.json`, JSON.stringify([{ op: 'resize', size: [30000, 4000] }]));
  const cases: Array<[string[], string]> = [
    [['--size', '20000'], 'remux: expected a size of at most 89478485 pixels (--max-pixels) for --size but received 20000 (400000000 pixels)\n'],
    [['--size', '100x200', '--max-pixels', '10000'], 'remux: expected a size of at most 10000 pixels (--max-pixels) for --size but received [100,200] (20000 pixels)\n'],
    [['--pipeline', `${dir}/p.json`], 'remux: expected a size of at most 89478485 pixels (--max-pixels) for pipeline[0] resize.size but received [30000,4000] (120000000 pixels)\n'],
  ];
  for (const [args, stderr] of cases) {
    const result = cli('run', SAMPLE_PARQUET, '--out', `${dir}/out`, ...args);
    assert.equal(result.stderr, stderr, args.join(' '));
    assert.equal(result.status, 2, args.join(' '));
    assert.equal(existsSync(`${dir}/out`), false, 'nothing is created in --out');
  }
});

test('a pipeline file with a bad option is refused naming the step', async () => {
  const dir = await tempDir('cli-pipe');
  const { writeFile } = await import('node:fs/promises');
  await writeFile(`${dir}/p.yaml`, '- op: randomResizedCrop\n  size: 64\n- op: horizontalFlip\n  p: 1.5\n');
  const result = cli('run', SAMPLE_PARQUET, '--out', `${dir}/out`, '--pipeline', `${dir}/p.yaml`);
  assert.equal(result.stderr, 'remux: expected number in [0, 1] for pipeline[1] horizontalFlip.p but received 1.5\n');
  assert.equal(result.status, 2);
});

test('--memory takes sizes in powers of 1024 (4GB, 512MB, 1.5G, 4GiB) or plain bytes', () => {
  const memory = (raw: string) => parseRunArgs(['source', '--out', 'out', '--memory', raw]).options.memory;
  assert.deepEqual(['4GB', '512MB', '1.5G', '4GiB', '64kb', '1000', '1000B'].map(memory), [4 * 1024 ** 3, 512 * 1024 ** 2, 1.5 * 1024 ** 3, 4 * 1024 ** 3, 64 * 1024, 1000, 1000]);
});

test('--help lists every flag', () => {
  const result = cli('run', '--help');
  assert.equal(result.status, 0);
  for (const flag of ['--out', '--size', '--copies', '--seed', '--pipeline', '--batch-size', '--workers', '--format', '--quality', '--codec', '--rows-per-shard', '--compression', '--split', '--image-column', '--label-column', '--keep-columns', '--limit', '--on-error', '--overwrite', '--quiet']) {
    assert.match(result.stdout, new RegExp(`${flag}\\b`));
  }
});

test('several parquet files on the command line (a glob the shell expanded) are one source', async () => {
  const out = await tempDir('cli-many');
  const file = `${SAMPLE_PARQUET}/train-00000-of-00001.parquet`;
  const result = cli('run', file, file, '--out', out, '--size', '32', '--limit', '40');
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /rows in 40, rows out 40/);
  const bad = cli('run', file, 'package.json', '--out', await tempDir('cli-many-bad'));
  assert.equal(bad.stderr, 'remux: source package.json: expected a .parquet file (several sources must all be parquet files)\n');
  assert.equal(bad.status, 2);
});

test('remux doctor names Node, cores, codecs and every backend with whether it can run here, and for tensorflow the CUDA it would see', () => {
  const result = cli('doctor');
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stderr, '', "nothing on stderr: Dawn's driver warnings stay in the adapter probe's process");
  assert.match(result.stdout, new RegExp(`^node {8}${process.versions.node.replace(/\./g, '\\.')} `, 'm'));
  assert.match(result.stdout, /^cores {7}\d+ /m);
  assert.match(result.stdout, /^codecs {6}@julusian\/jpeg-turbo \d/m);
  for (const backend of ['tensorflow', 'webgpu', 'wasm', 'cpu']) assert.match(result.stdout, new RegExp(`^  ${backend} +\\S`, 'm'), backend);
  assert.match(result.stdout, /^ {2}wasm {8}ready/m);
  // tensorflow: installed or not (and whether it computes on a GPU), then the CUDA libraries and GPUs it would see.
  assert.match(result.stdout, /^ {2}tensorflow {2}(not installed \(optional: npm install @tensorflow\/tfjs-node-gpu|@tensorflow\/tfjs-node(-gpu)? \d[^:]*: (computes on the GPU|loads but computes on the CPU|the CPU build)|unavailable: )/m);
  assert.match(result.stdout, /^ {14}CUDA libraries: (none found|lib\S+\.so)/m);
  assert.match(result.stdout, /^ {14}NVIDIA GPUs: \S/m);
  // Where CI installed Mesa's lavapipe, the adapter must be found and called a software one.
  if (process.env.REMUX_REQUIRE_WEBGPU === '1') {
    assert.match(result.stdout, /^ {2}webgpu {6}webgpu adapter: .*software adapter/m);
    assert.match(result.stdout, /^ {14}limits: maxBufferSize \d+, maxStorageBufferBindingSize \d+, maxComputeWorkgroupsPerDimension \d+, maxComputeInvocationsPerWorkgroup \d+$/m);
  }
  else assert.match(result.stdout, /^ {2}webgpu {6}(webgpu adapter: |unavailable: )/m);
});

test('remux doctor --help prints its help and runs nothing; a stray argument is one line', () => {
  const help = cli('doctor', '--help');
  assert.equal(help.status, 0, help.stderr);
  assert.match(help.stdout, /^Usage: remux doctor\n/);
  assert.doesNotMatch(help.stdout, /^node /m, 'doctor did not run');
  const stray = cli('doctor', 'now');
  assert.equal(stray.stderr, 'remux: remux doctor takes no arguments, but was given now (see remux doctor --help)\n');
  assert.equal(stray.status, 2);
});

test('docs/cli.md is the reference generated from the command definitions (npm run docs:cli)', async () => {
  const { cliReference } = await import('../src/cli/commands.js');
  const { readFile } = await import('node:fs/promises');
  const { version } = JSON.parse(await readFile('package.json', 'utf8')) as { version: string };
  assert.equal(await readFile('docs/cli.md', 'utf8'), await cliReference(version), 'docs/cli.md is out of date: run npm run docs:cli');
  assert.equal(cli('--help').stdout, (await import('../src/cli/commands.js')).mainHelp(version));
});

test('a second Ctrl-C ends the run at once with exit code 130, not an abort in a native decode (worker threads end first)', async () => {
  const dir = await tempDir('cli-sigint');
  // Large JPEGs made small: a worker is busy in native decodes when Ctrl-C comes, as in a real run.
  const photo = new Uint8Array(await sharp({ create: { width: 3000, height: 2000, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 40 } } }).jpeg().toBuffer());
  await writeHfParquet(`${dir}/train.parquet`, Array.from({ length: 48 }, () => ({ bytes: photo, label: 0 })));
  const child = spawn(process.execPath, ['dist/src/cli/main.js', 'run', `${dir}/train.parquet`, '--out', `${dir}/out`, '--size', '224', '--copies', '8', '--backend', 'cpu', '--codec', 'jpeg-turbo', '--workers', '2'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  // The journal is written as the run starts; a moment later the workers are decoding.
  while (!(await access(`${dir}/out/journal.json`).then(() => true, () => false))) await new Promise((r) => setTimeout(r, 5));
  await new Promise((r) => setTimeout(r, 1000));
  child.kill('SIGINT');
  await new Promise((r) => setTimeout(r, 20));
  child.kill('SIGINT');
  assert.equal(await exited, 130, stderr);
  assert.doesNotMatch(stderr, /terminate called/);
  assert.match(stderr, /SIGINT again: stopping now; run the same command with --resume to continue/);
});
