import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, realpath, symlink, writeFile } from 'node:fs/promises';
import { test } from 'node:test';
import sharp from 'sharp';
import { parseRunArgs } from '../src/cli/args.js';
import { remux } from '../src/index.js';
import { globToRegExp } from '../src/source/files.js';
import { openSource } from '../src/source/index.js';
import { readRowGroupOfPath } from '../src/source/rowGroups.js';
import { splitOfPath } from '../src/source/splits.js';
import { writeHfParquet } from './helpers/hfParquet.js';
import { readOutput, tempDir } from './helpers/output.js';
import { SAMPLE_CLASSES, SAMPLE_PHOTOS, samplePhotos } from './helpers/samplePhotos.js';

const readErrors = async (out: string): Promise<Array<{ source_index: number; reason: string }>> =>
  (await readFile(`${out}/errors.jsonl`, 'utf8')).trim().split('\n').map((l) => JSON.parse(l));

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

test('a local shard named with a prefix that is no split name is read as train, not left out', async () => {
  const dir = await tempDir('local-prefix');
  const rows = (await samplePhotos()).slice(0, 2).map((p) => ({ bytes: p.bytes, label: p.label }));
  await writeHfParquet(`${dir}/my-data-00000-of-00001.parquet`, rows, { labelNames: SAMPLE_CLASSES });
  const source = await openSource(dir, { keepColumns: [] });
  assert.deepEqual([source.split, source.totalRows, source.notes.filter((n) => n.includes('left out'))], ['train', 2, []]);
});

test('a source of several files: row counts from every footer; a later file without a chosen column is refused, naming it and its columns', async () => {
  const dir = await tempDir('local-files');
  const photos = (await samplePhotos()).slice(0, 5);
  const rows = photos.map((p) => ({ bytes: p.bytes, label: p.label }));
  await writeHfParquet(`${dir}/train-00000-of-00002.parquet`, rows.slice(0, 3), { labelNames: SAMPLE_CLASSES, rowGroupSize: 2 });
  await writeHfParquet(`${dir}/train-00001-of-00002.parquet`, rows.slice(3), { labelNames: SAMPLE_CLASSES, rowGroupSize: 1 });
  const source = await openSource(dir, { keepColumns: [] });
  assert.deepEqual([source.totalRows, source.chunkRows], [5, [2, 1, 1, 1]]);
  const read = [];
  for await (const chunk of source.chunks(0)) read.push(...chunk.map((r) => [r.sourceIndex, r.fileRow, r.label, r.bytes?.length]));
  assert.deepEqual(read, photos.map((p, i) => [i, i < 3 ? i : i - 3, p.label, p.bytes.length]));

  await writeHfParquet(`${dir}/train-00001-of-00002.parquet`, photos.slice(3).map((p) => ({ bytes: p.bytes })));
  await assert.rejects(openSource(dir, { keepColumns: [] }), /source train-00001-of-00002\.parquet has no column label, unlike the first file; its columns are image$/);
});

test('a reading thread keeps a few files open: reads that go back and forth over more files give the same rows, kept columns too', async () => {
  const dir = await tempDir('reader-files');
  const photos = (await samplePhotos()).slice(0, 4);
  const paths: string[] = [];
  for (let f = 0; f < 7; f++) {
    paths.push(`${dir}/part-${f}.parquet`);
    await writeHfParquet(paths[f], photos.map((p, i) => ({ bytes: p.bytes, label: p.label, caption: `file ${f} row ${i}` })), { labelNames: SAMPLE_CLASSES, rowGroupSize: 2 });
  }
  const request = (f: number, group: number) => ({ path: paths[f], group, imageColumn: 'image', labelColumn: 'label', keptColumns: ['caption'] });
  // Files 0–6 then back to 0 and 3: each is opened again once let go.
  for (const [f, group] of [[0, 0], [1, 1], [2, 0], [3, 1], [4, 0], [5, 1], [6, 0], [0, 1], [3, 0]]) {
    const data = await readRowGroupOfPath(request(f, group));
    const captions = (await import('apache-arrow')).tableFromIPC(data.kept!).getChild('caption')!.toArray();
    assert.deepEqual([...captions], [`file ${f} row ${group * 2}`, `file ${f} row ${group * 2 + 1}`]);
    assert.deepEqual(data.labels, [BigInt(photos[group * 2].label), BigInt(photos[group * 2 + 1].label)]);
    data.images.forEach((cell, i) => assert.deepEqual((cell as { bytes: Uint8Array }).bytes, photos[group * 2 + i].bytes, `file ${f}, group ${group}, row ${i}`));
  }
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
  await assert.rejects(openSource(flat, { keepColumns: [], imageRoot: flat }), /image folder, whose rows are its files: --image-root applies to local parquet sources only/);
  await assert.rejects(openSource('hf://datasets/owner/name', { keepColumns: [], imageRoot: flat }), /hub dataset: --image-root applies to local parquet sources only/);
});

