import { copyFile, mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { RemuxError, UsageError, messageOf } from '../errors.js';
import { crashPoint } from '../util/faults.js';
import { datasetCard } from './card.js';
import { fingerprintDifferences, readJournal, type Counts, type Journal, type JournalShard } from './journal.js';
import { syncDirectory, writeFileAtomic } from './output.js';
import type { HubConnection } from './upload.js';
import type { ShardInfo } from './shardWriter.js';
import { describeSlice, errorsFile, finalName, isJournalFile, journalFile } from './slice.js';

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
 * Joins finished runs into one dataset: the shards of every slice, in slice order, get their final
 * `<split>-0000n-of-0000N.parquet` names under the first directory's `data/` (moved there from the
 * others), then one `remux.json`, one dataset card and one errors.jsonl are written. Refuses,
 * naming the gap, when a slice is missing, unfinished or run with other options. Safe to run
 * again after a crash: shards already under their final names are left where they are.
 * A run with `--push-to-hub` then gets its final hub commit (see `commitFinal`), reaching the hub
 * through `hub` (else `HF_ENDPOINT`/`HF_TOKEN`); its shards may be on the hub only.
 */
export async function finalizeOutputs(outs: string[], hub: HubConnection = {}): Promise<FinalizeSummary> {
  const slices = orderSlices(await findJournals(outs), outs);
  const pushTo = slices[0].journal.fingerprint.pushToHub;
  // Checked before anything moves: a missing token should not leave a half-finished output.
  // The hub client and its libraries load only for a run made with --push-to-hub.
  const upload = typeof pushTo === 'string' ? await import('./upload.js') : null;
  const target = upload && upload.pushTarget(pushTo as string, hub);
  if (target) checkUploaded(slices);
  const dir = outs[0];
  const split = slices[0].journal.record.card.split;
  const listed = slices.flatMap(({ out, journal }) => journal.shards.map((shard) => ({ out, shard })));
  const all = shardsToKeep(listed);
  // The others are empty shards of slices that had no rows; a rerun after a crash finds them gone.
  for (const { out, shard } of listed) if (!all.some((kept) => kept.shard === shard)) await rm(`${out}/data/${shard.file}`, { force: true });
  await mkdir(`${dir}/data`, { recursive: true });
  const shards: ShardInfo[] = [];
  for (const [n, { out, shard }] of all.entries()) {
    const file = finalName(split, n, all.length);
    await placeShard(`${out}/data/${shard.file}`, `${dir}/data/${file}`, shard);
    shards.push({ file, rows: shard.rows, bytes: shard.bytes, sha256: shard.sha256 });
  }
  await syncDirectory(`${dir}/data`);

  const count = slices.length;
  const errors = count > 1 ? await joinedErrors(slices) : '';
  if (errors) await writeFileAtomic(`${dir}/errors.jsonl`, errors);
  const counts = slices.reduce((sum, { journal: j }) => ({ rowsIn: sum.rowsIn + j.counts.rowsIn, rowsOut: sum.rowsOut + j.counts.rowsOut, skipped: sum.skipped + j.counts.skipped }), { rowsIn: 0, rowsOut: 0, skipped: 0 });
  const bytes = shards.reduce((n, s) => n + s.bytes, 0);
  const { record } = slices[0].journal;
  const manifest = {
    ...record.manifest,
    createdAt: new Date().toISOString(),
    ...(count > 1 ? { slices: count } : {}),
    counts,
    shards: shards.map((s) => ({ file: `data/${s.file}`, rows: s.rows, bytes: s.bytes, sha256: s.sha256 })),
  };
  await writeFileAtomic(`${dir}/remux.json`, `${JSON.stringify(manifest, null, 2)}\n`);
  await writeFileAtomic(`${dir}/README.md`, datasetCard({ ...record.card, files: shards.map((s) => s.file), rows: counts.rowsOut, bytes }));
  if (upload && target) await upload.commitFinal(target, split, shards, dir);
  return { out: dir, split, slices: count, shards, counts, bytes, pushedTo: target?.repo ?? null };
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

async function findJournals(outs: string[]): Promise<Found[]> {
  const found: Found[] = [];
  for (const out of outs) {
    const entries = await readdir(out).catch((error: unknown) => {
      throw new UsageError(`remux finalize: cannot read ${out} (${messageOf(error)})`);
    });
    for (const file of entries.filter(isJournalFile).sort()) {
      found.push({ out, journal: (await readJournal(out, file))! });
    }
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
    const names = missing.slice(0, 5).map((index) => journalFile({ index, count }));
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
  const parts = await Promise.all(slices.map(({ out, journal }) => readFile(`${out}/${errorsFile(journal.slice)}`, 'utf8').catch(() => '')));
  return parts.join('');
}
