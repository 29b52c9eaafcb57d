import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { test } from 'node:test';
import { globToRegExp } from '../src/source/files.js';
import { openSource } from '../src/source/index.js';
import { splitOfPath } from '../src/source/splits.js';
import { tempDir } from './helpers/output.js';
import { SAMPLE_CLASSES, SAMPLE_PHOTOS } from './helpers/samplePhotos.js';

test('split names from Hugging Face layouts', () => {
  const cases: Array<[string, string | null]> = [
    ['data/train-00000-of-00002.parquet', 'train'],
    ['data/validation-00001-of-00002.parquet', 'validation'],
    ['cats-00000-of-00001.parquet', 'cats'],
    ['default/test/0000.parquet', 'test'],
    ['plain/0000.parquet', null],
    ['val.parquet', 'validation'],
    ['train_extra.parquet', 'train'],
    ['training/images/a.parquet', 'train'],
  ];
  for (const [path, split] of cases) assert.equal(splitOfPath(path), split, path);
  assert.equal(splitOfPath('animals/test.jpg', false), null);
});

test('globs: * within a segment, ** across, ? one character, {a,b} alternatives', () => {
  const re = globToRegExp('data/**/train-*.{parquet,pq}');
  assert.ok(re.test('data/train-0.parquet'));
  assert.ok(re.test('data/a/b/train-1.pq'));
  assert.ok(!re.test('data/a/test-1.parquet'));
  assert.ok(!re.test('other/train-1.parquet'));
  assert.ok(globToRegExp('x?.parquet').test('x1.parquet') && !globToRegExp('x?.parquet').test('x12.parquet'));
});

test('an image folder gives sorted class labels; a flat folder none; split folders are found', async () => {
  const labelled = await openSource(SAMPLE_PHOTOS, { keepColumns: [] });
  assert.deepEqual(labelled.labelNames, SAMPLE_CLASSES);
  assert.equal(labelled.totalRows, 28);
  const root = await tempDir('folders');
  const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47]);
  await mkdir(`${root}/train/dog`, { recursive: true });
  await mkdir(`${root}/train/cat/deeper`, { recursive: true });
  await mkdir(`${root}/test/cat`, { recursive: true });
  for (const f of ['train/dog/1.png', 'train/cat/2.png', 'train/cat/deeper/3.png', 'test/cat/4.png']) await writeFile(`${root}/${f}`, png);
  const train = await openSource(root, { keepColumns: [] });
  assert.equal(train.split, 'train');
  assert.deepEqual(train.labelNames, ['cat', 'dog']);
  const rows = [];
  for await (const chunk of train.chunks()) rows.push(...chunk);
  assert.deepEqual(rows.map((r) => [r.file, r.label]), [['train/cat/2.png', 0], ['train/cat/deeper/3.png', 0], ['train/dog/1.png', 1]]);
  assert.match(train.notes[0], /has splits test, train: reading train/);
  const test = await openSource(root, { keepColumns: [], split: 'test' });
  assert.deepEqual([test.totalRows, test.labelNames], [1, ['cat']]);
  const flat = await tempDir('flat');
  await writeFile(`${flat}/a.png`, png);
  assert.equal((await openSource(flat, { keepColumns: [] })).labelNames, null);
  await assert.rejects(openSource(flat, { keepColumns: ['x'] }), /--keep-columns apply to parquet sources only/);
});
