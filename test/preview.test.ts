import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import sharp from 'sharp';
import { cellLabel, preview } from '../src/preview.js';
import { tempDir } from './helpers/output.js';
import { SAMPLE_CLASSES, SAMPLE_PARQUET, SAMPLE_PHOTOS } from './helpers/samplePhotos.js';

test('preview draws one row per source image and one cell per copy, and repeats exactly', async () => {
  const png = await preview({ source: SAMPLE_PHOTOS, preset: 'imagenet-train', rows: 3, copies: 2, size: 64, seed: 4 });
  const meta = await sharp(png).metadata();
  // Cells are 160 px plus a 4 px gap; rows add an 18 px label.
  assert.deepEqual([meta.width, meta.height], [3 * 164, 3 * (160 + 18 + 4)]);
  assert.deepEqual(await preview({ source: SAMPLE_PHOTOS, preset: 'imagenet-train', rows: 3, copies: 2, size: 64, seed: 4 }), png);
  const other = await preview({ source: SAMPLE_PHOTOS, preset: 'imagenet-train', rows: 3, copies: 2, size: 64, seed: 5 });
  assert.notDeepEqual(other, png);
});

test('remux preview writes the PNG it names, and refuses a missing -o in one line', async () => {
  const out = `${await tempDir('preview')}/grid.png`;
  const ok = spawnSync(process.execPath, ['dist/src/cli/main.js', 'preview', SAMPLE_PARQUET, '-n', '2', '--copies', '3', '-o', out], { encoding: 'utf8' });
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal((await sharp(out).metadata()).width, 4 * 164);
  const bad = spawnSync(process.execPath, ['dist/src/cli/main.js', 'preview', SAMPLE_PARQUET], { encoding: 'utf8' });
  assert.equal(bad.stderr, 'remux: missing -o/--output: the PNG file to write\n');
  assert.equal(bad.status, 2);
});

test('remux preview into a missing folder, or with a negative count, is one line naming it, exit code 2', async () => {
  const dir = await tempDir('preview-missing');
  const folder = `${dir}/no/such`;
  const missing = spawnSync(process.execPath, ['dist/src/cli/main.js', 'preview', SAMPLE_PARQUET, '-n', '1', '-o', `${folder}/grid.png`], { encoding: 'utf8' });
  assert.equal(missing.stderr, `remux: -o ${folder}/grid.png: folder ${folder} does not exist\n`);
  assert.equal(missing.status, 2);
  const negative = spawnSync(process.execPath, ['dist/src/cli/main.js', 'preview', SAMPLE_PARQUET, '-n', '-2', '-o', `${dir}/grid.png`], { encoding: 'utf8' });
  assert.equal(negative.stderr, 'remux: expected positive integer for -n but received -2\n');
  assert.equal(negative.status, 2);
});

test('preview --augment shows what your function does to each copy, reproducibly', async () => {
  const options = { source: SAMPLE_PARQUET, rows: 2, copies: 2, size: 48 };
  const withCutout = await preview({ ...options, augment: 'examples/cutout.ts' });
  assert.deepEqual(await preview({ ...options, augment: 'examples/cutout.ts' }), withCutout);
  const sizedOnly = await preview({ ...options, pipeline: [{ op: 'resize', size: 48 }, { op: 'centerCrop', size: [48, 48] }] });
  assert.notDeepEqual(withCutout, sizedOnly);
  // The black boxes are the only difference: the copy cells differ, the source cells do not.
  const [a, b] = await Promise.all([withCutout, sizedOnly].map((png) => sharp(png).raw().toBuffer({ resolveWithObject: true })));
  const column = (x: number) => {
    let differ = 0;
    const channels = a.info.channels;
    for (let y = 0; y < a.info.height; y++) for (let c = 0; c < channels; c++) differ += Number(a.data[(y * a.info.width + x) * channels + c] !== b.data[(y * a.info.width + x) * channels + c]);
    return differ;
  };
  let sourceDiff = 0;
  for (let x = 0; x < 160; x++) sourceDiff += column(x);
  let copyDiff = 0;
  for (let x = 164; x < a.info.width; x++) copyDiff += column(x);
  assert.equal(sourceDiff, 0);
  assert.ok(copyDiff > 0);
});

test('preview captions name the class: the ClassLabel name where the source has names, else the label id', () => {
  assert.equal(cellLabel('row 3', 1, SAMPLE_CLASSES), 'row 3: nature');
  assert.equal(cellLabel('row 3', 2, null), 'row 3: label 2');
  assert.equal(cellLabel('copy 0', 0, SAMPLE_CLASSES), 'copy 0: animal');
  assert.equal(cellLabel('copy 1', null, SAMPLE_CLASSES), 'copy 1');
});
