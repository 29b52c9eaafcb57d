import { mkdir, open, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { UsageError, reasonOf } from '../errors.js';
import { takeLock, type OutputLock } from './lock.js';
import { DEFAULT_SPLIT, describePart, describeSlice, errorsFile, isJournalOrErrors, journalFile, lockFile, stateFileOf, WHOLE, type Slice } from './slice.js';
import { publishSplit, readSplitRecords } from './splits.js';

/** Files remux writes into `--out` (and their `.tmp` forms while written); `--overwrite` removes only these. */
const isOutputEntry = (name: string) => ['data', 'remux.json', 'README.md'].flatMap((e) => [e, `${e}.tmp`]).includes(name) || isJournalOrErrors(name);

/**
 * Makes `out` ready for a new run of `split`: refuses a directory that holds anything remux did
 * not write, and one that already holds this split's output (unless `overwrite`), so nothing of
 * the user's is ever replaced. Other splits' files are never touched (`--overwrite` takes this
 * split out of remux.json and the card; `features` are what the card keeps for the others). A
 * slice of a partitioned run shares the directory with the other slices and only ever touches its
 * own files (`<prefix>-*` shards, its journal and errors file).
 */
export async function prepareOutput(out: string, overwrite: boolean, split: string, features: Record<string, unknown>, slice: Slice, prefix: string): Promise<void> {
  let entries: string[];
  try {
    const info = await stat(out);
    if (!info.isDirectory()) throw new UsageError(`--out ${out} is a file: give a directory`);
    entries = (await readdir(out)).filter((e) => !e.startsWith('.'));
  } catch (error) {
    if (error instanceof UsageError) throw error;
    entries = [];
  }
  const foreign = entries.filter((e) => !isOutputEntry(e));
  if (foreign.length > 0) {
    throw new UsageError(`--out ${out} is not empty and holds files remux did not write (${foreign.slice(0, 3).join(', ')}${foreign.length > 3 ? ', …' : ''}): choose a new or empty directory`);
  }
  const shards = (await readdir(`${out}/data`).catch(() => [] as string[])).filter((file) => file.startsWith(`${prefix}-`));
  if (slice.count === 1) {
    const published = (await readSplitRecords(out)).has(split);
    const own = entries.filter((e) => stateFileOf(e)?.split === split);
    const what = split === DEFAULT_SPLIT ? 'a remux output' : `split ${split}`;
    // A journal of a split remux.json does not list: a run that failed or was stopped, which --resume continues.
    if (own.includes(journalFile(split, slice)) && !published && !overwrite) throw new UsageError(`--out ${out} holds an unfinished run${split === DEFAULT_SPLIT ? '' : ` of split ${split}`}: run the same command with --resume to continue it, or pass --overwrite to replace it`);
    if ((own.length > 0 || shards.length > 0 || published) && !overwrite) throw new UsageError(`--out ${out} already holds ${what}: choose another directory or pass --overwrite to replace it`);
    if (published) await publishSplit(out, split, features, null);
    for (const entry of own) await rm(`${out}/${entry}`, { force: true });
  } else {
    if (entries.includes(journalFile(split, WHOLE))) throw new UsageError(`--out ${out} holds an unpartitioned run${split === DEFAULT_SPLIT ? '' : ` of split ${split}`}: choose another directory for ${describeSlice(slice)}`);
    if (entries.includes(journalFile(split, slice)) && !overwrite) throw new UsageError(`--out ${out} already holds ${describePart(split, slice)}: --resume continues it, --overwrite replaces it`);
    await rm(`${out}/${journalFile(split, slice)}`, { force: true });
    await rm(`${out}/${errorsFile(split, slice)}`, { force: true });
  }
  for (const file of shards) await rm(`${out}/data/${file}`, { force: true });
  await mkdir(`${out}/data`, { recursive: true });
}

/**
 * Locks `out` (created if need be) for one split and slice, so that no other remux (`run`,
 * `--resume`, `--overwrite`, `finalize`) works on it at the same time; other splits and the
 * slices of one partitioned run hold separate locks and share the directory.
 */
export async function lockOutput(out: string, split: string, slice: Slice, onNote?: (note: string) => void): Promise<OutputLock> {
  await ensureDirectory(out);
  const part = describePart(split, slice);
  return takeLock(`${out}/${lockFile(split, slice)}`, part ? `${part} in --out ${out}` : `--out ${out}`, 'run', onNote);
}

/**
 * Creates `out` and its missing parents one level at a time, refusing (one line, exit 2) a path
 * that cannot be a directory: Node's `mkdir -p` loops forever on one it cannot create under /proc.
 */
export async function ensureDirectory(out: string): Promise<void> {
  const make = async (dir: string, parents: boolean): Promise<void> => {
    try {
      await mkdir(dir);
    } catch (error) {
      const { code } = error as NodeJS.ErrnoException;
      if (code === 'EEXIST' && (await stat(dir)).isDirectory()) return;
      if (code === 'EEXIST') throw new UsageError(dir === out ? `--out ${out} is a file: give a directory` : `--out ${out}: cannot create it: ${dir} is a file, not a directory`);
      // ENOENT once the parent exists: a file system that takes no new directories there (/proc).
      if (code === 'ENOENT' && !parents) throw new UsageError(`--out ${out}: cannot create this directory: ${dirname(dir)} takes no new directories (ENOENT)`);
      if (code !== 'ENOENT' || dirname(dir) === dir) throw new UsageError(`--out ${out}: cannot create this directory (${reasonOf(error)})`);
      await make(dirname(dir), true);
      await make(dir, false);
    }
  };
  await make(out, true);
}

/** Whether anything is at `path`. */
export const pathExists = (path: string) => stat(path).then(() => true, () => false);

/** Writes a file so that readers see the old content or the new, never a part. */
export async function writeFileAtomic(path: string, content: string): Promise<void> {
  await writeFile(`${path}.tmp`, content);
  await rename(`${path}.tmp`, path);
}

/** Makes the renames inside `dir` durable: without it, a power loss may undo a rename the journal already counts on. */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
