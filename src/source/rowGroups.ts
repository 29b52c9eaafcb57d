/**
 * Reading one row group of a local parquet file into an Arrow IPC stream: the costly part of a
 * parquet source (parquet-wasm decompresses and decodes the pages, then copies them out of its
 * memory), so that it can run in the worker threads, beside the images, rather than on the main
 * thread, which only parses the stream (views over its bytes, no copy).
 */
import { openAsBlob } from 'node:fs';
import { ParquetFile } from 'parquet-wasm/node';

/** The columns of row group `group` of the parquet file at `path`. */
export interface RowGroupRequest {
  path: string;
  group: number;
  columns: string[];
}

/** Reads a row group somewhere (a worker thread) and hands back its IPC stream. */
export type RowGroupReader = (request: RowGroupRequest) => Promise<Uint8Array>;

/** The row group's columns as an Arrow IPC stream, in a buffer of its own (transferable). */
export async function readRowGroupIpc(file: ParquetFile, group: number, columns: string[]): Promise<Uint8Array> {
  return (await file.read({ rowGroups: [group], columns })).intoIPCStream();
}

/** Files a reader thread has opened, by path: their metadata only, kept for the thread's life. */
const opened = new Map<string, Promise<ParquetFile>>();

/** `readRowGroupIpc` for a thread that has not opened the file yet. */
export function readRowGroupOfPath(request: RowGroupRequest): Promise<Uint8Array> {
  let file = opened.get(request.path);
  if (!file) opened.set(request.path, (file = openAsBlob(request.path).then((blob) => ParquetFile.fromFile(blob))));
  return file.then((f) => readRowGroupIpc(f, request.group, request.columns));
}
