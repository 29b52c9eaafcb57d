import type { Field } from 'apache-arrow';
import type { RetryPolicy } from './http.js';
import type { RowGroupReader } from './rowGroups.js';

/** One row of the source, as the pipeline sees it. */
export interface SourceRow {
  /** Position in the source (the split), counting from 0 across all its files. */
  sourceIndex: number;
  /** The file the row comes from, as the user named it or relative to the source root. */
  file: string;
  /** Row number within that file. */
  fileRow: number;
  /** Encoded image bytes; null when the row has none (then `error` says why). */
  bytes: Uint8Array | null;
  /** `bytes` is a buffer of its own that nothing else holds: it may move to a worker instead of being copied, and is then gone from the row. */
  ownsBytes?: boolean;
  error?: string;
  label: number | null;
  /** Values of the `--keep-columns`, by name. */
  keep: Record<string, unknown>;
}

/** A column carried from the source to the output unchanged. */
export interface KeptColumn {
  field: Field;
  /** Its Hugging Face feature, from the source's metadata or derived from its Arrow type. */
  feature: unknown;
}

export interface Source {
  /** What the user gave, for messages and `remux.json`. */
  readonly description: string;
  /** Choices made for the user that they should hear about (a split picked, a column skipped). */
  readonly notes: string[];
  readonly split: string;
  /** What identifies the content read (hub: the files' ids in the repo), so --resume can refuse a source that changed; absent for local files. */
  readonly version?: string;
  /** Rows in the source (from metadata or a directory listing, without reading data). */
  readonly totalRows: number;
  /** Class names when the labels are a ClassLabel (or folder names); null when labels are plain ints. */
  readonly labelNames: string[] | null;
  readonly hasLabels: boolean;
  readonly keptColumns: KeptColumn[];
  /** Rows of each chunk `chunks()` yields, from metadata alone: slices of a partitioned run are cut at chunk boundaries. */
  readonly chunkRows: readonly number[];
  /**
   * Rows in source order, a chunk (a parquet row group, or a few files) at a time, from
   * `fromIndex` (default 0) on: rows before it are not yielded, and what lies wholly before it (a
   * row group, a file) is not read at all. A local parquet source has `reader` (the worker
   * threads) decode its row groups; the other sources read where they are called.
   */
  chunks(fromIndex?: number, reader?: RowGroupReader): AsyncIterable<SourceRow[]>;
}

export interface SourceOptions {
  split?: string;
  imageColumn?: string;
  labelColumn?: string;
  keepColumns: string[];
  /** Hub datasets: the config (subset) to read. Default: `default`, or the only one. */
  config?: string;
  /** Hub datasets: branch, tag or commit. Default `main`. */
  revision?: string;
  /** Hub datasets: access token. Default: the `HF_TOKEN` environment variable. */
  token?: string;
  /** `--push-to-hub`, which also uses `token` and `endpoint` (so they are no mistake on a local source then). */
  pushToHub?: string;
  /** Hub datasets: the hub's address, for mirrors. Default: `HF_ENDPOINT`, else https://huggingface.co. */
  endpoint?: string;
  /** Local parquet: rows that hold only an image path are read only from files whose real path lies under this directory. Default: any file. */
  imageRoot?: string;
  /** `--max-pixels`: it also caps the size of an image file read for a row that holds only its path. Default: `DEFAULT_MAX_PIXELS`. */
  maxPixels?: number;
  /** Hub datasets: HTTP retries (tests make the delays small). Default: `DEFAULT_RETRY` of http.ts. */
  retry?: Partial<RetryPolicy>;
  /** Hub datasets: aborting it (the run's Ctrl-C) ends every request and wait for a retry at once. */
  signal?: AbortSignal;
}

/** How messages name a source: the path, or the first files of a list. */
export function describeSpec(spec: string | string[]): string {
  if (!Array.isArray(spec)) return spec;
  return spec.length <= 2 ? spec.join(' ') : `${spec[0]} … (${spec.length} files)`;
}
