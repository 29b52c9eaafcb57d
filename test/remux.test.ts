import assert from 'node:assert/strict';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { test } from 'node:test';
import { resolve } from 'node:path';
import jpeg from 'jpeg-js';
import { remux } from '../src/index.js';
import { WORKERS_READ_FROM } from '../src/execute/pool.js';
import { OUTPUT_VERSION } from '../src/pipeline.js';
import { writeHfParquet, type FixtureRow } from './helpers/hfParquet.js';
import { digest, imageBytes, readOutput, sha256, tempDir } from './helpers/output.js';
import { SAMPLE_CLASSES, SAMPLE_PARQUET, SAMPLE_PHOTOS, samplePhotos } from './helpers/samplePhotos.js';

const quiet = { workers: 2 };

test('the sample parquet remuxes into Hugging Face parquet: rows, labels, sizes, provenance, metadata', async () => {
  const out = await tempDir('e2e');
  const photos = await samplePhotos();
  const summary = await remux({ ...quiet, source: SAMPLE_PARQUET, out, size: 96, copies: 2, rowsPerShard: 20, rowGroupSize: 10 });
  assert.equal(summary.rowsIn, photos.length);
  assert.equal(summary.rowsOut, photos.length * 2);
  assert.equal(summary.skipped, 0);

  const { files, rows, metadata } = await readOutput(out);
  assert.deepEqual(files, ['train-00000-of-00003.parquet', 'train-00001-of-00003.parquet', 'train-00002-of-00003.parquet']);
  assert.equal(rows.length, photos.length * 2);
  const expected = photos.flatMap((p, i) => [0, 1].map((copy) => `${i}/${copy}/${p.label}`));
  assert.deepEqual(rows.map((r) => `${r.source_index}/${r.copy}/${r.label}`), expected);
  for (const row of rows) {
    const image = row.image as { bytes: Uint8Array; path: string };
    assert.equal(image.path, `${String(row.source_index).padStart(6, '0')}-${row.copy}.jpg`);
    const decoded = jpeg.decode(image.bytes); // an independent decoder
    assert.deepEqual([decoded.width, decoded.height], [96, 96]);
  }
  for (const md of metadata) {
    assert.deepEqual(JSON.parse(md.huggingface), {
      info: {
        features: {
          image: { _type: 'Image' },
          label: { names: SAMPLE_CLASSES, _type: 'ClassLabel' },
          source_index: { dtype: 'int64', _type: 'Value' },
          copy: { dtype: 'int32', _type: 'Value' },
        },
      },
    });
  }

  const manifest = JSON.parse(await readFile(`${out}/remux.json`, 'utf8'));
  assert.deepEqual(manifest.counts, { rowsIn: photos.length, rowsOut: photos.length * 2, skipped: 0 });
  assert.equal(manifest.shards.length, 3);
  for (const shard of manifest.shards) assert.equal(shard.sha256, sha256(await readFile(`${out}/${shard.file}`)));
  const card = await readFile(`${out}/README.md`, 'utf8');
  assert.match(card, /path: data\/train-\*/);
  assert.match(card, /class_label:\n\s+names:\n\s+"0": animal/);
  assert.deepEqual((await readdir(`${out}/data`)).filter((f) => f.endsWith('.tmp')), []);
});

test('output bytes do not depend on batch size or worker count, and a run repeats exactly', async () => {
  // Row groups of 5 rows, so that all but the first are read off the main thread: by the pool's
  // reader thread below WORKERS_READ_FROM workers, by the workers from it on.
  const source = `${await tempDir('same-source')}/train.parquet`;
  await writeHfParquet(source, (await samplePhotos()).map((p) => ({ bytes: p.bytes, label: p.label })), { labelNames: SAMPLE_CLASSES, rowGroupSize: 5 });
  const runs: string[][] = [];
  for (const [batchSize, workers] of [[64, 2], [1, 1], [7, 2], [64, WORKERS_READ_FROM], [64, 2]]) {
    const out = await tempDir('same');
    await remux({ source, out, size: 64, copies: 2, batchSize, workers });
    runs.push(digest((await readOutput(out)).rows));
  }
  for (const run of runs.slice(1)) assert.deepEqual(run, runs[0]);
  assert.equal(new Set(runs[0].map((d) => d.split('/')[3])).size, runs[0].length, 'every copy differs');
});

