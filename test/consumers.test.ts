/**
 * The real consumers read remux's outputs: Hugging Face `datasets.load_dataset`, pyarrow and
 * polars, in Python (test/python/probe.py, one process per output, a JSON report back). Labels,
 * kept columns of every Arrow type, every --format, --record-params, finalized slices and several splits.
 *
 * Without a Python that has datasets, pyarrow, pillow and polars (REMUX_PYTHON, else .venv/) the
 * suite is skipped and says why, unless REMUX_REQUIRE_PYTHON=1 (CI, whose .ci/run makes .venv/):
 * then it fails.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { finalizeOutputs, remux, type OpStepSpec } from '../src/index.js';
import type { OutputFormat } from '../src/codec/encode.js';
import { findPython, probeOutput, runPython, type SplitReport } from './helpers/python.js';
import { tempDir } from './helpers/output.js';
import { SAMPLE_CLASSES, SAMPLE_PARQUET, sampleSplits } from './helpers/samplePhotos.js';

const required = process.env.REMUX_REQUIRE_PYTHON === '1';
const found = findPython();
const skip = 'python' in found || required ? false : `Python consumer tests skipped: ${found.why} (set REMUX_REQUIRE_PYTHON=1 to make this a failure)`;
if (skip) console.log(skip);

function python(): string {
  if (!('python' in found)) throw new Error(`REMUX_REQUIRE_PYTHON=1 but ${found.why}`);
  return found.python;
}

const quiet = { workers: 2 };
const REMUX_FEATURES = { source_index: { dtype: 'int64', _type: 'Value' }, copy: { dtype: 'int32', _type: 'Value' } };

/** The one split of a single-split output, after the checks every output must pass. */
async function probeTrain(out: string): Promise<SplitReport> {
  const report = await probeOutput(python(), out);
  assert.deepEqual(Object.keys(report.splits), ['train']);
  const split = report.splits.train;
  assert.deepEqual(report.card_features, split.features, 'the card declares the features the shards carry');
  for (const [i, metadata] of split.metadata.entries()) assert.deepEqual(metadata, split.datasets_metadata, `${split.files[i]}: footer metadata is what datasets writes for these features`);
  assert.equal(split.pyarrow_rows, split.rows);
  assert.equal(split.polars_rows, split.rows);
  assert.deepEqual(split.polars_columns, Object.keys(split.features));
  return split;
}

test('kept columns of every Arrow type load with the source’s features and values, with its metadata, without it, or with older datasets’ metadata', { skip }, async () => {
  const fixtures = await tempDir('py-fixture');
  const source = await runPython<{ rows: Record<string, unknown>[]; features: Record<string, unknown> }>(python(), 'make_fixture.py', [fixtures]);
  const { image: _image, label: labelFeature, ...keptFeatures } = source.features;
  const keepColumns = Object.keys(keptFeatures);
  for (const [fixture, label] of [['datasets', labelFeature], ['plain', { dtype: 'int64', _type: 'Value' }], ['legacy', labelFeature]] as const) {
    const out = await tempDir(`py-keep-${fixture}`);
    await remux({ ...quiet, source: `${fixtures}/${fixture}`, out, size: [32, 24], keepColumns });
    const split = await probeTrain(out);
    assert.equal(split.rows, source.rows.length);
    assert.deepEqual(split.features, { image: { _type: 'Image' }, label, ...REMUX_FEATURES, ...keptFeatures }, `${fixture}: features`);
    assert.deepEqual(split.arrow_types, split.datasets_arrow_types, `${fixture}: the Arrow types datasets would write`);
    assert.deepEqual(split.columns.source_index, source.rows.map((_, i) => i));
    for (const column of ['label', ...keepColumns]) {
      assert.deepEqual(split.columns[column], source.rows.map((row) => row[column]), `${fixture}: ${column} values`);
    }
    for (const image of split.images) assert.deepEqual([image.size, image.mode, image.format], [[32, 24], 'RGB', 'JPEG']);
  }
});

