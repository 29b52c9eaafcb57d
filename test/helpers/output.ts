import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';

export const tempDir = (prefix: string) => mkdtemp(join(tmpdir(), `remux-${prefix}-`));

export interface ReadRow {
  /** Hugging Face's image struct, or `--format raw`'s pixels: rows of pixels of [r, g, b]. */
  image: { bytes: Uint8Array; path: string } | number[][][];
  label?: bigint | null;
  source_index: bigint;
  copy: number;
  [column: string]: unknown;
}

/** Reads every shard of an output with hyparquet (an independent reader), in shard order. */
export async function readOutput(out: string): Promise<{ files: string[]; rows: ReadRow[]; metadata: Record<string, string>[] }> {
  const files = (await readdir(`${out}/data`)).filter((f) => f.endsWith('.parquet')).sort();
  const rows: ReadRow[] = [];
  const metadata: Record<string, string>[] = [];
  for (const file of files) {
    const buffer = (await readFile(`${out}/data/${file}`)).buffer as ArrayBuffer;
    const md = await parquetMetadataAsync(buffer);
    metadata.push(Object.fromEntries((md.key_value_metadata ?? []).map((kv) => [kv.key, kv.value ?? ''])));
    rows.push(...((await parquetReadObjects({ file: buffer, compressors, utf8: false })) as unknown as ReadRow[]));
  }
  for (const row of rows) {
    const image = row.image as { bytes: Uint8Array; path: Uint8Array | string } | number[][][];
    if (!Array.isArray(image) && image.path instanceof Uint8Array) image.path = new TextDecoder().decode(image.path);
  }
  return { files, rows, metadata };
}

/** The encoded image, or a raw image's pixels as HWC bytes. */
export const imageBytes = (row: ReadRow): Uint8Array => (Array.isArray(row.image) ? Uint8Array.from(row.image.flat(2)) : row.image.bytes);
export const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** `source_index/copy → sha256 of the image`, to compare runs row by row. */
export function digest(rows: ReadRow[]): string[] {
  return rows.map((r) => `${r.source_index}/${r.copy}/${r.label ?? ''}/${sha256(imageBytes(r))}`);
}
