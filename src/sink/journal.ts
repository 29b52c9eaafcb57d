import { open, readdir, readFile, rename } from 'node:fs/promises';
import { RemuxError, UsageError, messageOf } from '../errors.js';
import { crashPoint } from '../util/faults.js';
import { syncDirectory } from './output.js';
import type { CardInput } from './card.js';
import type { ShardInfo } from './shardWriter.js';
import { DEFAULT_SPLIT, errorsFile, isJournalFile, journalFile, type Slice } from './slice.js';

/** The first output row a run has not committed yet: source row `sourceIndex`, copy `copy`. */
export interface SourcePosition {
  sourceIndex: number;
  copy: number;
}

/** A committed shard and where the source stands after its last row. */
export interface JournalShard extends ShardInfo {
  next: SourcePosition;
  /** With `--push-to-hub`: its path in the repo once the hub has it (the local file may then be gone). */
  uploaded?: string;
}

/**
 * What `--resume` needs to continue a run exactly: the options that decide the output (refused
 * when they differ), the committed shards, and the shard size the run settled on (it is sized
 * from the first row group, so it must not be sized again from another one).
 */
export interface Journal {
  version: 1;
  slice: Slice;
  fingerprint: Record<string, unknown>;
  /** What `finalize` writes into remux.json and the dataset card, so it needs nothing but journals. */
  record: RunRecord;
  rowsPerShard: number | null;
  shards: JournalShard[];
  counts: Counts;
  /** The slice's rows are all read and every shard is committed; only the final renames may be missing. */
  finished: boolean;
}

export interface Counts {
  rowsIn: number;
  rowsOut: number;
  skipped: number;
}

export interface RunRecord {
  /** remux.json without its counts, shards and date. */
  manifest: Record<string, unknown>;
  /** The dataset card's inputs without the files and sizes. */
  card: Omit<CardInput, 'files' | 'rows' | 'bytes'>;
}

/** Replaces the journal atomically and durably: a crash leaves the old one or the new one. */
export async function writeJournal(out: string, journal: Journal): Promise<void> {
  const path = `${out}/${journalFile(journal.record.card.split, journal.slice)}`;
  try {
    const handle = await open(`${path}.tmp`, 'w');
    try {
      await handle.writeFile(`${JSON.stringify(journal, null, 1)}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    crashPoint('journal-written');
    await rename(`${path}.tmp`, path);
    await syncDirectory(out);
  } catch (error) {
    throw new RemuxError('ERR_REMUX_WRITE', `cannot write the journal ${path}: ${messageOf(error)}`);
  }
}

/**
 * `writeJournal` of `journal`, one write after another: shard commits and finished uploads both
 * record themselves, and two writes at once would share the `.tmp` file.
 */
export function journalSaver(out: string, journal: Journal): () => Promise<void> {
  let last: Promise<void> = Promise.resolve();
  return () => (last = last.catch(() => {}).then(() => writeJournal(out, journal)));
}

export async function readJournal(out: string, file: string): Promise<Journal | null> {
  let text: string;
  try {
    text = await readFile(`${out}/${file}`, 'utf8');
  } catch {
    return null;
  }
  try {
    const journal = JSON.parse(text) as Journal;
    if (journal.version !== 1 || !Array.isArray(journal.shards)) throw new Error(`unknown journal version ${String(journal.version)}`);
    return journal;
  } catch (error) {
    throw new RemuxError('ERR_REMUX_JOURNAL', `${out}/${file} is unreadable (${messageOf(error)}); start again with --overwrite`);
  }
}

/**
 * Every journal in `out`, of every split and slice. A journal must be under its split's name: an
 * older remux kept any split in `journal.json`, which would now pass for `train`'s.
 */
export async function readOutputJournals(out: string): Promise<{ file: string; journal: Journal }[]> {
  const found: { file: string; journal: Journal }[] = [];
  for (const file of (await readdir(out)).filter(isJournalFile).sort()) {
    const journal = (await readJournal(out, file))!;
    const { split } = journal.record.card;
    const expected = journalFile(split, journal.slice);
    if (file !== expected) throw new UsageError(`${out}/${file} holds split ${split}, whose journal this remux names ${expected}: rename it, and ${errorsFile(DEFAULT_SPLIT, journal.slice)} (if any) to ${errorsFile(split, journal.slice)}, to go on with it`);
    found.push({ file, journal });
  }
  return found;
}

/** The position after `last`: its next copy, or the next source row. */
export function positionAfter(last: SourcePosition, copies: number): SourcePosition {
  return last.copy + 1 < copies ? { sourceIndex: last.sourceIndex, copy: last.copy + 1 } : { sourceIndex: last.sourceIndex + 1, copy: 0 };
}

/**
 * Where a resumed run goes on: after the last committed shard; null when none is, so the run starts
 * at its own first row (row 0 for a whole run, the slice's first row for a slice).
 */
export function resumePosition(journal: Journal): SourcePosition | null {
  return journal.shards.at(-1)?.next ?? null;
}

/** The options that differ between a journal and this run, as `name: was → now`. */
export function fingerprintDifferences(recorded: Record<string, unknown>, current: Record<string, unknown>): string[] {
  const names = [...new Set([...Object.keys(recorded), ...Object.keys(current)])];
  const show = (v: unknown) => (v === undefined ? 'unset' : JSON.stringify(v).slice(0, 60));
  return names.filter((n) => JSON.stringify(recorded[n]) !== JSON.stringify(current[n])).map((n) => `${n}: ${show(recorded[n])} → ${show(current[n])}`);
}
