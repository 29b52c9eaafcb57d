import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, readdir, readFile, rename } from 'node:fs/promises';
import { test } from 'node:test';
import YAML from 'yaml';
import { finalizeOutputs, remux } from '../src/index.js';
import { takeLock } from '../src/sink/lock.js';
import { lockFile, stateFileOf, WHOLE } from '../src/sink/slice.js';
import { readOutput, sha256, tempDir } from './helpers/output.js';
import { writeHfParquet } from './helpers/hfParquet.js';
import { samplePhotos, sampleSplits } from './helpers/samplePhotos.js';

const CLI = 'dist/src/cli/main.js';
const quiet = { workers: 1, size: 32, limit: 6 };

/** sha256 of every file under `dir` (dot files left out: locks come and go). */
async function digests(dir: string): Promise<Record<string, string>> {
  const files = (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile() && !e.name.startsWith('.'));
  const entries = await Promise.all(files.map(async (e) => [`${e.parentPath}/${e.name}`.slice(dir.length + 1), sha256(await readFile(`${e.parentPath}/${e.name}`))]));
  return Object.fromEntries(entries.sort());
}

const filesOf = (all: Record<string, string>, split: string) => Object.fromEntries(Object.entries(all).filter(([path]) => path.startsWith(`data/${split}-`) || stateFileOf(path)?.split === split));
const manifest = async (out: string) => JSON.parse(await readFile(`${out}/remux.json`, 'utf8'));
const cardHeader = async (out: string) => YAML.parse((await readFile(`${out}/README.md`, 'utf8')).split('---')[1]);
const runCli = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });

test('journal and errors file names give their split and slice back; the default split keeps the plain names', () => {
  assert.deepEqual(stateFileOf('journal.json'), { kind: 'journal', split: 'train', slice: { index: 0, count: 1 }, tmp: false });
  assert.deepEqual(stateFileOf('errors-00001-of-00003.jsonl'), { kind: 'errors', split: 'train', slice: { index: 1, count: 3 }, tmp: false });
  assert.deepEqual(stateFileOf('journal-validation.json.tmp'), { kind: 'journal', split: 'validation', slice: { index: 0, count: 1 }, tmp: true });
  assert.deepEqual(stateFileOf('journal-test.v2-00002-of-00004.json'), { kind: 'journal', split: 'test.v2', slice: { index: 2, count: 4 }, tmp: false });
  assert.equal(stateFileOf('journal-validation.jsonl'), null);
  assert.equal(stateFileOf('journal-my-data.json'), null);
});

test('a second --split adds its shards, journal and card entry next to train, and finalize of the directory keeps both', async () => {
  const source = await sampleSplits();
  const out = await tempDir('splits-two');
  await remux({ ...quiet, source, out, copies: 2 });
  const trainOnly = await digests(out);
  const trainRecord = await manifest(out);
  await remux({ ...quiet, source, out, split: 'validation', preset: 'imagenet-eval' });
  const both = await digests(out);
  assert.deepEqual(Object.keys(both), ['README.md', 'data/train-00000-of-00001.parquet', 'data/validation-00000-of-00001.parquet', 'journal-validation.json', 'journal.json', 'remux.json']);
  assert.deepEqual(filesOf(both, 'train'), filesOf(trainOnly, 'train'), 'train’s files are untouched');

  const { splits } = await manifest(out);
  assert.deepEqual(Object.keys(splits), ['train', 'validation']);
  assert.deepEqual(splits.train, trainRecord, 'train’s record is what remux.json of train alone was');
  assert.equal(splits.validation.source.split, 'validation');
  assert.deepEqual(splits.validation.counts, { rowsIn: 6, rowsOut: 6, skipped: 0 });
  assert.equal(splits.train.counts.rowsOut, 12);
  assert.deepEqual(splits.validation.shards.map((s: { file: string }) => s.file), ['data/validation-00000-of-00001.parquet']);

  const header = await cardHeader(out);
  assert.deepEqual(header.configs, [{ config_name: 'default', data_files: [{ split: 'train', path: 'data/train-*' }, { split: 'validation', path: 'data/validation-*' }] }]);
  const bytes = (split: string) => splits[split].shards[0].bytes;
  assert.deepEqual(header.dataset_info.splits, [{ name: 'train', num_bytes: bytes('train'), num_examples: 12 }, { name: 'validation', num_bytes: bytes('validation'), num_examples: 6 }]);
  assert.equal(header.dataset_info.dataset_size, bytes('train') + bytes('validation'));

  const summaries = await finalizeOutputs([out]);
  assert.deepEqual(summaries.map((s) => [s.split, s.counts.rowsOut]), [['train', 12], ['validation', 6]]);
  const again = await digests(out);
  assert.deepEqual(Object.keys(again), Object.keys(both));
  for (const file of Object.keys(both)) if (file !== 'remux.json') assert.equal(again[file], both[file], `finalize again leaves ${file} as it was`);
  assert.deepEqual(Object.keys((await manifest(out)).splits), ['train', 'validation']);
});

