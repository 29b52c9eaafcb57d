import { readFile, rm } from 'node:fs/promises';
import { basename } from 'node:path';
import { setTimeout } from 'node:timers/promises';
import { RemuxError, UsageError, messageOf } from '../errors.js';
import { describeSpec } from '../source/source.js';
import { datasetCard, type CardInput } from './card.js';
import { fingerprintDifferences, readOutputJournals } from './journal.js';
import { takeLock, type OutputLock } from './lock.js';
import { writeFileAtomic } from './output.js';
import { bySplitOrder, OUTPUT_LOCK } from './slice.js';

/**
 * Several splits in one output: `remux.json` and the dataset card name every finalized split.
 * remux.json of one split is that split's record, as it always was; with several it is
 * `{"splits": {"train": <train's record>, "validation": <…>}}`, each record what remux.json of
 * that split alone would be.
 */
export type SplitRecord = Record<string, unknown>;

/** The record of every split in `out`'s remux.json (none without one), whichever shape it has. */
export async function readSplitRecords(out: string): Promise<Map<string, SplitRecord>> {
  let text: string;
  try {
    text = await readFile(`${out}/remux.json`, 'utf8');
  } catch {
    return new Map();
  }
  try {
    const json = JSON.parse(text) as { splits?: Record<string, SplitRecord>; source?: { split: string } };
    return new Map(json.splits ? Object.entries(json.splits) : [[json.source!.split, json]]);
  } catch (error) {
    throw new RemuxError('ERR_REMUX_JOURNAL', `${out}/remux.json is unreadable (${messageOf(error)}): start again with --overwrite`);
  }
}

/**
 * Puts `split`'s record and card into `out`'s remux.json and dataset card, next to the other
 * splits' (null takes it out: `--overwrite` of that split; with no split left both files go).
 * Held under the output's own lock: finalizes of other splits may rewrite the two files at once.
 * `features` are every split's (`checkSplitFeatures` saw to it).
 */
export async function publishSplit(out: string, split: string, features: Record<string, unknown>, entry: { record: SplitRecord; card: CardInput } | null): Promise<void> {
  await using _lock = await waitForOutputLock(out, entry ? 'finalize' : 'run');
  const records = await readSplitRecords(out);
  const cards = new Map([...records].map(([name, record]) => [name, cardOf(record, features)]));
  if (entry) {
    records.set(split, entry.record);
    cards.set(split, entry.card);
  } else {
    records.delete(split);
    cards.delete(split);
  }
  if (records.size === 0) {
    for (const file of ['remux.json', 'README.md']) await rm(`${out}/${file}`, { force: true });
    return;
  }
  const names = [...records.keys()].sort(bySplitOrder);
  const json = names.length === 1 ? records.get(names[0]) : { splits: Object.fromEntries(names.map((name) => [name, records.get(name)])) };
  await writeFileAtomic(`${out}/remux.json`, `${JSON.stringify(json, null, 2)}\n`);
  await writeFileAtomic(`${out}/README.md`, datasetCard(names.map((name) => cards.get(name)!)));
}

/** How long a split's finalize waits for another's to write remux.json and the card (milliseconds of file writes, normally). */
const OUTPUT_LOCK_WAIT_MS = 30_000;

/** The output's own lock, waited for: two splits that finish at once must both get into remux.json. */
async function waitForOutputLock(out: string, command: string): Promise<OutputLock> {
  const giveUp = Date.now() + OUTPUT_LOCK_WAIT_MS;
  for (;;) {
    try {
      return await takeLock(`${out}/${OUTPUT_LOCK}`, `--out ${out} (its remux.json and dataset card)`, command);
    } catch (error) {
      if (!(error instanceof UsageError && error.code === 'ERR_REMUX_LOCKED') || Date.now() > giveUp) throw error;
      await setTimeout(50);
    }
  }
}

/** What the dataset card says of a split already in remux.json, from its record. */
function cardOf(record: SplitRecord, features: Record<string, unknown>): CardInput {
  const { source, options, pipeline, counts, shards } = record as {
    source: { spec: string | string[]; split: string };
    options: { copies: number; seed: number };
    pipeline: CardInput['pipeline'];
    counts: { rowsOut: number };
    shards: { file: string; bytes: number }[];
  };
  const files = shards.map((s) => basename(s.file));
  return { split: source.split, files, features, rows: counts.rowsOut, bytes: shards.reduce((n, s) => n + s.bytes, 0), source: describeSpec(source.spec), pipeline, copies: options.copies, seed: options.seed };
}

/**
 * Refuses (one line, exit 2) a split whose features (labels and their names, the image format
 * and raw shape, kept columns and their types, `params`) differ from another split's in `out`:
 * `load_dataset` reads every split with the card's one set of features.
 */
export async function checkSplitFeatures(out: string, split: string, features: Record<string, unknown>): Promise<void> {
  const journals = await readOutputJournals(out).catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  });
  for (const { journal } of journals) {
    const other = journal.record.card;
    if (other.split === split) continue;
    const differences = fingerprintDifferences(other.features, features);
    if (differences.length > 0) {
      throw new UsageError(`--out ${out} holds split ${other.split} with other features than split ${split} has (${differences.join('; ')}): every split of an output has the same columns, labels, --format and --record-params; give ${split} another --out`);
    }
  }
}