test('a path-only image row reads only a regular file within the size cap and --image-root; anything else is a recorded skip with its reason', { skip: process.platform === 'win32' && 'FIFOs and /dev/zero', timeout: 60_000 }, async () => {
  const dir = await realpath(await tempDir('path-rows'));
  await mkdir(`${dir}/images/folder.jpg`, { recursive: true });
  const photo = new Uint8Array(await sharp((await samplePhotos())[0].bytes).resize(64, 64).jpeg().toBuffer());
  await writeFile(`${dir}/images/ok.jpg`, photo);
  await writeFile(`${dir}/outside.jpg`, photo);
  // 64² pixels allowed: at most 8 bytes a pixel, 32768 bytes, for a file.
  const maxPixels = 64 * 64;
  await writeFile(`${dir}/images/large.jpg`, new Uint8Array(maxPixels * 8 + 1));
  execFileSync('mkfifo', [`${dir}/images/pipe.jpg`]);
  await symlink('../outside.jpg', `${dir}/images/link.jpg`);
  const paths = ['images/ok.jpg', 'images/pipe.jpg', '/dev/zero', 'images/folder.jpg', 'images/large.jpg', 'images/../outside.jpg', 'images/link.jpg'];
  await writeHfParquet(`${dir}/train.parquet`, [...paths.map((path) => ({ bytes: null, path })), { bytes: photo }]);

  const run = async (imageRoot?: string) => {
    const out = await tempDir('path-rows-out');
    const summary = await remux({ source: `${dir}/train.parquet`, out, size: 32, workers: 1, maxPixels, imageRoot });
    const written = (await readOutput(out)).rows.map((r) => Number(r.source_index));
    const reasons = Object.fromEntries((await readErrors(out)).map((e) => [paths[e.source_index], e.reason.replace(`image has no bytes and its path cannot be read: ${paths[e.source_index]} `, '')]));
    return { summary, written, reasons };
  };
  const anywhere = await run();
  assert.deepEqual(anywhere.written, [0, 5, 6, 7]);
  assert.deepEqual(anywhere.reasons, {
    'images/pipe.jpg': '(not a regular file but a FIFO)',
    '/dev/zero': '(not a regular file but a character device)',
    'images/folder.jpg': '(not a regular file but a directory)',
    'images/large.jpg': '(32769 bytes, more than the 32768 an image within --max-pixels can take)',
  });

  const confined = await run(`${dir}/images`);
  assert.deepEqual(confined.written, [0, 7]);
  const outside = `(outside --image-root ${dir}/images (it is ${dir}/outside.jpg))`;
  assert.deepEqual(confined.reasons, {
    'images/pipe.jpg': '(not a regular file but a FIFO)',
    '/dev/zero': '(outside --image-root ' + `${dir}/images (it is /dev/zero))`,
    'images/folder.jpg': '(not a regular file but a directory)',
    'images/large.jpg': '(32769 bytes, more than the 32768 an image within --max-pixels can take)',
    'images/../outside.jpg': outside,
    'images/link.jpg': outside,
  });
  assert.equal(parseRunArgs([`${dir}/train.parquet`, '--out', 'o', '--image-root', `${dir}/images`]).options.imageRoot, `${dir}/images`);
  await assert.rejects(remux({ source: `${dir}/train.parquet`, out: await tempDir('path-rows-out'), imageRoot: `${dir}/nowhere` }), { name: 'UsageError', message: new RegExp(`^--image-root ${dir}/nowhere: cannot be read \\(ENOENT`) });
});

test('labels outside the ClassLabel names, or beyond exact integers, are recorded skips (or stop --on-error fail); -1 and null pass', async () => {
  const dir = await tempDir('labels');
  const photo = (await samplePhotos())[0].bytes;
  const names = ['a', 'b', 'c', 'd', 'e'];
  const labels = [0, 4, 5, 99, 2 ** 40, -1, null, -2, 2n ** 62n];
  await writeHfParquet(`${dir}/train.parquet`, labels.map((label) => ({ bytes: photo, label })), { labelNames: names });
  const out = await tempDir('labels-out');
  const summary = await remux({ source: `${dir}/train.parquet`, out, size: 16, workers: 1 });
  assert.deepEqual([summary.rowsOut, summary.skipped], [4, 5]);
  assert.deepEqual((await readOutput(out)).rows.map((r) => [Number(r.source_index), r.label]), [[0, 0n], [1, 4n], [5, -1n], [6, null]]);
  const outside = (label: number) => `label ${label} is outside the 5 ClassLabel names (expected 0 to 4, or -1 for no label)`;
  assert.deepEqual((await readErrors(out)).map((e) => [e.source_index, e.reason]), [
    [2, outside(5)], [3, outside(99)], [4, outside(2 ** 40)], [7, outside(-2)],
    [8, 'label 4611686018427387904 is not an integer within ±9007199254740991'],
  ]);
  await assert.rejects(remux({ source: `${dir}/train.parquet`, out: await tempDir('labels-fail'), size: 16, workers: 1, onError: 'fail' }), {
    message: `source ${dir}/train.parquet row 2: ${outside(5)} (--on-error fail)`,
  });

  // Plain integer labels (no names): any exact integer is a label.
  await writeHfParquet(`${dir}/plain.parquet`, [2 ** 40, 2n ** 62n].map((label) => ({ bytes: photo, label })));
  const plain = await tempDir('labels-plain');
  assert.equal((await remux({ source: `${dir}/plain.parquet`, out: plain, size: 16, workers: 1 })).rowsOut, 1);
  assert.deepEqual((await readOutput(plain)).rows.map((r) => r.label), [2n ** 40n]);
});
