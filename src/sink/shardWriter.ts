import { createHash } from 'node:crypto';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { openAsBlob } from 'node:fs';
import { DataType, Struct, RecordBatch, Table, makeBuilder, makeData, tableToIPC, type Data, type Schema } from 'apache-arrow';
import { Compression, EnabledStatistics, ParquetFile, Table as WasmTable, WriterPropertiesBuilder, transformParquetStream, writeParquet } from 'parquet-wasm/node';
import { RemuxError, messageOf } from '../errors.js';
import type { ImageCompression } from '../options.js';
import { crashPoint, writeFault } from '../util/faults.js';
import { syncDirectory } from './output.js';
import { RAW_IMAGE_TYPE } from './schema.js';
import { BoundedQueue } from '../util/stream.js';

/** One output row. */
export interface OutputRow {
  image: Uint8Array;
  /** The generated file name stored in `image.path`. */
  path: string;
  /** The image's size: `--format raw` stores it as the shape of its pixels (the other formats carry it inside the file). */
  size?: { width: number; height: number };
  label: number | null;
  sourceIndex: number;
  copy: number;
  keep: Record<string, unknown>;
  /** JSON of the sampled parameters, with `--record-params`. */
  params: string | null;
}

export interface ShardInfo {
  /** File name under `data/`, before the final `-of-N` rename. */
  file: string;
  rows: number;
  bytes: number;
  sha256: string;
}

export interface ShardWriterOptions {
  dir: string;
  /** Shards are named `<prefix>-00000.parquet`, `<prefix>-00001.parquet`, … */
  prefix: string;
  schema: Schema;
  /** Rows per parquet row group (Hugging Face's image datasets use ~100). */
  rowGroupSize: number;
  /** Compression of the image column; the other columns get zstd. */
  imageCompression: ImageCompression;
  /** Rows per shard; `undefined` sizes shards to ~`targetShardBytes` from the first row group. */
  rowsPerShard: number | undefined;
  targetShardBytes: number;
  /** Shards an interrupted run already committed (`--resume`): numbering continues after them. */
  committed?: ShardInfo[];
  /** Called once a shard is renamed into place, with its last row; the journal is written here. */
  onCommit?: (shard: ShardInfo, last: { sourceIndex: number; copy: number } | null) => Promise<void>;
}

/** An open shard: parquet-wasm pulls row groups from `batches` and we write what it returns. */
interface OpenShard {
  file: string;
  tmpPath: string;
  rows: number;
  last: OutputRow | null;
  batches: BoundedQueue<unknown>;
  written: Promise<{ bytes: number; sha256: string }>;
}

/**
 * Streams rows into sharded parquet files (`rowGroupSize` rows per row group). A shard is
 * written as `<name>.parquet.tmp`, checked, fsynced, then renamed: a `.parquet` file under
 * `data/` is always complete.
 */
export class ShardWriter {
  private readonly options: ShardWriterOptions;
  private pending: OutputRow[] = [];
  private shard: OpenShard | null = null;
  private rowsPerShard: number | undefined;
  readonly committed: ShardInfo[];

  constructor(options: ShardWriterOptions) {
    this.options = options;
    this.rowsPerShard = options.rowsPerShard;
    this.committed = [...(options.committed ?? [])];
  }

  /** Rows per shard: given, or settled from the first row group (a resumed run must reuse it). */
  get shardRows(): number | undefined {
    return this.rowsPerShard;
  }

  get bytesWritten(): number {
    return this.committed.reduce((n, s) => n + s.bytes, 0);
  }

  async append(row: OutputRow): Promise<void> {
    this.pending.push(row);
    if (this.pending.length >= this.rowGroupRows()) await this.flushRowGroup();
  }

  /**
   * A row group ends at `rowGroupSize` rows, or sooner where the shard ends, so that a shard holds
   * exactly `rowsPerShard` rows (its last row group smaller) rather than whole row groups.
   */
  private rowGroupRows(): number {
    if (this.rowsPerShard === undefined) return this.options.rowGroupSize;
    return Math.min(this.options.rowGroupSize, this.rowsPerShard - (this.shard?.rows ?? 0));
  }