test('--limit gives the first rows of the full run, byte for byte; a folder gives what its parquet gives', async () => {
  const full = await tempDir('full');
  const limited = await tempDir('limit');
  const folder = await tempDir('folder');
  await remux({ ...quiet, source: SAMPLE_PARQUET, out: full, size: 64 });
  await remux({ ...quiet, source: SAMPLE_PARQUET, out: limited, size: 64, limit: 5 });
  await remux({ ...quiet, source: SAMPLE_PHOTOS, out: folder, size: 64 });
  const fullRows = digest((await readOutput(full)).rows);
  assert.deepEqual(digest((await readOutput(limited)).rows), fullRows.slice(0, 5));
  assert.deepEqual(digest((await readOutput(folder)).rows), fullRows);
});

test('truncated and broken images are skipped and listed; everything else is written', async () => {
  const dir = await tempDir('bad-src');
  const out = await tempDir('bad-out');
  const photos = (await samplePhotos()).slice(0, 8);
  const rows: FixtureRow[] = photos.map((p) => ({ bytes: p.bytes, path: p.path, label: p.label }));
  rows[2].bytes = photos[2].bytes.subarray(0, Math.floor(photos[2].bytes.length / 2)); // truncated
  rows[5].bytes = new TextEncoder().encode('<html>not an image</html>');
  rows[6] = { bytes: null, label: photos[6].label }; // a null image
  await writeHfParquet(`${dir}/data.parquet`, rows, { labelNames: SAMPLE_CLASSES, rowGroupSize: 3 });
  const summary = await remux({ ...quiet, source: `${dir}/data.parquet`, out, size: 32, copies: 2 });
  assert.deepEqual([summary.rowsIn, summary.rowsOut, summary.skipped], [8, 10, 3]);
  const written = (await readOutput(out)).rows;
  assert.deepEqual([...new Set(written.map((r) => Number(r.source_index)))], [0, 1, 3, 4, 7]);
  const errors = (await readFile(`${out}/errors.jsonl`, 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
  const file = `${dir}/data.parquet`;
  assert.deepEqual(errors.map((e) => [e.source_index, e.file, e.row]), [[2, file, 2], [5, file, 5], [6, file, 6]]);
  assert.match(errors[1].reason, /not an image/);
  assert.equal(errors[2].reason, 'image is null');
});

test('--on-error fail stops at the first bad image, keeps committed shards and leaves no .tmp', async () => {
  const dir = await tempDir('fail-src');
  const out = await tempDir('fail-out');
  const photos = await samplePhotos();
  const rows = photos.map((p) => ({ bytes: p.bytes as Uint8Array | null, label: p.label }));
  rows[20].bytes = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]);
  await writeHfParquet(`${dir}/train.parquet`, rows, { labelNames: SAMPLE_CLASSES });
  await assert.rejects(remux({ ...quiet, source: dir, out, size: 32, batchSize: 5, rowsPerShard: 5, rowGroupSize: 5, onError: 'fail' }), /source train.parquet row 20: not a valid JPEG.*--on-error fail/);
  const files = await readdir(`${out}/data`);
  assert.ok(files.includes('train-00000.parquet'), files.join());
  assert.deepEqual(files.filter((f) => f.endsWith('.tmp')), []);
  const { rows: kept } = await readOutput(out);
  assert.deepEqual(kept.map((r) => Number(r.source_index)), Array.from({ length: kept.length }, (_, i) => i));
});

