import { UsageError } from '../errors.js';
import { hasGlob, listFiles, statOrNull } from './files.js';
import { openFolderSource } from './folder.js';
import { openParquetSource } from './parquet.js';
import type { Source, SourceOptions } from './source.js';

export type { Source, SourceOptions, SourceRow, KeptColumn } from './source.js';

/**
 * Opens what the user named: a parquet file, several (a glob the shell expanded), a glob, a
 * directory holding parquet files, or an image folder.
 */
export async function openSource(spec: string | string[], options: SourceOptions): Promise<Source> {
  if (Array.isArray(spec)) return spec.length === 1 ? openSource(spec[0], options) : openParquetSource(spec, options);
  if (hasGlob(spec)) return openParquetSource(spec, options);
  const info = await statOrNull(spec);
  if (!info) throw new UsageError(`source ${spec}: no such file or directory`);
  if (info.isFile()) {
    if (!spec.endsWith('.parquet')) throw new UsageError(`source ${spec}: expected a .parquet file, a directory of parquet files or an image folder`);
    return openParquetSource(spec, options);
  }
  const files = await listFiles(spec);
  return files.some((f) => f.endsWith('.parquet')) ? openParquetSource(spec, options) : openFolderSource(spec, options);
}
