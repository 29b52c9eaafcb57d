import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { parquetMetadata } from 'hyparquet';
import { messageOf } from '../errors.js';
import type { ShardInfo } from './shardWriter.js';

/**
 * How the shard file at `path` differs from what was committed as `shard` (size, sha256, and the
 * row count of its parquet footer), or null when it is the same file. `--resume` and `finalize`
 * both refuse a shard that changed after it was written.
 */
export async function shardDifference(path: string, shard: ShardInfo): Promise<string | null> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).byteLength;
  }
  const sha256 = hash.digest('hex');
  const rows = await footerRows(path, size);
  if (size === shard.bytes && sha256 === shard.sha256 && rows === shard.rows) return null;
  return `${size} bytes, ${typeof rows === 'number' ? `${rows} rows` : rows}, sha256 ${sha256.slice(0, 12)}…, but ${shard.bytes} bytes, ${shard.rows} rows, ${shard.sha256.slice(0, 12)}… were committed`;
}

/** The row count in a parquet file's footer, or why it cannot be read. */
async function footerRows(path: string, size: number): Promise<number | string> {
  const handle = await open(path, 'r');
  try {
    const tail = Buffer.alloc(Math.min(size, 8));
    await handle.read(tail, 0, tail.byteLength, size - tail.byteLength);
    const footer = tail.byteLength === 8 ? tail.readUInt32LE(0) : -1;
    if (footer < 0 || footer + 8 > size) return 'no parquet footer';
    const buffer = Buffer.alloc(footer + 8);
    await handle.read(buffer, 0, buffer.byteLength, size - buffer.byteLength);
    return Number(parquetMetadata(buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength)).num_rows);
  } catch (error) {
    return `an unreadable parquet footer (${messageOf(error)})`;
  } finally {
    await handle.close();
  }
}
