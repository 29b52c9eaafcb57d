import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { RemuxError, UsageError } from '../errors.js';
import { pathExists, prepareOutput, writeFileAtomic } from './output.js';
import { describePart, errorsFile, finalName, journalFile, type Slice } from './slice.js';
import { checkSplitFeatures, readSplitRecords } from './splits.js';
import type { ShardInfo } from './shardWriter.js';
import { shardDifference } from './verify.js';
import { fingerprintDifferences, readJournal, resumePosition, writeJournal, type Journal, type JournalShard, type RunRecord, type SourcePosition } from './journal.js';

/** Where a run starts: a new journal at the beginning, or an interrupted run's journal and position. */
export interface OutputStart {
  journal: Journal;
  /** Where a resumed run goes on; null when nothing is committed yet (it starts at its slice's first row). */
  position: SourcePosition | null;
  /** What to tell the user about it, if anything. */
  note: string | null;
}

/** How a run uses its output directory. */
export interface OutputPlan {
  out: string;
  resume: boolean;
  overwrite: boolean;
  split: string;
  slice: Slice;
  /** Interim shard names start with it (`train`, or `train-slice00001-of-00003` for a slice). */
  prefix: string;
}

/**
 * Prepares `out` for a run. Without `resume`: a new output (refusing to replace one unless
 * `overwrite`) and a fresh journal. With it: the journal's run is checked against `fingerprint`
 * (refused naming what differs), its committed shards verified, and its position returned; an
 * empty or missing `out` simply starts a new run, so `--resume` can always be passed.
 */
export async function startOutput(plan: OutputPlan, fingerprint: Record<string, unknown>, record: RunRecord): Promise<OutputStart> {
  const { out, split, slice } = plan;
  if (plan.resume && plan.overwrite) throw new UsageError('--resume and --overwrite contradict each other: --resume continues the output in --out, --overwrite replaces it');
  await checkSplitFeatures(out, split, record.card.features);
  const journal = plan.resume ? await readJournal(out, journalFile(split, slice)) : null;
  if (!journal) {
    // A run killed before its first journal write left at most empty folders: nothing to keep.
    await prepareOutput(out, plan.overwrite || (plan.resume && !(await holdsOutput(out, split, plan.prefix))), split, record.card.features, slice, plan.prefix);
    const fresh: Journal = { version: 1, slice, fingerprint, record, rowsPerShard: null, shards: [], counts: { rowsIn: 0, rowsOut: 0, skipped: 0 }, finished: false };
    await writeJournal(out, fresh);
    return { journal: fresh, position: null, note: plan.resume ? `nothing to resume in ${out}: starting a new run` : null };
  }
  if (journal.fingerprint.outputVersion !== fingerprint.outputVersion) {
    const was = journal.fingerprint.outputVersion ?? 1;
    throw new UsageError(`--resume: the output in ${out} was made by a remux whose output differs from this one's for the same options (output version ${was}, this remux writes ${fingerprint.outputVersion}): start again with --overwrite or another --out, or finish it with the remux that started it`);
  }
  const differences = fingerprintDifferences(journal.fingerprint, fingerprint);
  if (differences.length > 0) {
    throw new UsageError(`--resume: the output in ${out} was made with other options (${differences.join('; ')}): rerun with the original options, or start again with --overwrite or another --out`);
  }
  await mkdir(`${out}/data`, { recursive: true });
  await restoreShards(plan, journal);
  const position = resumePosition(journal);
  if (!journal.finished) {
    // A finished run's counts are final; otherwise the rows from `position` on are read again
    // (all of them, the errors file being this run's own, when nothing is committed yet).
    journal.counts.skipped = await trimErrors(`${out}/${errorsFile(split, slice)}`, position?.sourceIndex ?? 0);
    journal.counts.rowsOut = journal.shards.reduce((n, s) => n + s.rows, 0);
  }
  const where = position ? `at source row ${position.sourceIndex}${position.copy > 0 ? ` copy ${position.copy}` : ''}` : 'from its first row';
  const note = journal.finished ? `resuming ${out}: every shard is committed; finishing` : `resuming ${out} ${where}: ${journal.shards.length} shard(s), ${journal.counts.rowsOut} rows kept`;
  return { journal, position, note };
}

