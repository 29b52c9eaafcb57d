import { UsageError } from '../errors.js';
import { invalid } from '../validate.js';
import { hasGlob, listFiles, statOrNull } from './files.js';
import { openFolderSource } from './folder.js';
import { hubRepoOf, isHubUrl } from './hubRepo.js';
import { openParquetSource } from './parquet.js';
import type { Source, SourceOptions } from './source.js';

export type { Source, SourceOptions, SourceRow, KeptColumn } from './source.js';

/**
 * Opens what the user named: a parquet file, several (a glob the shell expanded), a glob, a
 * directory holding parquet files, an image folder, or a Hugging Face hub dataset (`owner/name`
 * when no such local path exists, or `hf://datasets/owner/name`).
 */
export async function openSource(spec: string | string[], options: SourceOptions): Promise<Source> {
  if (Array.isArray(spec) && spec.length === 1) return openSource(spec[0], options);
  if (Array.isArray(spec) || hasGlob(spec)) {
    rejectHubOptions(options);
    return openParquetSource(spec, options);
  }
  if (isHubUrl(spec)) {
    const repo = hubRepoOf(spec);
    if (!repo) throw invalid('source', 'hf://datasets/owner/name', spec);
    return openHub(spec, repo, options);
  }
  const info = await statOrNull(spec);
  // A local path that exists always wins over a hub dataset of the same name.
  const repo = info || spec.endsWith('.parquet') ? null : hubRepoOf(spec);
  if (repo) return openHub(spec, repo, options);
  rejectHubOptions(options);
  if (!info) throw new UsageError(`source ${spec}: no such file or directory`);
  if (info.isFile()) {
    if (!spec.endsWith('.parquet')) throw new UsageError(`source ${spec}: expected a .parquet file, a directory of parquet files or an image folder`);
    return openParquetSource(spec, options);
  }
  const files = await listFiles(spec);
  return files.some((f) => f.endsWith('.parquet')) ? openParquetSource(spec, options) : openFolderSource(spec, options);
}

/** Hub options on a local source are a mistake worth naming, not something to ignore. */
function rejectHubOptions(options: SourceOptions): void {
  const hubOptions = options.pushToHub === undefined ? (['config', 'revision', 'token', 'endpoint'] as const) : (['config', 'revision'] as const);
  const hubOnly = hubOptions.filter((k) => options[k] !== undefined);
  if (hubOnly.length > 0) throw new UsageError(`${hubOnly.map((k) => `--${k}`).join(', ')}: for hub datasets (owner/name) only; this source is local`);
}

/** The hub client and its libraries load only for a hub source. */
async function openHub(spec: string, repo: string, options: SourceOptions): Promise<Source> {
  const { openHubSource } = await import('./hub.js');
  return openHubSource(spec, repo, options);
}