  /** Writes what is buffered and commits the open shard. */
  async close(): Promise<ShardInfo[]> {
    if (this.pending.length > 0) await this.flushRowGroup();
    await this.commit();
    // No rows at all (every image skipped, or --limit 0): one empty shard still gives readers the schema.
    if (this.committed.length === 0) await this.writeEmptyShard();
    return this.committed;
  }

  private async writeEmptyShard(): Promise<void> {
    const file = `${this.options.prefix}-00000.parquet`;
    const bytes = writeParquet(WasmTable.fromIPCStream(tableToIPC(new Table(this.options.schema), 'stream')), this.writerProperties());
    const tmpPath = `${this.options.dir}/${file}.tmp`;
    const handle = await open(tmpPath, 'w');
    try {
      await handle.write(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await verifyShard(tmpPath, 0, bytes.byteLength);
    await this.publish(tmpPath, { file, rows: 0, bytes: bytes.byteLength, sha256: createHash('sha256').update(bytes).digest('hex') }, null);
  }

  /** Renames a checked shard into place, then records it: a crash in between leaves an unlisted shard, which `--resume` removes. */
  private async publish(tmpPath: string, info: ShardInfo, last: OutputRow | null): Promise<void> {
    await rename(tmpPath, `${this.options.dir}/${info.file}`);
    await syncDirectory(this.options.dir);
    crashPoint('shard-renamed');
    this.committed.push(info);
    await this.options.onCommit?.(info, last && { sourceIndex: last.sourceIndex, copy: last.copy });
  }

  /**
   * The image column gets the chosen compression (see `IMAGE_COMPRESSIONS`), and no dictionary or
   * min/max statistics, which over image blobs serve nobody and cost CPU; the other columns, small
   * and compressible, get zstd, a dictionary and statistics.
   */
  private writerProperties() {
    let builder = new WriterPropertiesBuilder()
      .setCompression(PARQUET_COMPRESSION[this.options.imageCompression])
      .setDictionaryEnabled(false)
      .setStatisticsEnabled(EnabledStatistics.None)
      .setMaxRowGroupSize(this.options.rowGroupSize)
      .setCreatedBy('remux')
      // The Arrow schema's metadata only lands inside ARROW:schema; readers that do not decode
      // it (DuckDB, hyparquet) find the features in the file's own key-value metadata.
      .setKeyValueMetadata(new Map([['huggingface', this.options.schema.metadata.get('huggingface')!]]));
    // A column name here is one path element: it reaches top-level columns, which all but the
    // image column (and nested kept columns, left at the defaults above) are.
    for (const field of this.options.schema.fields) {
      if (field.name === 'image') continue;
      builder = builder
        .setColumnCompression(field.name, Compression.ZSTD)
        .setColumnDictionaryEnabled(field.name, true)
        .setColumnStatisticsEnabled(field.name, EnabledStatistics.Page);
    }
    return builder.build();
  }

  /** Drops the open shard (its `.tmp` file); committed shards stay. */
  async abort(): Promise<void> {
    const shard = this.shard;
    this.shard = null;
    this.pending = [];
    if (!shard) return;
    shard.batches.end();
    await shard.written.catch(() => {});
    await rm(shard.tmpPath, { force: true });
  }

  private async flushRowGroup(): Promise<void> {
    const rows = this.pending;
    this.pending = [];
    if (this.rowsPerShard === undefined) {
      // Sized once from the first row group, so the same run always shards the same way.
      const average = rows.reduce((n, r) => n + r.image.byteLength, 0) / rows.length;
      const groups = Math.max(1, Math.round(this.options.targetShardBytes / Math.max(1, average) / this.options.rowGroupSize));
      this.rowsPerShard = groups * this.options.rowGroupSize;
    }
    const shard = this.shard ?? (this.shard = await this.openShard());
    try {
      await shard.batches.put(toWasmBatches(this.options.schema, rows));
    } catch (error) {
      throw new RemuxError('ERR_REMUX_WRITE', `cannot write shard ${shard.file}: ${messageOf(error)}`);
    }
    shard.rows += rows.length;
    shard.last = rows[rows.length - 1];
    if (shard.rows >= this.rowsPerShard) await this.commit();
  }

  private async openShard(): Promise<OpenShard> {
    const file = `${this.options.prefix}-${String(this.committed.length).padStart(5, '0')}.parquet`;
    const tmpPath = `${this.options.dir}/${file}.tmp`;
    const batches = new BoundedQueue<unknown>(1);
    const props = this.writerProperties();
    const input = new ReadableStream(
      {
        async pull(controller) {
          const next = await batches.take();
          if (next === undefined) controller.close();
          else for (const b of next as unknown[]) controller.enqueue(b);
        },
      },
      { highWaterMark: 0 },
    );
    const handle = await open(tmpPath, 'w');
    // Not awaited here: parquet-wasm pulls the first row group (for the schema) before it returns.
    const written = transformParquetStream(input, props)
      .then((output) => writeAll(output, handle))
      .finally(() => handle.close());
    // Surfaced when the shard is committed; meanwhile a waiting `put` must not hang.
    written.catch((error: unknown) => batches.fail(error instanceof Error ? error : new Error(String(error))));
    return { file, tmpPath, rows: 0, last: null, batches, written };
  }

  private async commit(): Promise<void> {
    const shard = this.shard;
    if (!shard) return;
    this.shard = null;
    shard.batches.end();
    let result: { bytes: number; sha256: string };
    try {
      result = await shard.written;
      await verifyShard(shard.tmpPath, shard.rows, result.bytes);
    } catch (error) {
      await rm(shard.tmpPath, { force: true });
      throw new RemuxError('ERR_REMUX_WRITE', `cannot write shard ${shard.file}: ${messageOf(error)}`);
    }
    await this.publish(shard.tmpPath, { file: shard.file, rows: shard.rows, ...result }, shard.last);
  }
}

/** Writes every chunk with an awaited write (real backpressure), fsyncs, and hashes as it goes. */
async function writeAll(stream: ReadableStream<Uint8Array>, handle: FileHandle): Promise<{ bytes: number; sha256: string }> {
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

/** parquet-wasm ignores errors of its own: read the footer back before trusting the file. */
async function verifyShard(path: string, rows: number, bytes: number): Promise<void> {
  const blob = await openAsBlob(path);
  if (blob.size !== bytes) throw new Error(`${blob.size} bytes on disk but ${bytes} written`);
  const file = await ParquetFile.fromFile(blob);
  try {
    const found = file.metadata().fileMetadata().numRows();
    if (found !== rows) throw new Error(`footer says ${found} rows but ${rows} were written`);
  } finally {
    file.free();
  }
}

const PARQUET_COMPRESSION: Record<ImageCompression, Compression> = { zstd: Compression.ZSTD, snappy: Compression.SNAPPY, none: Compression.UNCOMPRESSED };

/** apache-arrow rows → parquet-wasm record batches, through an IPC stream. */
function toWasmBatches(schema: Schema, rows: OutputRow[]): unknown[] {
  const children = schema.fields.map((field) => {
    if (field.type === RAW_IMAGE_TYPE) return rawPixels(rows);
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
 * `--format raw` images as `RAW_IMAGE_TYPE`'s nested lists: the pixels, concatenated, are the values;
 * the offsets (every 3 bytes a pixel, every width pixels a row, every height rows an image) come
 * from each row's size, without handing the builder a number at a time.
 */
function rawPixels(rows: OutputRow[]): Data {
  const rowType = RAW_IMAGE_TYPE.children[0].type;
  const pixelType = rowType.children[0].type;
  const sizes = rows.map((r) => r.size!);
  const pixels = sizes.reduce((n, s) => n + s.width * s.height, 0);
  const bytes = new Uint8Array(pixels * 3);
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
      return plain(row.keep[column]);
  }
}

/** Arrow row objects (structs, lists) back to plain values a builder accepts. */
function plain(value: unknown): unknown {
  if (value !== null && typeof value === 'object' && !ArrayBuffer.isView(value) && 'toJSON' in value) return (value as { toJSON(): unknown }).toJSON();
  return value;
}
