import { constants, type Stats } from 'node:fs';
import { open, realpath, stat, type FileHandle } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { UsageError, messageOf } from '../errors.js';
import { fromArray, mapOrdered } from '../util/stream.js';
import type { SourceRow } from './source.js';

/** Files read at once: a row group can hold thousands of rows. */
const READS_IN_FLIGHT = 16;

/**
 * The most bytes a decodable image of `maxPixels` pixels takes: 8 per pixel, 16-bit RGBA stored
 * uncompressed, the largest of the formats the decoders take. Anything larger could never decode,
 * so it is not read.
 */
export const maxImageFileBytes = (maxPixels: number) => maxPixels * 8;

/** Which files a path-only row may be read from. */
export interface ImageFileLimits {
  /** `--image-root` as a real path (symlinks resolved): only files whose real path lies under it; null: any file. */
  root: string | null;
  /** Larger files are refused (see {@link maxImageFileBytes}). */
  maxBytes: number;
}

/** `--image-root` as a real path, checked once when the source opens; null without it. */
export async function imageRootOf(imageRoot: string | undefined): Promise<string | null> {
  if (imageRoot === undefined) return null;
  let real: string;
  try {
    real = await realpath(imageRoot);
  } catch (error) {
    throw new UsageError(`--image-root ${imageRoot}: cannot be read (${messageOf(error)})`);
  }
  if (!(await stat(real)).isDirectory()) throw new UsageError(`--image-root ${imageRoot}: expected a directory`);
  return real;
}

/**
 * Hugging Face `datasets` stores an `Image` value as `{bytes: null, path}` when the image stays a
 * file beside the data (`Dataset.to_parquet` of a dataset cast from file paths). Such rows of a
 * local parquet source get their bytes from that file: an absolute path as it is, a relative one
 * from the parquet file's directory, else (as `datasets` opens it) from the current directory.
 * Only a regular file within `limits` is read; any other path leaves the row skipped, with the
 * path and the reason.
 */
export async function readReferencedImages(rows: ReadonlyArray<{ row: SourceRow; path: string }>, parquetPath: string, limits: ImageFileLimits): Promise<void> {
  const base = dirname(parquetPath);
  for await (const _filled of mapOrdered(fromArray(rows), READS_IN_FLIGHT, ({ row, path }) => readInto(row, path, base, limits))) {
    // Each read fills its row in place.
  }
}

async function readInto(row: SourceRow, path: string, base: string, limits: ImageFileLimits): Promise<void> {
  const candidates = isAbsolute(path) ? [path] : [resolve(base, path), resolve(path)];
  let failure: unknown = null;
  for (const candidate of candidates) {
    try {
      row.bytes = await readImageFile(candidate, limits);
      row.error = undefined;
      return;
    } catch (error) {
      // Only a missing file sends the search on to the next place; any other refusal is the answer.
      if (!isMissing(error)) {
        failure = error;
        break;
      }
      failure ??= error;
    }
  }
  row.error = `image has no bytes and its path cannot be read: ${path} (${messageOf(failure)})`;
}

const isMissing = (error: unknown) => ['ENOENT', 'ENOTDIR'].includes((error as NodeJS.ErrnoException).code ?? '');

/**
 * The bytes of one regular file. The checks are on the opened handle, not on the path (which
 * could change between a check and the open), and the open does not block: opening a FIFO
 * without a writer would otherwise wait for good, and a device like /dev/zero never ends.
 */
async function readImageFile(path: string, limits: ImageFileLimits): Promise<Uint8Array> {
  const target = limits.root === null ? path : await confined(path, limits.root);
  // Under --image-root the real path was checked, so a symlink put in its place since is refused.
  const flags = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (limits.root === null ? 0 : (constants.O_NOFOLLOW ?? 0));
  const handle = await open(target, flags);
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new Error(`not a regular file but ${kindOf(info)}`);
    if (info.size > limits.maxBytes) throw new Error(`${info.size} bytes, more than the ${limits.maxBytes} an image within --max-pixels can take`);
    return await readExactly(handle, info.size);
  } finally {
    await handle.close();
  }
}

/** The real path of `path` when it lies under `root`; an error naming both otherwise. */
async function confined(path: string, root: string): Promise<string> {
  const real = await realpath(path);
  const inside = relative(root, real);
  if (inside === '..' || inside.startsWith(`..${sep}`) || isAbsolute(inside)) throw new Error(`outside --image-root ${root} (it is ${real})`);
  return real;
}

/** `size` bytes, the size the handle's stat gave; a file that grew since is refused rather than read on. */
async function readExactly(handle: FileHandle, size: number): Promise<Uint8Array> {
  // Not from Buffer's shared pool: the bytes may be transferred to a worker.
  const slow = Buffer.allocUnsafeSlow(size + 1);
  const buffer = new Uint8Array(slow.buffer, slow.byteOffset, slow.byteLength);
  let length = 0;
  while (length < buffer.length) {
    const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
    if (bytesRead === 0) return buffer.subarray(0, length);
    length += bytesRead;
  }
  throw new Error(`grew past the ${size} bytes it had when opened`);
}

function kindOf(info: Stats): string {
  if (info.isDirectory()) return 'a directory';
  if (info.isFIFO()) return 'a FIFO';
  if (info.isCharacterDevice()) return 'a character device';
  if (info.isBlockDevice()) return 'a block device';
  if (info.isSocket()) return 'a socket';
  return 'another kind of file';
}
