import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { messageOf } from '../errors.js';
import { fromArray, mapOrdered } from '../util/stream.js';
import type { SourceRow } from './source.js';

/** Files read at once: a row group can hold thousands of rows. */
const READS_IN_FLIGHT = 16;

/**
 * Hugging Face `datasets` stores an `Image` value as `{bytes: null, path}` when the image stays a
 * file beside the data (`Dataset.to_parquet` of a dataset cast from file paths). Such rows of a
 * local parquet source get their bytes from that file: an absolute path as it is, a relative one
 * from the parquet file's directory, else (as `datasets` opens it) from the current directory.
 * A file that cannot be read leaves the row skipped, with the path and the reason.
 */
export async function readReferencedImages(rows: ReadonlyArray<{ row: SourceRow; path: string }>, parquetPath: string): Promise<void> {
  const base = dirname(parquetPath);
  for await (const _filled of mapOrdered(fromArray(rows), READS_IN_FLIGHT, ({ row, path }) => readInto(row, path, base))) {
    // Each read fills its row in place.
  }
}

async function readInto(row: SourceRow, path: string, base: string): Promise<void> {
  const candidates = isAbsolute(path) ? [path] : [resolve(base, path), resolve(path)];
  let failure: unknown = null;
  for (const candidate of candidates) {
    try {
      const bytes = await readFile(candidate);
      row.bytes = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      row.error = undefined;
      return;
    } catch (error) {
      failure ??= error;
    }
  }
  row.error = `image has no bytes and its path cannot be read: ${path} (${messageOf(failure)})`;
}
