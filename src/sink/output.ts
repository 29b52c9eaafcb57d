import { mkdir, open, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { UsageError } from '../errors.js';
import { describeSlice, errorsFile, isJournalOrErrors, journalFile, type Slice } from './slice.js';

/** Files remux writes into `--out` (and their `.tmp` forms while written); `--overwrite` removes only these. */
const isOutputEntry = (name: string) => ['data', 'remux.json', 'README.md'].flatMap((e) => [e, `${e}.tmp`]).includes(name) || isJournalOrErrors(name);

/**
 * Makes `out` ready for a new run: refuses a directory that holds anything remux did not write,
 * and one that already holds this run's output (unless `overwrite`), so nothing of the user's is
 * ever replaced. A slice of a partitioned run shares the directory with the other slices and only
 * ever touches its own files (`<prefix>-*` shards, its journal and errors file).
 */
export async function prepareOutput(out: string, overwrite: boolean, slice: Slice, prefix: string): Promise<void> {
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
  if (slice.count === 1) {
    if (entries.length > 0 && !overwrite) throw new UsageError(`--out ${out} already holds a remux output: choose another directory or pass --overwrite to replace it`);
    for (const entry of entries) await rm(`${out}/${entry}`, { recursive: true, force: true });
  } else {
    if (entries.includes('journal.json')) throw new UsageError(`--out ${out} holds an unpartitioned run: choose another directory for ${describeSlice(slice)}`);
    if (entries.includes(journalFile(slice)) && !overwrite) throw new UsageError(`--out ${out} already holds ${describeSlice(slice)}: --resume continues it, --overwrite replaces it`);
    await rm(`${out}/${journalFile(slice)}`, { force: true });
    await rm(`${out}/${errorsFile(slice)}`, { force: true });
    for (const file of await readdir(`${out}/data`).catch(() => [] as string[])) if (file.startsWith(`${prefix}-`)) await rm(`${out}/data/${file}`, { force: true });
  }
  await mkdir(`${out}/data`, { recursive: true });
}

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
