/**
 * Reading one row group of a local parquet file: the costly part of a parquet source. The image
 * and label columns are read with hyparquet straight from the file (one read per column chunk,
 * into a buffer of exactly its size; each image then copied once, into a buffer of its own), at
 * 0.17–0.19 ms of CPU per 83 kB image (ZSTD, Snappy) against 0.34–0.42 through parquet-wasm, which
 * decompresses into its own memory, copies the pages out as an Arrow IPC stream and leaves each
 * image to be copied once more (places512, 2,320 rows: benchmarks/parquetRead.ts). Kept columns, of any
 * Arrow type, still come through parquet-wasm, as a small Arrow IPC stream. A row group is read in
 * a worker thread (the first of a run on the main thread, while the reader starts); what comes
 * back moves, buffer by buffer, without a copy.
 */
import { open, stat } from 'node:fs/promises';
import { openAsBlob } from 'node:fs';
import { parquetMetadataAsync, parquetReadObjects, type AsyncBuffer, type FileMetaData } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { ParquetFile } from 'parquet-wasm/node';
import { ownImageCell, type ImageCell } from './parquetRows.js';
import { uninitializedBytes } from '../util/bytes.js';

/** The columns of row group `group` of the parquet file at `path`. */
export interface RowGroupRequest {
  path: string;
  group: number;
  imageColumn: string;
  labelColumn: string | null;
  keptColumns: string[];
}


/** A row group's columns, each image's bytes in a buffer of its own. */
export interface RowGroupData {
  images: ImageCell[];
  /** The label of each row as stored (number or bigint, or null), when there is a label column. */
  labels: unknown[] | null;
  /** The kept columns as an Arrow IPC stream, when there are some. */
  kept: Uint8Array | null;
}

/** Reads a row group somewhere (a worker thread) and hands it back. */
export type RowGroupReader = (request: RowGroupRequest) => Promise<RowGroupData>;

/** A local parquet file as hyparquet reads it: its footer, parsed once, and reads of byte ranges. */
export interface LocalParquet {
  buffer: AsyncBuffer;
  metadata: FileMetaData;
}

/** First read of a footer (hyparquet reads 512 kB by default); most fit, a larger one costs one more read. */
const FOOTER_FETCH_BYTES = 64 * 1024;

export async function openLocalParquet(path: string): Promise<LocalParquet> {
  const buffer = await fileBuffer(path);
  return { buffer, metadata: await parquetMetadataAsync(buffer, { initialFetchSize: FOOTER_FETCH_BYTES }) };
}

/** The file through parquet-wasm: its Arrow schema, and kept columns of any Arrow type. Free it when done. */
export async function openParquetWasm(path: string): Promise<ParquetFile> {
  return ParquetFile.fromFile(await openAsBlob(path));
}

/**
 * Byte ranges of a file, each read into an ArrayBuffer of exactly its size. The file is opened
 * for each read and closed after it, so that no descriptor stays open between row groups, however
 * many files a source has (a few syscalls, against the megabytes each read brings).
 */
async function fileBuffer(path: string): Promise<AsyncBuffer> {
  const { size } = await stat(path);
  return {
    byteLength: size,
    async slice(start: number, end = size): Promise<ArrayBuffer> {
      // Read whole below, or the read fails.
      const bytes = uninitializedBytes(end - start);
      const handle = await open(path);
      try {
        for (let at = 0; at < bytes.length; ) {
          const { bytesRead } = await handle.read(bytes, at, bytes.length - at, start + at);
          if (bytesRead === 0) throw new Error(`${path} ended at byte ${start + at}, before byte ${end} (was it changed while being read?)`);
          at += bytesRead;
        }
      } finally {
        await handle.close();
      }
      return bytes.buffer as ArrayBuffer;
    },
  };
}

/** Reads a row group of an open file; `wasm` opens the file for parquet-wasm, needed only for kept columns. */
export async function readRowGroup(file: LocalParquet, request: Omit<RowGroupRequest, 'path'>, wasm: () => Promise<ParquetFile>): Promise<RowGroupData> {
  const { row_groups: groups } = file.metadata;
  let rowStart = 0;
  for (let g = 0; g < request.group; g++) rowStart += Number(groups[g].num_rows);
  const rowEnd = rowStart + Number(groups[request.group].num_rows);
  const columns = [request.imageColumn, ...(request.labelColumn ? [request.labelColumn] : [])];
  // utf8: false keeps binary as bytes; columns typed as strings (the struct's path) are still decoded.
  const objects = await parquetReadObjects({ file: file.buffer, metadata: file.metadata, columns, rowStart, rowEnd, utf8: false, compressors });
  const images = objects.map((o) => ownImageCell(o[request.imageColumn]));
  const labels = request.labelColumn ? objects.map((o) => o[request.labelColumn!] ?? null) : null;
  let kept: Uint8Array | null = null;
  if (request.keptColumns.length > 0) {
    // A buffer of its own, to move to the main thread.
    kept = (await (await wasm()).read({ rowGroups: [request.group], columns: request.keptColumns })).intoIPCStream().slice();
  }
  return { images, labels, kept };
}

/** The buffers a `RowGroupData` can move in: the images' bytes, each its own, and the kept columns. */
export function rowGroupBuffers(data: RowGroupData): ArrayBuffer[] {
  const buffers = data.kept ? [data.kept.buffer as ArrayBuffer] : [];
  for (const cell of data.images) {
    const bytes = cell instanceof Uint8Array ? cell : cell?.bytes;
    if (bytes) buffers.push(bytes.buffer as ArrayBuffer);
  }
  return buffers;
}

/** A file a reader thread has open: its footer, parquet-wasm's file once a kept column is read, and reads under way. */
interface Opened {
  file: Promise<LocalParquet>;
  wasm: Promise<ParquetFile> | null;
  reads: number;
  closed: boolean;
}

/**
 * Files a reading thread (the main thread, or a worker) keeps open, the most recently used last.
 * A thread reads the row groups of a few files at a time (the source's order), so a few stay open
 * and the rest are let go: a source of hundreds of files does not pile up their footers.
 */
const OPEN_FILES = 4;
const opened = new Map<string, Opened>();

/** `readRowGroup` on this thread, opening the file (or finding it among the few kept open). */
export async function readRowGroupOfPath(request: RowGroupRequest): Promise<RowGroupData> {
  let entry = opened.get(request.path);
  if (entry) opened.delete(request.path);
  entry ??= { file: openLocalParquet(request.path), wasm: null, reads: 0, closed: false };
  opened.set(request.path, entry);
  for (const [path, old] of opened) {
    if (opened.size <= OPEN_FILES) break;
    opened.delete(path);
    old.closed = true;
    if (old.reads === 0) close(old);
  }
  const open = entry;
  open.reads++;
  try {
    return await readRowGroup(await open.file, request, () => (open.wasm ??= openParquetWasm(request.path)));
  } finally {
    if (--open.reads === 0 && open.closed) close(open);
  }
}

function close(entry: Opened): void {
  void entry.wasm?.then((wasm) => wasm.free(), () => {});
}