test('--format png, webp and raw load as Image and Array3D; raw holds exactly the pixels png does', { skip }, async () => {
  const options = { ...quiet, source: SAMPLE_PARQUET, size: [40, 56] as [number, number], copies: 2, limit: 4 };
  const splits: Partial<Record<OutputFormat, SplitReport>> = {};
  for (const format of ['png', 'webp', 'raw'] as const) {
    const out = await tempDir(`py-${format}`);
    await remux({ ...options, out, format });
    splits[format] = await probeTrain(out);
    assert.equal(splits[format].rows, 8);
    assert.deepEqual(splits[format].features.label, { names: SAMPLE_CLASSES, _type: 'ClassLabel' });
  }
  const { png, webp, raw } = splits as Required<typeof splits>;
  for (const image of [...png.images, ...webp.images]) assert.deepEqual([image.size, image.mode], [[40, 56], 'RGB']);
  assert.deepEqual(new Set(png.images.map((i) => i.format)), new Set(['PNG']));
  assert.deepEqual(new Set(webp.images.map((i) => i.format)), new Set(['WEBP']));
  assert.deepEqual(raw.features.image, { shape: [40, 56, 3], dtype: 'uint8', _type: 'Array3D' });
  assert.equal(raw.feature_reprs.image, "Array3D(shape=(40, 56, 3), dtype='uint8')");
  assert.deepEqual(raw.images.map((i) => i.shape), png.images.map(() => [40, 56, 3]));
  assert.deepEqual(raw.images.map((i) => i.sha256), png.images.map((i) => i.sha256), 'raw pixels, reshaped, are the png pixels');
});

test('--format raw of a pipeline that keeps the aspect ratio loads as nested lists, each row its own (h, w, 3)', { skip }, async () => {
  const options = { ...quiet, source: SAMPLE_PARQUET, pipeline: [{ op: 'resize', size: 24 }] as OpStepSpec[], limit: 6 };
  const [png, raw] = [await tempDir('py-var-png'), await tempDir('py-var-raw')];
  await remux({ ...options, out: png, format: 'png' });
  await remux({ ...options, out: raw, format: 'raw' });
  const [pngSplit, rawSplit] = [await probeTrain(png), await probeTrain(raw)];
  const list = (feature: unknown) => ({ feature, _type: 'List' });
  assert.deepEqual(rawSplit.features.image, list(list(list({ dtype: 'uint8', _type: 'Value' }))));
  assert.deepEqual(rawSplit.arrow_types, rawSplit.datasets_arrow_types);
  assert.deepEqual(rawSplit.images.map((i) => i.shape), pngSplit.images.map((i) => [...i.size!, 3]));
  assert.ok(new Set(rawSplit.images.map((i) => i.shape!.join('x'))).size > 1, 'the sample photos give several sizes');
  assert.deepEqual(rawSplit.images.map((i) => i.sha256), pngSplit.images.map((i) => i.sha256));
});

test('--record-params loads as a string column of each row’s JSON parameters', { skip }, async () => {
  const out = await tempDir('py-params');
  await remux({ ...quiet, source: SAMPLE_PARQUET, out, preset: 'imagenet-train', size: 32, limit: 3, recordParams: true });
  const split = await probeTrain(out);
  assert.deepEqual(split.features.params, { dtype: 'string', _type: 'Value' });
  for (const params of split.columns.params) {
    assert.deepEqual(JSON.parse(params as string).map((p: { op: string }) => p.op), ['randomResizedCrop', 'horizontalFlip', 'colorJitter']);
  }
});

test('finalized slices (--num-shards) load as one split with every source row once', { skip }, async () => {
  const out = await tempDir('py-slices');
  const options = { ...quiet, source: SAMPLE_PARQUET, out, size: 32, numShards: 2, rowGroupSize: 5 };
  for (const shardIndex of [0, 1]) await remux({ ...options, shardIndex });
  await finalizeOutputs([out]);
  const split = await probeTrain(out);
  assert.equal(split.files.length, 2);
  assert.deepEqual(split.columns.source_index, [...Array(28).keys()]);
  assert.deepEqual(split.features.label, { names: SAMPLE_CLASSES, _type: 'ClassLabel' });
});

test('train and validation run into one output load as both splits, each with its rows and the same features', { skip }, async () => {
  const source = await sampleSplits();
  const out = await tempDir('py-splits');
  await remux({ ...quiet, source, out, size: 32, copies: 2, limit: 5 });
  await remux({ ...quiet, source, out, size: 32, split: 'validation', preset: 'imagenet-eval', limit: 3 });
  const report = await probeOutput(python(), out);
  assert.deepEqual(Object.keys(report.splits), ['train', 'validation']);
  const { train, validation } = report.splits;
  assert.equal(train.rows, 10);
  assert.equal(validation.rows, 3);
  assert.deepEqual(validation.columns.source_index, [0, 1, 2]);
  assert.deepEqual(validation.files, ['validation-00000-of-00001.parquet']);
  for (const split of [train, validation]) {
    assert.deepEqual(split.features, report.card_features, 'the card declares the features every split carries');
    assert.deepEqual(split.features.label, { names: SAMPLE_CLASSES, _type: 'ClassLabel' });
    assert.equal(split.pyarrow_rows, split.rows);
    assert.equal(split.polars_rows, split.rows);
  }
  assert.deepEqual(validation.images.map((image) => image.size), [[32, 32], [32, 32], [32, 32]]);
});