test('--overwrite and --resume of one split leave the other byte-identical', async () => {
  const source = await sampleSplits();
  const out = await tempDir('splits-overwrite');
  await remux({ ...quiet, source, out });
  await remux({ ...quiet, source, out, split: 'validation' });
  const before = await digests(out);
  const trainRecord = (await manifest(out)).splits.train;

  await remux({ ...quiet, source, out, split: 'validation', overwrite: true, seed: 7, limit: 4 });
  const after = await digests(out);
  assert.deepEqual(filesOf(after, 'train'), filesOf(before, 'train'));
  assert.notEqual(after['data/validation-00000-of-00001.parquet'], before['data/validation-00000-of-00001.parquet']);
  const { splits } = await manifest(out);
  assert.deepEqual(splits.train, trainRecord);
  assert.equal(splits.validation.counts.rowsOut, 4);
  assert.deepEqual((await cardHeader(out)).dataset_info.splits.map((s: { num_examples: number }) => s.num_examples), [6, 4]);

  await remux({ ...quiet, source, out, split: 'validation', resume: true, seed: 7, limit: 4 });
  assert.deepEqual(filesOf(await digests(out), 'train'), filesOf(before, 'train'));
  const validationRecord = (await manifest(out)).splits.validation;

  await remux({ ...quiet, source, out, overwrite: true, seed: 3 });
  const trainAgain = await digests(out);
  assert.deepEqual(filesOf(trainAgain, 'validation'), filesOf(after, 'validation'), '--overwrite of train leaves validation as it was');
  assert.deepEqual((await manifest(out)).splits.validation, validationRecord);
  const rows = (await readOutput(out)).rows;
  assert.equal(rows.length, 10);
});

