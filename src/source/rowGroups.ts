/**
 * Reading one row group of a local parquet file: the costly part of a parquet source
 * (parquet-wasm decompresses and decodes the pages, then copies them out of its memory), so that
 * it runs in the worker threads, beside the images. What comes back to the main thread is each
 * row's image bytes in a buffer of its own, which the main thread moves on to the worker that
 * decodes it (no copy, and no image-sized allocation on the main thread, whose collector would
 * pay for it), and the other columns as a small Arrow IPC stream.
 */
import { openAsBlob } from 'node:fs';
import { tableFromIPC, tableToIPC } from 'apache-arrow';
import { ParquetFile } from 'parquet-wasm/node';

/** The columns of row group `group` of the parquet file at `path`; `imageColumn` is one of them. */
export interface RowGroupRequest {
  path: string;
  group: number;
  columns: string[];
  imageColumn: string;
}

/** An image cell as `sourceRow` reads it: Hugging Face's struct, plain binary, or null. */
export type ImageCell = { bytes: Uint8Array | null; path: string | null } | Uint8Array | null;

/** A row group split for the main thread (see above). */
export interface RowGroupData {
  images: ImageCell[];
  /** The other columns (labels, kept columns) as an Arrow IPC stream. */
  others: Uint8Array;
}

/** Reads a row group somewhere (a worker thread) and hands it back. */
export type RowGroupReader = (request: RowGroupRequest) => Promise<RowGroupData>;

/** Reads and splits a row group of an open file. */
export async function readRowGroup(file: ParquetFile, request: Omit<RowGroupRequest, 'path'>): Promise<RowGroupData> {
  const table = tableFromIPC((await file.read({ rowGroups: [request.group], columns: request.columns })).intoIPCStream());
  const column = table.getChild(request.imageColumn)!;
  const images: ImageCell[] = [];
  for (const cell of column) {
    if (cell === null || cell instanceof Uint8Array) images.push(cell?.slice() ?? null);
    else images.push({ bytes: cell.bytes?.slice() ?? null, path: cell.path ?? null });
  }
  return { images, others: tableToIPC(table.select(request.columns.filter((c) => c !== request.imageColumn)), 'stream') };
}

/** The buffers a `RowGroupData` can move in: the images' bytes, each its own, and the stream. */
export function rowGroupBuffers(data: RowGroupData): ArrayBuffer[] {
  const buffers = [data.others.buffer as ArrayBuffer];
  for (const cell of data.images) {
    const bytes = cell instanceof Uint8Array ? cell : cell?.bytes;
    if (bytes) buffers.push(bytes.buffer as ArrayBuffer);
  }
  return buffers;
}

/** Files a reader thread has opened, by path: their metadata only, kept for the thread's life. */
const opened = new Map<string, Promise<ParquetFile>>();

/** `readRowGroup` in a thread that opens the file itself (once). */
export function readRowGroupOfPath(request: RowGroupRequest): Promise<RowGroupData> {
  let file = opened.get(request.path);
  if (!file) opened.set(request.path, (file = openAsBlob(request.path).then((blob) => ParquetFile.fromFile(blob))));
  return file.then((f) => readRowGroup(f, request));
}
