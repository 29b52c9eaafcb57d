import { copyFile, mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { RemuxError, UsageError, messageOf } from '../errors.js';
import { crashPoint } from '../util/faults.js';
import { fingerprintDifferences, readOutputJournals, type Counts, type Journal, type JournalShard } from './journal.js';
import { pathExists, syncDirectory, writeFileAtomic } from './output.js';
import { takeLock, type OutputLock } from './lock.js';
import type { HubConnection } from './upload.js';
import type { ShardInfo } from './shardWriter.js';
import { bySplitOrder, describePart, describeSlice, errorsFile, finalName, journalFile, lockFile, WHOLE, type Slice } from './slice.js';
import { checkSplitFeatures, publishSplit } from './splits.js';
import { shardDifference } from './verify.js';

export interface FinalizeSummary {
  out: string;
  split: string;
  slices: number;
  shards: ShardInfo[];
  counts: Counts;
  bytes: number;
  /** The hub dataset repo the shards, card and remux.json were pushed to (`--push-to-hub`), or null. */
  pushedTo: string | null;
}

interface Found {
  out: string;
  journal: Journal;
}

/**
 * Joins finished runs into one dataset, one split after another: the shards of every slice of a
 * split, in slice order, get their final `<split>-0000n-of-0000N.parquet` names under the first
 * directory's `data/` (moved there from the others), then the split's errors file is written and
 * the split goes into `remux.json` and the dataset card, next to the splits there already. Refuses,
 * naming the gap, when a slice is missing, unfinished or run with other options, and when a
 * shard no longer matches its journal (size, rows, sha256), before anything is renamed. Holds
 * every slice's lock of the split meanwhile, so no worker can write into what it publishes. Safe
 * to run again after a crash: shards already under their final names are left where they are.
 * A run with `--push-to-hub` then gets its final hub commit (see `commitFinal`), reaching the hub
 * through `hub` (else `HF_ENDPOINT`/`HF_TOKEN`); its shards may be on the hub only.
 */
export async function finalizeOutputs(outs: string[], hub: HubConnection = {}): Promise<FinalizeSummary[]> {
  const summaries: FinalizeSummary[] = [];
  const splits = [...new Set((await findJournals(outs)).map((f) => f.journal.record.card.split))];
  for (const split of splits.sort(bySplitOrder)) {
    await using _locks = await lockSlices(await findJournals(outs, split), outs[0]);
    // Read again under the locks: a worker may have written its journal in the meantime.
    const slices = orderSlices(await findJournals(outs, split), outs);
    await checkShards(placements(slices, outs[0]));
    summaries.push(await joinSlices(slices, outs[0], hub));
  }
  return summaries;
}

/** `finalizeOutputs` for a whole run of `split` at its end: it holds its lock and checked its shards already. */
export async function finalizeRun(out: string, split: string, hub: HubConnection): Promise<FinalizeSummary> {
  return joinSlices(orderSlices(await findJournals([out], split), [out]), out, hub);
}

async function joinSlices(slices: Found[], dir: string, hub: HubConnection): Promise<FinalizeSummary> {
  const pushTo = slices[0].journal.fingerprint.pushToHub;
  // Checked before anything moves: a missing token should not leave a half-finished output.
  // The hub client and its libraries load only for a run made with --push-to-hub.
  const upload = typeof pushTo === 'string' ? await import('./upload.js') : null;
  const target = upload && upload.pushTarget(pushTo as string, hub);
  if (target) checkUploaded(slices);
  const { record } = slices[0].journal;
  const { split } = record.card;
  // Before anything moves: another split may have started with other features since this one did.
  await checkSplitFeatures(dir, split, record.card.features);
  const placed = placements(slices, dir);
  // The others are empty shards of slices that had no rows; a rerun after a crash finds them gone.
  for (const { out, journal } of slices) for (const shard of journal.shards) if (!placed.some((p) => p.shard === shard)) await rm(`${out}/data/${shard.file}`, { force: true });
  await mkdir(`${dir}/data`, { recursive: true });
  const shards: ShardInfo[] = [];
  for (const { from, to, file, shard } of placed) {
    await placeShard(from, to, shard);
    shards.push({ file, rows: shard.rows, bytes: shard.bytes, sha256: shard.sha256 });
  }
  await syncDirectory(`${dir}/data`);

  const count = slices.length;
  const errors = count > 1 ? await joinedErrors(slices) : '';
  if (errors) await writeFileAtomic(`${dir}/${errorsFile(split, WHOLE)}`, errors);
  const counts = slices.reduce((sum, { journal: j }) => ({ rowsIn: sum.rowsIn + j.counts.rowsIn, rowsOut: sum.rowsOut + j.counts.rowsOut, skipped: sum.skipped + j.counts.skipped }), { rowsIn: 0, rowsOut: 0, skipped: 0 });
  const bytes = shards.reduce((n, s) => n + s.bytes, 0);
  const manifest = {
    ...record.manifest,
    createdAt: new Date().toISOString(),
    ...(count > 1 ? { slices: count } : {}),
    counts,
    shards: shards.map((s) => ({ file: `data/${s.file}`, rows: s.rows, bytes: s.bytes, sha256: s.sha256 })),
  };
  await publishSplit(dir, split, record.card.features, { record: manifest, card: { ...record.card, files: shards.map((s) => s.file), rows: counts.rowsOut, bytes } });
  if (upload && target) await upload.commitFinal(target, split, shards, dir);
  return { out: dir, split, slices: count, shards, counts, bytes, pushedTo: target?.repo ?? null };
}

/**
 * What a finished slice tells its user to run: `remux finalize` on the directory's absolute path
 * (workers often run elsewhere than finalize), asking for the other outputs too unless every
 * slice's journal is in this one.
 */
export async function finalizeHint(out: string, split: string, slice: Slice): Promise<string> {
  const entries = await readdir(out);
  const here = Array.from({ length: slice.count }, (_, index) => journalFile(split, { index, count: slice.count })).filter((file) => entries.includes(file)).length;
  return `remux finalize ${resolve(out)}${here < slice.count ? ` (adding the --out of each slice that wrote elsewhere: ${here} of ${slice.count} are here)` : ''}`;
}

/**
 * A slice with no rows (more slices than row groups, or every image of it skipped) wrote an empty
 * shard so that it could finish like the others; the dataset keeps one only when it has no rows
 * at all (so that readers still find the schema).
 */
function shardsToKeep<T extends { shard: JournalShard }>(listed: T[]): T[] {
  const withRows = listed.filter(({ shard }) => shard.rows > 0);
  return withRows.length > 0 ? withRows : listed.slice(0, 1);
}

/** Where each shard kept in the dataset goes: from its slice's `data/` to its final name under `dir`. */
interface Placement {
  from: string;
  to: string;
  file: string;
  shard: JournalShard;
}

function placements(slices: Found[], dir: string): Placement[] {
  const split = slices[0].journal.record.card.split;
  const kept = shardsToKeep(slices.flatMap(({ out, journal }) => journal.shards.map((shard) => ({ out, shard }))));
  return kept.map(({ out, shard }, n) => {
    const file = finalName(split, n, kept.length);
    return { from: `${out}/data/${shard.file}`, to: `${dir}/data/${file}`, file, shard };
  });
}

/** Every shard, where it is now (its slice's name, or its final one after an interrupted finalize), must be the file its journal committed. */
async function checkShards(placed: Placement[]): Promise<void> {
  for (const { from, to, shard } of placed) {
    const path = (await pathExists(from)) ? from : (await pathExists(to)) ? to : null;
    if (path === null) continue; // only on the hub (--delete-uploaded), or missing: placeShard says which
    const difference = await shardDifference(path, shard);
    if (difference) throw new RemuxError('ERR_REMUX_JOURNAL', `remux finalize: ${path} does not match its journal (${difference}): it changed after its slice finished; nothing was renamed (run that slice again with --overwrite, or put the original file back)`);
  }
}

/**
 * The lock of every slice of the run, so that no worker runs, resumes or replaces one while it is
 * joined: in the directory of its journal, or in the first one for a slice not found (yet).
 */
async function lockSlices(found: Found[], first: string): Promise<AsyncDisposable> {
  const { slice: { count }, record: { card: { split } } } = found[0].journal;
  const slices = Array.from({ length: count }, (_, index) => ({ out: found.find((f) => f.journal.slice.index === index)?.out ?? first, slice: { index, count } }));
  const locks: OutputLock[] = [];
  const release = async () => {
    for (const lock of locks.splice(0)) await lock[Symbol.asyncDispose]();
  };
  try {
    for (const { out, slice } of slices) locks.push(await takeLock(`${out}/${lockFile(split, slice)}`, `remux finalize: ${describePart(split, slice) ? `${describePart(split, slice)} in ${out}` : out}`, 'finalize'));
  } catch (error) {
    await release();
    throw error;
  }
  return { [Symbol.asyncDispose]: release };
}

/** The journals in `outs`, of `split` only when given. */
async function findJournals(outs: string[], split?: string): Promise<Found[]> {
  const found: Found[] = [];
  for (const out of outs) {
    const journals = await readOutputJournals(out).catch((error: unknown) => {
      if (error instanceof UsageError) throw error;
      throw new UsageError(`remux finalize: cannot read ${out} (${messageOf(error)})`);
    });
    for (const { journal } of journals) if (split === undefined || journal.record.card.split === split) found.push({ out, journal });
  }
  if (found.length === 0) throw new UsageError(`remux finalize: no remux journal in ${outs.join(', ')}: nothing to finalize`);
  return found;
}

/** The slices in order, after checking that they are all there, finished, and made alike. */
function orderSlices(found: Found[], outs: string[]): Found[] {
  const first = found[0];
  const count = first.journal.slice.count;
  const bySlice = new Map<number, Found>();
  for (const f of found) {
    const what = `${describeSlice(f.journal.slice)} in ${f.out}`;
    if (f.journal.slice.count !== count) throw new UsageError(`remux finalize: ${what} belongs to a run split ${f.journal.slice.count} ways, but ${describeSlice(first.journal.slice)} in ${first.out} to one split ${count} ways`);
    const differences = fingerprintDifferences(first.journal.fingerprint, f.journal.fingerprint);
    if (differences.length > 0) throw new UsageError(`remux finalize: ${what} was run with other options than ${describeSlice(first.journal.slice)} in ${first.out} (${differences.join('; ')})`);
    const twice = bySlice.get(f.journal.slice.index);
    if (twice) throw new UsageError(`remux finalize: ${describeSlice(f.journal.slice)} is in both ${twice.out} and ${f.out}`);
    bySlice.set(f.journal.slice.index, f);
  }
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !bySlice.has(i));
  if (missing.length > 0) {
    const names = missing.slice(0, 5).map((index) => journalFile(first.journal.record.card.split, { index, count }));
    throw new UsageError(`remux finalize: ${missing.length} of ${count} slices missing (${names.join(', ')}${missing.length > 5 ? ', …' : ''} not found in ${outs.join(', ')}): run those workers first`);
  }
  const ordered = [...bySlice.keys()].sort((a, b) => a - b).map((i) => bySlice.get(i)!);
  for (const { out, journal } of ordered) {
    if (!journal.finished) throw new UsageError(`remux finalize: ${describeSlice(journal.slice)} in ${out} is not finished (${journal.shards.length} shard(s) committed): run its worker again with --resume`);
  }
  return ordered;
}

