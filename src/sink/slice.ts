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

/**
 * Several splits share one output (`--split validation` next to `train`), each with its own
 * journal, errors file and lock, named like a slice's with the split in front:
 * `journal-validation.json`, `journal-validation-00001-of-00003.json`. The default split keeps
 * the plain names, so an output of `train` alone is what it always was.
 */
export const DEFAULT_SPLIT = 'train';

/** The order splits are listed in (remux.json, the card, finalize): the default one first, as Hugging Face lists them, then by name. */
export const bySplitOrder = (a: string, b: string) => Number(b === DEFAULT_SPLIT) - Number(a === DEFAULT_SPLIT) || a.localeCompare(b);

const tag = (split: string, slice: Slice) => [split === DEFAULT_SPLIT ? '' : `-${split}`, slice.count === 1 ? '' : `-${pad(slice.index)}-of-${pad(slice.count)}`].join('');

/** `slice 1 of 3`, `split validation`, `split validation, slice 1 of 3`: what messages call a run's part of the output. */
export const describePart = (split: string, slice: Slice) => [split === DEFAULT_SPLIT ? '' : `split ${split}`, slice.count === 1 ? '' : describeSlice(slice)].filter(Boolean).join(', ');

export const journalFile = (split: string, slice: Slice) => `journal${tag(split, slice)}.json`;

/** The lock a run holds on its split and slice of the output (a dot file: never mistaken for the user's, never removed by `--overwrite`). */
export const lockFile = (split: string, slice: Slice) => `.remux${tag(split, slice)}.lock`;

/**
 * Held briefly while a split's finalize rewrites remux.json and the dataset card, which name every
 * split: runs of different splits may finish at once. No split can have this name (`-` is not
 * allowed in one).
 */
export const OUTPUT_LOCK = '.remux-all-splits.lock';

export const errorsFile = (split: string, slice: Slice) => `errors${tag(split, slice)}.jsonl`;

/** Interim shard names are `<prefix>-00007.parquet`; `finalize` gives them their `-of-N` names. */
export const shardPrefix = (split: string, slice: Slice) => (slice.count === 1 ? split : `${split}-slice${pad(slice.index)}-of-${pad(slice.count)}`);

/** A journal or errors file (or its `.tmp` form) of any split and slice: which it is, or null when `name` is none of remux's. */
export function stateFileOf(name: string): { kind: 'journal' | 'errors'; split: string; slice: Slice; tmp: boolean } | null {
  const match = /^(journal|errors)(?:-([\w.]+?))?(?:-(\d{5})-of-(\d{5}))?\.(jsonl?)(\.tmp)?$/.exec(name);
  if (!match || match[5] !== (match[1] === 'journal' ? 'json' : 'jsonl')) return null;
  const slice = match[3] ? { index: Number(match[3]), count: Number(match[4]) } : WHOLE;
  return { kind: match[1] as 'journal' | 'errors', split: match[2] ?? DEFAULT_SPLIT, slice, tmp: match[6] !== undefined };
}

/** A journal of any split and slice: what `remux finalize` looks for. */
export const isJournalFile = (name: string) => {
  const file = stateFileOf(name);
  return file?.kind === 'journal' && !file.tmp;
};

/** A journal or errors file of any split and slice, or its `.tmp` form: remux's own, never the user's. */
export const isJournalOrErrors = (name: string) => stateFileOf(name) !== null;

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
