import { createHash } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { openAsBlob } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { Table, tableToIPC, type Schema } from 'apache-arrow';
import { ParquetFile, Table as WasmTable, writeParquet } from 'parquet-wasm/node';
import { RemuxError, messageOf } from '../errors.js';
import type { ImageCompression } from '../options.js';
import { crashPoint } from '../util/faults.js';
import { syncDirectory } from './output.js';
import { plain, writerProperties, type ShardEncoding } from './shardEncoding.js';
import type { FromShardThread, ShardThreadInit, ToShardThread } from './shardThread.js';

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

/** An open shard: its row groups go to the shard thread, which encodes and writes them. */
interface OpenShard {
  file: string;
  tmpPath: string;
  rows: number;
  last: OutputRow | null;
  stream: ShardStream;
}

/**
 * Streams rows into sharded parquet files (`rowGroupSize` rows per row group). A shard is
 * written as `<name>.parquet.tmp`, checked, fsynced, then renamed: a `.parquet` file under
 * `data/` is always complete. The rows of a row group move to the shard thread, which encodes
 * and writes them (`shardThread.ts`); this thread decides the row groups and the shards, and
 * commits each shard (check, rename, journal) in order.
 */
export class ShardWriter {
  private readonly options: ShardWriterOptions;
  private pending: OutputRow[] = [];
  private shard: OpenShard | null = null;
  private rowsPerShard: number | undefined;
  /** Started with the first shard, ended by `close` or `abort`. */
  private thread: Worker | null = null;
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
    await this.endThread();
    // No rows at all (every image skipped, or --limit 0): one empty shard still gives readers the schema.
    if (this.committed.length === 0) await this.writeEmptyShard();
    return this.committed;
  }

  private async writeEmptyShard(): Promise<void> {
    const file = `${this.options.prefix}-00000.parquet`;
    const bytes = writeParquet(WasmTable.fromIPCStream(tableToIPC(new Table(this.options.schema), 'stream')), writerProperties(this.options));
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

  /** Drops the open shard (its `.tmp` file); committed shards stay. */
  async abort(): Promise<void> {
    const shard = this.shard;
    this.shard = null;
    this.pending = [];
    if (shard) {
      shard.stream.end();
      await shard.stream.written.catch(() => {});
      await rm(shard.tmpPath, { force: true });
    }
    await this.endThread();
  }

  private async endThread(): Promise<void> {
    const thread = this.thread;
    this.thread = null;
    await thread?.terminate();
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
      await shard.stream.put(rows);
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
    this.thread ??= startShardThread(this.options);
    return { file, tmpPath, rows: 0, last: null, stream: openShardStream(this.thread, tmpPath) };
  }

  private async commit(): Promise<void> {
    const shard = this.shard;
    if (!shard) return;
    this.shard = null;
    shard.stream.end();
    let result: { bytes: number; sha256: string };
    try {
      result = await shard.stream.written;
      await verifyShard(shard.tmpPath, shard.rows, result.bytes);
    } catch (error) {
      await rm(shard.tmpPath, { force: true });
      throw new RemuxError('ERR_REMUX_WRITE', `cannot write shard ${shard.file}: ${messageOf(error)}`);
    }
    await this.publish(shard.tmpPath, { file: shard.file, rows: shard.rows, ...result }, shard.last);
  }
}

function startShardThread(encoding: ShardEncoding): Worker {
  const init: ShardThreadInit = { schemaIpc: tableToIPC(new Table(encoding.schema), 'stream'), rowGroupSize: encoding.rowGroupSize, imageCompression: encoding.imageCompression };
  const thread = new Worker(new URL('./shardThread.js', import.meta.url), { workerData: init });
  // Between shards nothing waits on it: it must not keep the process alive (see `openShardStream`).
  thread.unref();
  return thread;
}

/** Where the open shard's row groups go, and its outcome. */
interface ShardStream {
  /** Hands the thread a row group, once it has taken the one before (their images move there). */
  put(rows: OutputRow[]): Promise<void>;
  /** No more rows: the thread finishes the file. */
  end(): void;
  written: Promise<{ bytes: number; sha256: string }>;
}

function openShardStream(thread: Worker, tmpPath: string): ShardStream {
  let unpulled = 0;
  let wake: (() => void) | null = null;
  let failure: Error | null = null;
  thread.ref();
  const written = new Promise<{ bytes: number; sha256: string }>((resolve, reject) => {
    const settle = (outcome: () => void) => {
      thread.off('message', onMessage).off('error', onError).off('exit', onExit);
      thread.unref();
      outcome();
    };
    const onMessage = (message: FromShardThread) => {
      if (message.kind === 'pulled') {
        unpulled--;
        wake?.();
      } else if (message.kind === 'written') settle(() => resolve({ bytes: message.bytes, sha256: message.sha256 }));
      else settle(() => reject(Object.assign(new Error(message.message), message.code ? { code: message.code } : {})));
    };
    const onError = (error: Error) => settle(() => reject(error));
    const onExit = (code: number) => settle(() => reject(new Error(`the shard thread stopped (exit code ${code})`)));
    thread.on('message', onMessage).on('error', onError).on('exit', onExit);
  });
  // Surfaced when the shard is committed; meanwhile a waiting `put` must not hang.
  written.catch((error: Error) => {
    failure = error;
    wake?.();
  });
  thread.postMessage({ kind: 'open', tmpPath } satisfies ToShardThread);
  return {
    async put(rows) {
      while (unpulled > 0 && !failure) await new Promise<void>((resolve) => (wake = resolve));
      if (failure) throw failure;
      unpulled++;
      // Kept columns' values as plain data: Arrow's row objects cannot be cloned.
      const sent = rows.map((row) => (Object.keys(row.keep).length === 0 ? row : { ...row, keep: plain(row.keep) as OutputRow['keep'] }));
      thread.postMessage({ kind: 'rows', rows: sent } satisfies ToShardThread, ownBuffers(sent));
    },
    end: () => thread.postMessage({ kind: 'end' } satisfies ToShardThread),
    written,
  };
}

/** The rows' image buffers that can move to the shard thread rather than be copied: each a whole buffer of its own, once. */
function ownBuffers(rows: OutputRow[]): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  for (const { image } of rows) {
    if (image.buffer instanceof ArrayBuffer && image.byteOffset === 0 && image.byteLength === image.buffer.byteLength) buffers.add(image.buffer);
  }
  return [...buffers];
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