/** Moves a shard to its final place (copying across filesystems), or finds it already there or only on the hub. */
async function placeShard(from: string, to: string, shard: JournalShard): Promise<void> {
  const size = async (path: string) => (await stat(path).catch(() => null))?.size ?? null;
  if ((await size(from)) === null) {
    if ((await size(to)) === shard.bytes || shard.uploaded) return;
    throw new RemuxError('ERR_REMUX_JOURNAL', `remux finalize: shard ${from} is listed in its journal but missing`);
  }
  if (from === to) return;
  await rename(from, to).catch(async (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EXDEV') throw error;
    await copyFile(from, `${to}.tmp`);
    await rename(`${to}.tmp`, to);
    await rm(from);
  });
  crashPoint('final-renamed');
}

/** A pushed run is finalized on the hub once the hub has every shard. */
function checkUploaded(slices: Found[]): void {
  for (const { out, journal } of slices) {
    const missing = journal.shards.filter((s) => !s.uploaded).length;
    if (missing > 0) throw new UsageError(`remux finalize: ${describeSlice(journal.slice)} in ${out} has ${missing} shard(s) not uploaded to the hub yet: run its worker again with --resume`);
  }
}

async function joinedErrors(slices: Found[]): Promise<string> {
  const parts = await Promise.all(slices.map(({ out, journal }) => readFile(`${out}/${errorsFile(journal.record.card.split, journal.slice)}`, 'utf8').catch(() => '')));
  return parts.join('');
}