test('a split with other features is refused (one line, exit 2) naming what differs, and nothing is written', async () => {
  const source = await sampleSplits();
  const photos = (await samplePhotos()).slice(0, 4);
  await writeHfParquet(`${source}/test-00000-of-00001.parquet`, photos.map((p) => ({ bytes: p.bytes, label: p.label })), { labelNames: ['cat', 'dog', 'fish'] });
  const out = await tempDir('splits-refused');
  const args = (split: string, ...more: string[]) => ['run', source, '--out', out, '--split', split, '--size', '32', '--limit', '4', '--workers', '1', '--quiet', ...more];
  assert.equal(runCli(args('train')).status, 0);
  const before = await digests(out);
  const refusals: [string[], RegExp][] = [
    [args('validation', '--format', 'raw'), /image: \{"_type":"Image"\} → \{"shape":\[32,32,3\],"dtype":"uint8","_type":"Array3D"\}/],
    [args('validation', '--record-params'), /params: unset → \{"dtype":"string","_type":"Value"\}/],
    [args('test'), /label: \{"names":\["animal","nature","object"\],"_type":"ClassLabel"\} → \{"names":\["cat","dog","fish"\]/],
  ];
  for (const [command, difference] of refusals) {
    const run = runCli(command);
    assert.equal(run.status, 2, run.stderr);
    assert.match(run.stderr, /^remux: --out \S+ holds split train with other features than split (validation|test) has \(/);
    assert.match(run.stderr, difference);
    assert.equal(run.stderr.split('\n').length, 2, 'one line');
    assert.deepEqual(await digests(out), before, 'nothing written');
  }
  const twice = runCli(args('train'));
  assert.equal(twice.status, 2);
  assert.equal(twice.stderr, `remux: --out ${out} already holds a remux output: choose another directory or pass --overwrite to replace it\n`);
  assert.equal(runCli(args('validation')).status, 0);
  const validationTwice = runCli(args('validation'));
  assert.equal(validationTwice.stderr, `remux: --out ${out} already holds split validation: choose another directory or pass --overwrite to replace it\n`);
});

test('a partitioned split runs next to train with its own journals and locks, and finalize joins it without touching train', async () => {
  const source = await sampleSplits();
  const out = await tempDir('splits-slices');
  await remux({ ...quiet, source, out, limit: 8 });
  const trainFiles = filesOf(await digests(out), 'train');
  const slices = { ...quiet, source, out, split: 'validation', limit: 28, rowGroupSize: 5, numShards: 2 };
  for (const shardIndex of [0, 1]) await remux({ ...slices, shardIndex });
  const entries = await readdir(out);
  assert.ok(entries.includes('journal-validation-00000-of-00002.json') && entries.includes('journal-validation-00001-of-00002.json'), entries.join(' '));
  assert.deepEqual(Object.keys((await manifest(out)).splits ?? {}), [], 'remux.json names train only until validation is finalized');

  const summaries = await finalizeOutputs([out]);
  assert.deepEqual(summaries.map((s) => [s.split, s.slices, s.counts.rowsOut]), [['train', 1, 8], ['validation', 2, 28]]);
  const after = await digests(out);
  assert.deepEqual(filesOf(after, 'train'), trainFiles);
  assert.deepEqual(Object.keys(filesOf(after, 'validation')).filter((f) => f.startsWith('data/')), ['data/validation-00000-of-00002.parquet', 'data/validation-00001-of-00002.parquet']);
  assert.deepEqual(Object.keys((await manifest(out)).splits), ['train', 'validation']);
  assert.equal((await manifest(out)).splits.validation.slices, 2);
});

test('train and validation run at once into one output: both end up in remux.json and the card', async () => {
  const source = await sampleSplits();
  const out = await tempDir('splits-together');
  await mkdir(out, { recursive: true });
  await Promise.all([remux({ ...quiet, source, out }), remux({ ...quiet, source, out, split: 'validation', limit: 3 })]);
  const { splits } = await manifest(out);
  assert.deepEqual(Object.keys(splits), ['train', 'validation'], 'in split order, whichever finished first');
  assert.deepEqual((await cardHeader(out)).dataset_info.splits.map((s: { name: string; num_examples: number }) => `${s.name} ${s.num_examples}`), ['train 6', 'validation 3']);
});

test('a run of a split is refused while another holds that split’s lock; train runs meanwhile', async () => {
  const source = await sampleSplits();
  const out = await tempDir('splits-locked');
  await using _held = await takeLock(`${out}/${lockFile('validation', WHOLE)}`, 'test', 'run');
  const args = (split: string) => ['run', source, '--out', out, '--split', split, '--size', '32', '--limit', '3', '--workers', '1', '--quiet'];
  const refused = runCli(args('validation'));
  assert.equal(refused.status, 2);
  assert.match(refused.stderr, new RegExp(`^remux: split validation in --out ${out} is in use: remux run \\(pid ${process.pid} `));
  assert.equal(runCli(args('train')).status, 0);
  assert.deepEqual(Object.keys(await digests(out)), ['README.md', 'data/train-00000-of-00001.parquet', 'journal.json', 'remux.json']);
});

test('an older remux’s journal.json of another split than train is refused with how to rename it', async () => {
  const source = await sampleSplits();
  const out = await tempDir('splits-legacy');
  await remux({ ...quiet, source, out, split: 'validation' });
  await rename(`${out}/journal-validation.json`, `${out}/journal.json`);
  const run = runCli(['run', source, '--out', out, '--split', 'validation', '--resume', '--size', '32', '--limit', '6', '--workers', '1', '--quiet']);
  assert.equal(run.status, 2);
  assert.equal(run.stderr, `remux: ${out}/journal.json holds split validation, whose journal this remux names journal-validation.json: rename it, and errors.jsonl (if any) to errors-validation.jsonl, to go on with it\n`);
});
