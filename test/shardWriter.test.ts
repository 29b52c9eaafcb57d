import assert from 'node:assert/strict';
import { existsSync, openAsBlob } from 'node:fs';
import { Compression, Encoding, ParquetFile } from 'parquet-wasm/node';
import { mkdir, readdir, symlink } from 'node:fs/promises';
import { test } from 'node:test';
import { outputSchema } from '../src/sink/schema.js';
import { ShardWriter, type OutputRow } from '../src/sink/shardWriter.js';
import { imageBytes, readOutput, tempDir } from './helpers/output.js';

const schema = outputSchema({ format: 'jpeg', hasLabels: true, labelNames: ['a', 'b'], keptColumns: [], recordParams: false });
/** Rows of each row group of a parquet file, from its footer. */
async function rowGroupRows(path: string): Promise<number[]> {
  const file = await ParquetFile.fromFile(await openAsBlob(path));
  try {
    const metadata = file.metadata();
    return Array.from({ length: metadata.numRowGroups() }, (_, i) => metadata.rowGroup(i).numRows());
  } finally {
    file.free();
  }
}

const row = (i: number, bytes = 1000): OutputRow => ({ image: new Uint8Array(bytes).fill(i % 256), path: `${i}.jpg`, label: i % 2, sourceIndex: i, copy: 0, keep: {}, params: null });

test('shards hold exactly rows-per-shard rows, row groups row-group-size (the last of a shard smaller), and only complete files are .parquet', async () => {
  const dir = await tempDir('writer');
  await import('node:fs/promises').then((fs) => fs.mkdir(`${dir}/data`));
  const writer = new ShardWriter({ dir: `${dir}/data`, prefix: 'train', schema, rowGroupSize: 10, imageCompression: 'snappy', rowsPerShard: 25, targetShardBytes: 1 });
  for (let i = 0; i < 60; i++) await writer.append(row(i));
  const shards = await writer.close();
  assert.deepEqual(shards.map((s) => [s.file, s.rows]), [['train-00000.parquet', 25], ['train-00001.parquet', 25], ['train-00002.parquet', 10]]);
  assert.deepEqual(await rowGroupRows(`${dir}/data/train-00000.parquet`), [10, 10, 5]);
  assert.deepEqual(await rowGroupRows(`${dir}/data/train-00002.parquet`), [10]);
  const { rows } = await readOutput(dir);
  assert.deepEqual(rows.map((r) => Number(r.source_index)), Array.from({ length: 60 }, (_, i) => i));
});

test('shards are sized from the first row group when rows-per-shard is not given', async () => {
  const dir = await tempDir('writer-auto');
  const writer = new ShardWriter({ dir, prefix: 'train', schema, rowGroupSize: 10, imageCompression: 'snappy', rowsPerShard: undefined, targetShardBytes: 50_000 });
  for (let i = 0; i < 45; i++) await writer.append(row(i, 1000));
  // ~1000 bytes a row, 50 kB a shard: 50 rows, i.e. 5 row groups.
  assert.deepEqual((await writer.close()).map((s) => s.rows), [45]);
  assert.deepEqual(await readdir(dir), ['train-00000.parquet']);
});

test('a write error (disk full) is a clear error, not a hang, and leaves no .tmp file', async (t) => {
  if (!existsSync('/dev/full')) return t.skip('no /dev/full on this machine');
  const dir = await tempDir('writer-full');
  await symlink('/dev/full', `${dir}/train-00000.parquet.tmp`);
  const writer = new ShardWriter({ dir, prefix: 'train', schema, rowGroupSize: 10, imageCompression: 'snappy', rowsPerShard: 1000, targetShardBytes: 1 });
  await assert.rejects(async () => {
    for (let i = 0; i < 200; i++) await writer.append(row(i, 20_000));
    await writer.close();
  }, /cannot write shard train-00000.parquet: .*(ENOSPC|no space)/i);
  await writer.abort();
  assert.deepEqual(await readdir(dir), []);
});

test('the image column gets the chosen compression and no dictionary; the small columns get zstd', async () => {
  for (const [choice, expected] of [['snappy', Compression.SNAPPY], ['zstd', Compression.ZSTD], ['none', Compression.UNCOMPRESSED]] as const) {
    const out = await tempDir(`writer-${choice}`);
    const dir = `${out}/data`;
    await mkdir(dir);
    const writer = new ShardWriter({ dir, prefix: 'train', schema, rowGroupSize: 10, imageCompression: choice, rowsPerShard: 1000, targetShardBytes: 1 });
    for (let i = 0; i < 20; i++) await writer.append(row(i, 2000));
    await writer.close();
    const file = await ParquetFile.fromFile(await openAsBlob(`${dir}/train-00000.parquet`));
    const chunks = file.metadata().rowGroup(0).columns().map((c) => ({ path: c.columnPath().join('.'), compression: c.compression(), encodings: c.encodings() }));
    file.free();
    const byPath = new Map(chunks.map((c) => [c.path, c]));
    assert.equal(byPath.get('image.bytes')?.compression, expected, choice);
    assert.ok(!byPath.get('image.bytes')?.encodings.includes(Encoding.RLE_DICTIONARY), 'no dictionary over image bytes');
    assert.equal(byPath.get('label')?.compression, Compression.ZSTD);
    assert.equal(byPath.get('source_index')?.compression, Compression.ZSTD);
    // An independent reader gets the bytes back.
    const { rows } = await readOutput(out);
    assert.deepEqual(rows.map((r) => imageBytes(r)[0]), Array.from({ length: 20 }, (_, i) => i));
  }
});
