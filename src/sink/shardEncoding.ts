/**
 * Encoding a shard: output rows → Arrow → parquet-wasm → the file, hashed as it is written. This
 * is the shard thread's work (`shardThread.ts`); `ShardWriter` on the main thread only groups the
 * rows and commits the files.
 */
import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { DataType, Struct, type Binary, type Utf8, RecordBatch, Table, makeBuilder, makeData, tableToIPC, type Data, type Schema } from 'apache-arrow';
import { Compression, EnabledStatistics, Table as WasmTable, WriterPropertiesBuilder } from 'parquet-wasm/node';
import type { ImageCompression } from '../options.js';
import { writeFault } from '../util/faults.js';
import { RAW_IMAGE_TYPE } from './schema.js';
import type { OutputRow } from './shardWriter.js';
import { uninitializedBytes } from '../util/bytes.js';

/** What fixes a shard's encoding, the same for every shard of a run. */
export interface ShardEncoding {
  schema: Schema;
  /** Rows per parquet row group. */
  rowGroupSize: number;
  /** Compression of the image column; the other columns get zstd. */
  imageCompression: ImageCompression;
}

/**
 * The image column gets the chosen compression (see `IMAGE_COMPRESSIONS`), and no dictionary or
 * min/max statistics, which over image blobs serve nobody and cost CPU; the other columns, small
 * and compressible, get zstd, a dictionary and statistics.
 */
export function writerProperties({ schema, rowGroupSize, imageCompression }: ShardEncoding) {
  let builder = new WriterPropertiesBuilder()
    .setCompression(PARQUET_COMPRESSION[imageCompression])
    .setDictionaryEnabled(false)
    .setStatisticsEnabled(EnabledStatistics.None)
    .setMaxRowGroupSize(rowGroupSize)
    .setCreatedBy('remux')
    // The Arrow schema's metadata only lands inside ARROW:schema; readers that do not decode
    // it (DuckDB, hyparquet) find the features in the file's own key-value metadata.
    .setKeyValueMetadata(new Map([['huggingface', schema.metadata.get('huggingface')!]]));
  // A column name here is one path element: it reaches top-level columns, which all but the
  // image column (and nested kept columns, left at the defaults above) are.
  for (const field of schema.fields) {
    if (field.name === 'image') continue;
    builder = builder
      .setColumnCompression(field.name, Compression.ZSTD)
      .setColumnDictionaryEnabled(field.name, true)
      .setColumnStatisticsEnabled(field.name, EnabledStatistics.Page);
  }
  return builder.build();
}

/** Writes every chunk with an awaited write (real backpressure), fsyncs, and hashes as it goes. */
export async function writeAll(stream: ReadableStream<Uint8Array>, handle: FileHandle): Promise<{ bytes: number; sha256: string }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) {
    hash.update(chunk);
    let offset = 0;
    while (offset < chunk.byteLength) {
      writeFault();
      const { bytesWritten } = await handle.write(chunk, offset, chunk.byteLength - offset);
      offset += bytesWritten;
    }
    bytes += chunk.byteLength;
  }
  await handle.sync();
  return { bytes, sha256: hash.digest('hex') };
}

const PARQUET_COMPRESSION: Record<ImageCompression, Compression> = { zstd: Compression.ZSTD, snappy: Compression.SNAPPY, none: Compression.UNCOMPRESSED };

/** apache-arrow rows → parquet-wasm record batches, through an IPC stream. */
export function toWasmBatches(schema: Schema, rows: OutputRow[]): unknown[] {
  const children = schema.fields.map((field) => {
    // The schema crossed threads as IPC: `--format raw`'s image column is known by its list type.
    if (field.name === 'image' && DataType.isList(field.type)) return rawPixels(rows);
    if (field.name === 'image' && DataType.isStruct(field.type)) return encodedImages(field.type, rows);
    const builder = makeBuilder({ type: field.type, nullValues: [null, undefined] });
    const isStruct = DataType.isStruct(field.type);
    for (const row of rows) builder.append(valueOf(field.name, isStruct, row));
    return builder.finish().toVector().data[0];
  });
  const data = makeData({ type: new Struct(schema.fields), length: rows.length, nullCount: 0, children });
  const ipc = tableToIPC(new Table([new RecordBatch(schema, data)]), 'stream');
  return WasmTable.fromIPCStream(ipc).recordBatches();
}