test('an output directory that holds a remux output, or anything else, is refused', async () => {
  const out = await tempDir('refuse');
  await remux({ ...quiet, source: SAMPLE_PARQUET, out, size: 32, limit: 2 });
  await assert.rejects(remux({ ...quiet, source: SAMPLE_PARQUET, out, size: 32, limit: 2 }), { message: `--out ${out} already holds a remux output: choose another directory or pass --overwrite to replace it` });
  const again = await remux({ ...quiet, source: SAMPLE_PARQUET, out, size: 32, limit: 3, overwrite: true });
  assert.equal(again.rowsOut, 3);
  assert.equal((await readOutput(out)).rows.length, 3);
  const foreign = await tempDir('foreign');
  await writeFile(`${foreign}/notes.txt`, 'mine');
  await assert.rejects(remux({ ...quiet, source: SAMPLE_PARQUET, out: foreign, overwrite: true }), /holds files remux did not write \(notes.txt\)/);
});

test('PNG, WebP and raw outputs; kept columns and plain binary image columns', async () => {
  const dir = await tempDir('fmt-src');
  const photos = (await samplePhotos()).slice(0, 3);
  await writeHfParquet(`${dir}/x.parquet`, photos.map((p, i) => ({ bytes: p.bytes, caption: `caption ${i}` })), { plainBinary: true, imageColumn: 'img' });
  for (const format of ['png', 'webp', 'raw'] as const) {
    const out = await tempDir(`fmt-${format}`);
    await remux({ ...quiet, source: dir, out, size: [40, 30], format, keepColumns: ['caption'] });
    const { rows, metadata } = await readOutput(out);
    assert.deepEqual(rows.map((r) => r.caption), ['caption 0', 'caption 1', 'caption 2']);
    assert.equal('label' in rows[0], false);
    const features = JSON.parse(metadata[0].huggingface).info.features;
    assert.deepEqual(features.caption, { dtype: 'string', _type: 'Value' });
    if (format === 'raw') {
      assert.equal(imageBytes(rows[0]).length, 40 * 30 * 3);
      assert.deepEqual(features.image, { shape: [40, 30, 3], dtype: 'uint8', _type: 'Array3D' });
    } else {
      assert.equal((rows[0].image as { path: string }).path, `000000-0.${format}`);
    }
  }
});

test('a directory with splits reads the one asked for, and names the others when it is missing', async () => {
  const dir = await tempDir('splits');
  const photos = (await samplePhotos()).slice(0, 5);
  await mkdir(`${dir}/data`);
  await writeHfParquet(`${dir}/data/train-00000-of-00001.parquet`, photos.slice(0, 3).map((p) => ({ bytes: p.bytes, label: p.label })), { labelNames: SAMPLE_CLASSES });
  await writeHfParquet(`${dir}/data/test-00000-of-00001.parquet`, photos.slice(3).map((p) => ({ bytes: p.bytes, label: p.label })), { labelNames: SAMPLE_CLASSES });
  const out = await tempDir('splits-out');
  const summary = await remux({ ...quiet, source: dir, out, size: 32, split: 'test' });
  assert.equal(summary.rowsOut, 2);
  assert.deepEqual((await readdir(`${out}/data`)), ['test-00000-of-00001.parquet']);
  const notes: string[] = [];
  const defaultOut = await tempDir('splits-default');
  assert.equal((await remux({ ...quiet, source: dir, out: defaultOut, size: 32, onNote: (n) => notes.push(n) })).rowsOut, 3);
  assert.match(notes[0], /has splits test, train: reading train/);
  await assert.rejects(remux({ ...quiet, source: dir, out: await tempDir('x'), split: 'validation' }), /--split validation: source .* has no such split; it has test, train/);
});

test('a source without an image column names its columns', async () => {
  const dir = await tempDir('noimg');
  await writeHfParquet(`${dir}/x.parquet`, [{ bytes: new Uint8Array([1]), label: 1 }], { imageColumn: 'picture' });
  await assert.rejects(remux({ ...quiet, source: `${dir}/x.parquet`, out: await tempDir('o'), imageColumn: 'image' }), {
    message: `--image-column image: ${dir}/x.parquet has no such column; its columns are picture (Struct<{bytes:Binary, path:Utf8}>), label (Int64)`,
  });
  await assert.rejects(remux({ ...quiet, source: `${dir}/x.parquet`, out: await tempDir('o'), keepColumns: ['nope'] }), /--keep-columns nope: .*x.parquet has no such column/);
});

