/**
 * A partitioned run (`--num-shards K --shard-index i`): slice i of K takes a contiguous range of
 * source chunks (parquet row groups, or groups of files), computed from metadata alone, and writes
 * its own shard names, journal and errors file into the output, so that K workers can share one
 * directory. `remux finalize` joins them. A whole run is slice 0 of 1, with the plain names.
 */
export interface Slice {
  index: number;
  count: number;
}

export const WHOLE: Slice = { index: 0, count: 1 };

const pad = (n: number) => String(n).padStart(5, '0');

export const describeSlice = (slice: Slice) => `slice ${slice.index} of ${slice.count}`;

const tag = (slice: Slice) => `${pad(slice.index)}-of-${pad(slice.count)}`;

export const journalFile = (slice: Slice) => (slice.count === 1 ? 'journal.json' : `journal-${tag(slice)}.json`);

/** The lock a run holds on its slice of the output (a dot file: never mistaken for the user's, never removed by `--overwrite`). */
export const lockFile = (slice: Slice) => (slice.count === 1 ? '.remux.lock' : `.remux-${tag(slice)}.lock`);

export const errorsFile = (slice: Slice) => (slice.count === 1 ? 'errors.jsonl' : `errors-${tag(slice)}.jsonl`);

/** Interim shard names are `<prefix>-00007.parquet`; `finalize` gives them their `-of-N` names. */
export const shardPrefix = (split: string, slice: Slice) => (slice.count === 1 ? split : `${split}-slice${tag(slice)}`);

/** A journal of a whole run or of any slice: what `remux finalize` looks for. */
export const isJournalFile = (name: string) => /^journal(-\d{5}-of-\d{5})?\.json$/.test(name);

/** A journal or errors file of a whole run or of any slice, or its `.tmp` form: remux's own, never the user's. */
export const isJournalOrErrors = (name: string) => /^(journal|errors)(-\d{5}-of-\d{5})?\.(json|jsonl)(\.tmp)?$/.test(name);

/** The final name of shard `n` of `total`: Hugging Face's `train-00003-of-00012.parquet`. */
export const finalName = (split: string, n: number, total: number) => `${split}-${pad(n)}-of-${pad(total)}.parquet`;

/**
 * The source rows `[start, end)` of a slice: the chunks whose first row falls in its share of the
 * rows, so that slices are contiguous, disjoint, cover everything and never split a chunk.
 */
export function sliceRows(chunkRows: readonly number[], slice: Slice, limit = Infinity): { start: number; end: number } {
  const total = Math.min(limit, chunkRows.reduce((a, b) => a + b, 0));
  const owner = (firstRow: number) => Math.min(slice.count - 1, Math.floor((firstRow * slice.count) / Math.max(1, total)));
  let start = -1;
  let end = -1;
  let firstRow = 0;
  for (const rows of chunkRows) {
    if (firstRow >= total) break;
    const who = owner(firstRow);
    if (who === slice.index && start < 0) start = firstRow;
    if (who > slice.index && end < 0) end = firstRow;
    firstRow += rows;
  }
  if (end < 0) end = total;
  // A slice that owns no chunk (more slices than chunks) is empty, where its chunks would start.
  return { start: start < 0 ? end : start, end };
}