/**
 * The encoded images as Hugging Face's `struct<bytes, path>`, laid out at once (one values buffer
 * each, offsets from the sizes) rather than appended a row at a time to a builder, which grows and
 * copies its buffers: the image bytes are most of what a row group holds.
 */
function encodedImages(type: Struct, rows: OutputRow[]): Data {
  const [bytesType, pathType] = type.children.map((c) => c.type) as [Binary, Utf8];
  const packed = (parts: Uint8Array[]) => {
    const valueOffsets = new Int32Array(parts.length + 1);
    parts.forEach((part, i) => (valueOffsets[i + 1] = valueOffsets[i] + part.byteLength));
    const data = uninitializedBytes(valueOffsets[parts.length]);
    parts.forEach((part, i) => data.set(part, valueOffsets[i]));
    return { length: parts.length, nullCount: 0, valueOffsets, data };
  };
  const bytes = makeData({ type: bytesType, ...packed(rows.map((r) => r.image)) });
  const paths = makeData({ type: pathType, ...packed(rows.map((r) => Buffer.from(r.path))) });
  return makeData({ type, length: rows.length, nullCount: 0, children: [bytes, paths] });
}

/**
 * `--format raw` images as `RAW_IMAGE_TYPE`'s nested lists: the pixels, concatenated, are the values;
 * the offsets (every 3 bytes a pixel, every width pixels a row, every height rows an image) come
 * from each row's size, without handing the builder a number at a time.
 */
function rawPixels(rows: OutputRow[]): Data {
  const rowType = RAW_IMAGE_TYPE.children[0].type;
  const pixelType = rowType.children[0].type;
  const sizes = rows.map((r) => r.size!);
  const pixels = sizes.reduce((n, s) => n + s.width * s.height, 0);
  const bytes = uninitializedBytes(pixels * 3);
  const rowOffsets = new Int32Array(sizes.reduce((n, s) => n + s.height, 0) + 1);
  const imageOffsets = new Int32Array(rows.length + 1);
  let [byte, row] = [0, 0];
  rows.forEach((r, i) => {
    bytes.set(r.image, byte);
    byte += r.image.byteLength;
    for (let y = 0; y < sizes[i].height; y++, row++) rowOffsets[row + 1] = rowOffsets[row] + sizes[i].width;
    imageOffsets[i + 1] = row;
  });
  const values = makeData({ type: pixelType.children[0].type, length: bytes.length, nullCount: 0, data: bytes });
  const pixelLists = makeData({ type: pixelType, length: pixels, nullCount: 0, valueOffsets: pixelOffsets(pixels), child: values });
  const rowLists = makeData({ type: rowType, length: rowOffsets.length - 1, nullCount: 0, valueOffsets: rowOffsets, child: pixelLists });
  return makeData({ type: RAW_IMAGE_TYPE, length: rows.length, nullCount: 0, valueOffsets: imageOffsets, child: rowLists });
}

/** 0, 3, 6, …: the same for every row group, so made once (a row group of 224² images has 5 M of them) and grown as needed. */
let pixelOffsetsMade = new Int32Array(1);
function pixelOffsets(pixels: number): Int32Array {
  if (pixelOffsetsMade.length <= pixels) pixelOffsetsMade = new Int32Array(pixels + 1).map((_, i) => i * 3);
  return pixelOffsetsMade.subarray(0, pixels + 1);
}

function valueOf(column: string, isStruct: boolean, row: OutputRow): unknown {
  switch (column) {
    case 'image':
      return isStruct ? { bytes: row.image, path: row.path } : row.image;
    case 'label':
      return row.label === null ? null : BigInt(row.label);
    case 'source_index':
      return BigInt(row.sourceIndex);
    case 'copy':
      return row.copy;
    case 'params':
      return row.params;
    default:
      return row.keep[column];
  }
}

/**
 * Arrow row objects (structs, lists, maps: proxies with methods, which cannot cross to the shard
 * thread) turned into the plain arrays and objects a builder accepts, all the way down.
 */
export function plain(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value) || value instanceof Date) return value;
  if (Array.isArray(value)) return value.map(plain);
  if ('toJSON' in value && typeof value.toJSON === 'function') return plain((value as { toJSON(): unknown }).toJSON());
  return Object.fromEntries(Object.entries(value).map(([key, v]) => [key, plain(v)]));
}