test('a YAML pipeline and a glob source; --limit 0 still writes a readable (empty) shard', async () => {
  const dir = await tempDir('yaml');
  await writeFile(`${dir}/eval.yaml`, '- op: resize\n  size: 40\n- op: centerCrop\n  size: [32, 24]\n');
  const out = await tempDir('yaml-out');
  const summary = await remux({ ...quiet, source: `${SAMPLE_PARQUET}/*.parquet`, out, pipeline: `${dir}/eval.yaml`, limit: 4 });
  assert.equal(summary.rowsOut, 4);
  for (const row of (await readOutput(out)).rows) {
    const decoded = jpeg.decode(imageBytes(row));
    assert.deepEqual([decoded.width, decoded.height], [24, 32]);
  }
  const manifest = JSON.parse(await readFile(`${out}/remux.json`, 'utf8'));
  assert.deepEqual(manifest.pipeline, [{ op: 'resize', size: 40, maxSize: null }, { op: 'centerCrop', size: [32, 24] }]);
  assert.equal(manifest.outputVersion, OUTPUT_VERSION, 'remux.json says which output version made it');

  const empty = await tempDir('empty');
  await remux({ ...quiet, source: SAMPLE_PARQUET, out: empty, limit: 0 });
  const { files, rows, metadata } = await readOutput(empty);
  assert.deepEqual([files.length, rows.length], [1, 0]);
  assert.ok(JSON.parse(metadata[0].huggingface).info.features.image);
});

test('an image stored as a path ({bytes: null, path}) is read from that file, relative to the parquet file or absolute; a missing one is skipped, naming it', async () => {
  const photos = (await samplePhotos()).slice(0, 3);
  const dir = await tempDir('paths-src');
  await mkdir(`${dir}/images`);
  await writeFile(`${dir}/images/first.jpg`, photos[0].bytes);
  const absolute = resolve(SAMPLE_PHOTOS, photos[1].path);
  await writeHfParquet(`${dir}/train.parquet`, [
    { bytes: null, path: 'images/first.jpg', label: 0 },
    { bytes: null, path: absolute, label: 1 },
    { bytes: null, path: 'images/missing.jpg', label: 2 },
    { bytes: photos[2].bytes, label: 2 },
  ], { labelNames: SAMPLE_CLASSES });
  const embedded = await tempDir('paths-embedded');
  await writeHfParquet(`${embedded}/train.parquet`, photos.slice(0, 2).map((p, i) => ({ bytes: p.bytes, label: i })), { labelNames: SAMPLE_CLASSES });
  const outs = { paths: await tempDir('paths-out'), embedded: await tempDir('paths-embedded-out') };
  const summary = await remux({ ...quiet, source: dir, out: outs.paths, size: 32 });
  await remux({ ...quiet, source: embedded, out: outs.embedded, size: 32 });
  assert.deepEqual([summary.rowsOut, summary.skipped], [3, 1]);
  const [fromPaths, fromBytes] = [(await readOutput(outs.paths)).rows, (await readOutput(outs.embedded)).rows];
  assert.deepEqual(fromPaths.map((r) => Number(r.source_index)), [0, 1, 3]);
  // The same rows, whether the image was embedded or read from its file.
  assert.deepEqual(digest(fromPaths.slice(0, 2)), digest(fromBytes));
  const errors = (await readFile(`${outs.paths}/errors.jsonl`, 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(errors.length, 1);
  assert.equal(errors[0].source_index, 2);
  assert.match(errors[0].reason, /^image has no bytes and its path cannot be read: images\/missing\.jpg \(.*ENOENT/);
});
