import { mkdir, open, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { UsageError } from '../errors.js';

/** Files remux writes into `--out` (and their `.tmp` forms while written); `--overwrite` removes exactly these. */
const OUTPUT_ENTRIES = ['data', 'remux.json', 'README.md', 'errors.jsonl', 'journal.json'].flatMap((e) => [e, `${e}.tmp`]);

/**
 * Makes `out` ready for a new run: refuses a directory that already holds a remux output (unless
 * `overwrite`) and one that holds anything else, so nothing of the user's is ever replaced.
 */
export async function prepareOutput(out: string, overwrite: boolean): Promise<void> {
  let entries: string[];
  try {
    const info = await stat(out);
    if (!info.isDirectory()) throw new UsageError(`--out ${out} is a file: give a directory`);
    entries = (await readdir(out)).filter((e) => !e.startsWith('.'));
  } catch (error) {
    if (error instanceof UsageError) throw error;
    entries = [];
  }
  const isRemuxOutput = entries.includes('remux.json') || entries.includes('data') || entries.includes('journal.json');
  const foreign = entries.filter((e) => !OUTPUT_ENTRIES.includes(e));
  if (foreign.length > 0) {
    throw new UsageError(`--out ${out} is not empty and holds files remux did not write (${foreign.slice(0, 3).join(', ')}${foreign.length > 3 ? ', …' : ''}): choose a new or empty directory`);
  }
  if (isRemuxOutput && !overwrite) throw new UsageError(`--out ${out} already holds a remux output: choose another directory or pass --overwrite to replace it`);
  for (const entry of OUTPUT_ENTRIES) await rm(`${out}/${entry}`, { recursive: true, force: true });
  await mkdir(`${out}/data`, { recursive: true });
}

/** Writes a file so that readers see the old content or the new, never a part. */
export async function writeFileAtomic(path: string, content: string): Promise<void> {
  await writeFile(`${path}.tmp`, content);
  await rename(`${path}.tmp`, path);
}

/** `train-00003.parquet` → `train-00003-of-00012.parquet`, Hugging Face's shard names, once the count is known. */
export function finalShardName(file: string, count: number): string {
  return file.replace(/\.parquet$/, `-of-${String(count).padStart(5, '0')}.parquet`);
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