/**
 * Brings `data/` back to what the journal says: committed shards are checked (size and sha256),
 * or trusted from the journal when only the hub has them now (`--delete-uploaded`); `.tmp` files
 * and shards renamed after the last journal write are removed (they will be written again,
 * identically).
 */
async function restoreShards(plan: OutputPlan, journal: Journal): Promise<void> {
  const dataDir = `${plan.out}/data`;
  const listed = new Set<string>();
  for (const shard of journal.shards) {
    const present = await presentName(dataDir, shard, journal);
    // Pushed and removed locally (--delete-uploaded): the hub has it, checked when it was uploaded.
    if (!present && shard.uploaded) continue;
    if (!present && journal.finished && journal.slice.count > 1) throw await finalizedSlice(plan, shard);
    if (!present) throw new RemuxError('ERR_REMUX_JOURNAL', `--resume: ${dataDir}/${shard.file} is listed in the journal but missing: the output cannot be resumed (start again with --overwrite)`);
    await checkShard(`${dataDir}/${present}`, shard);
    listed.add(present);
  }
  for (const entry of await readdir(dataDir)) if (entry.startsWith(`${plan.prefix}-`) && !listed.has(entry)) await rm(`${dataDir}/${entry}`, { force: true });
  await rm(`${plan.out}/${journalFile(plan.split, plan.slice)}.tmp`, { force: true });
}

/**
 * A finished slice's shards leave its `data/` when `remux finalize` moves them into the dataset:
 * say so (naming the manifest that lists them when it is in this directory) rather than call the
 * output broken.
 */
async function finalizedSlice(plan: OutputPlan, shard: JournalShard): Promise<UsageError> {
  const manifest = await readFile(`${plan.out}/remux.json`, 'utf8').catch(() => '');
  const what = `--resume: ${describePart(plan.split, plan.slice)} in ${plan.out} is finished`;
  if (manifest.includes(shard.sha256)) return new UsageError(`${what} and already finalized (${plan.out}/remux.json lists its shards): nothing to resume; the dataset in ${plan.out} is complete (to make this slice again, use a new --out)`);
  return new UsageError(`${what}, but its shards are gone from ${plan.out}/data: if remux finalize moved them into another output, nothing is left to resume; otherwise run this slice again with --overwrite`);
}

/** A shard is under its own name or, once the run has finished, perhaps already under its final one. */
async function presentName(dataDir: string, shard: JournalShard, journal: Journal): Promise<string | null> {
  const names = journal.finished && journal.slice.count === 1 ? [shard.file, finalName(journal.record.card.split, journal.shards.indexOf(shard), journal.shards.length)] : [shard.file];
  for (const name of names) if (await pathExists(`${dataDir}/${name}`)) return name;
  return null;
}

/** Whether `out` holds shards of this run or lists its split in remux.json (what --resume without a journal must not delete). */
async function holdsOutput(out: string, split: string, prefix: string): Promise<boolean> {
  const shards = (await readdir(`${out}/data`).catch(() => [] as string[])).filter((f) => f.startsWith(`${prefix}-`) && f.endsWith('.parquet'));
  return shards.length > 0 || (await readSplitRecords(out)).has(split);
}

async function checkShard(path: string, shard: ShardInfo): Promise<void> {
  const difference = await shardDifference(path, shard);
  if (difference) throw new RemuxError('ERR_REMUX_JOURNAL', `--resume: ${path} does not match the journal (${difference}): it changed after it was written; start again with --overwrite`);
}

/** Keeps the recorded skips of rows before `from` (the others are read again) and drops a torn last line; returns how many remain. */
async function trimErrors(path: string, from: number): Promise<number> {
  const text = await readFile(path, 'utf8').catch(() => null);
  if (text === null) return 0;
  const kept = text.split('\n').filter((line) => {
    try {
      return (JSON.parse(line) as { source_index: number }).source_index < from;
    } catch {
      return false;
    }
  });
  if (kept.length === 0) await rm(path, { force: true });
  else await writeFileAtomic(path, `${kept.join('\n')}\n`);
  return kept.length;
}
