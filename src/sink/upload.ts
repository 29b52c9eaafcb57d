import { openAsBlob } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { RemuxError, UsageError, messageOf, redact } from '../errors.js';
import { hubAccess, type HubAccess } from '../source/hub.js';
import { hubRepoOf } from '../source/hubRepo.js';
import type { RetryPolicy } from '../source/http.js';
import { invalid } from '../validate.js';
import type { Journal, JournalShard } from './journal.js';

/**
 * `--push-to-hub owner/name`: every committed shard is uploaded to the dataset repo under its
 * interim path (`data/train-00003.parquet`) as soon as it is committed, a few at a time, and the
 * journal records it (`uploaded`). Final names need the shard count, known only at the end, so
 * finalize makes one more hub commit that points the final paths at the LFS objects already
 * uploaded (by sha256: no byte is sent again), deletes the interim paths and adds README.md and
 * remux.json. `--delete-uploaded` removes a local shard once the journal says the hub has it.
 */

/** Uploads in flight at once; the run waits for one to finish before committing more. */
export const UPLOADS_IN_FLIGHT = 2;

/** A dataset repo to push to, and how to reach the hub. */
export interface PushTarget extends HubAccess {
  repo: string;
  token: string;
}

/** How to reach the hub: the same options and environment as a hub source. */
export interface HubConnection {
  endpoint?: string;
  token?: string;
  retry?: Partial<RetryPolicy>;
  /** Ends every request and wait for a retry at once (the run's Ctrl-C). */
  signal?: AbortSignal;
}

/** Checks `--push-to-hub` and that there is a token to write with; the token itself is never shown. */
export function pushTarget(repo: unknown, connection: HubConnection): PushTarget {
  const id = typeof repo === 'string' && !repo.startsWith('hf://') ? hubRepoOf(repo) : null;
  if (id === null) throw invalid('--push-to-hub', 'a dataset repo id owner/name', repo);
  const access = hubAccess(connection);
  if (access.token === undefined) throw new UsageError(`--push-to-hub ${id}: writing to the hub needs an access token with write access: pass --token or set HF_TOKEN`);
  return { ...access, repo: id, token: access.token };
}

const repoDesignation = (target: PushTarget) => ({ type: 'dataset' as const, name: target.repo });

/** Creates the dataset repo, or finds it there already (the hub answers 409). */
export async function ensureRepo(target: PushTarget): Promise<void> {
  const { createRepo, HubApiError } = await import('@huggingface/hub');
  try {
    await createRepo({ repo: repoDesignation(target), accessToken: target.token, hubUrl: target.endpoint, fetch: target.fetch });
  } catch (error) {
    if (error instanceof HubApiError && error.statusCode === 409) return;
    if (error instanceof RemuxError && error.code === 'ERR_REMUX_INTERRUPTED') throw error;
    throw new RemuxError('ERR_REMUX_PUSH', `--push-to-hub ${target.repo}: cannot create the dataset repo (${hubMessage(error)}); check the repo id and that HF_TOKEN or --token may write to it`);
  }
}

/** A hub error in one line: the status and the hub's own words, redacted (a server may echo the Authorization header). */
function hubMessage(error: unknown): string {
  const status = (error as { statusCode?: number }).statusCode;
  const text = redact(messageOf(error).split('\n')[0]);
  return status ? `HTTP ${status}: ${text}` : text;
}

/** The repo's files on `main` and, for LFS files, their sha256; empty for a repo without commits. */
export async function listRepoFiles(target: PushTarget): Promise<Map<string, string | null>> {
  const { listFiles, HubApiError } = await import('@huggingface/hub');
  const files = new Map<string, string | null>();
  try {
    for await (const entry of listFiles({ repo: repoDesignation(target), recursive: true, hubUrl: target.endpoint, accessToken: target.token, fetch: target.fetch })) {
      if (entry.type === 'file') files.set(entry.path, entry.lfs?.oid ?? null);
    }
  } catch (error) {
    if (error instanceof HubApiError && error.statusCode === 404) return files;
    throw new RemuxError('ERR_REMUX_PUSH', `--push-to-hub ${target.repo}: cannot list the repo (${hubMessage(error)})`);
  }
  return files;
}

export interface UploaderOptions {
  target: PushTarget;
  out: string;
  journal: Journal;
  /** Writes the journal (one write at a time: see `journalSaver`). */
  save: () => Promise<void>;
  /** Remove a local shard once the journal records it uploaded. */
  deleteUploaded: boolean;
}

/**
 * Uploads committed shards in the background, at most {@link UPLOADS_IN_FLIGHT} at once: `add`
 * waits while that many are in flight, so with `deleteUploaded` the disk holds the open shard and
 * a few committed ones whatever the dataset size. A failed upload (after the retries of the
 * hub's fetch) surfaces at the next `add` or at `drain`, as one line saying how to go on.
 */
export class ShardUploader {
  private readonly inFlight = new Set<Promise<void>>();
  private failure: RemuxError | null = null;

  constructor(private readonly options: UploaderOptions) {}

  /**
   * Picks up a resumed run: shards the hub already has under their interim path with the same
   * sha256 (their upload finished just before a crash) are recorded without a second upload,
   * the other committed-but-not-uploaded ones are uploaded again.
   */
  async resume(): Promise<void> {
    const { journal, deleteUploaded } = this.options;
    const pending = journal.shards.filter((s) => !s.uploaded);
    if (pending.length > 0) {
      const onHub = await listRepoFiles(this.options.target);
      const landed = pending.filter((s) => onHub.get(repoPath(s)) === s.sha256);
      for (const shard of landed) shard.uploaded = repoPath(shard);
      if (landed.length > 0) await this.options.save();
    }
    // A crash between the journal write and the removal leaves an uploaded shard on disk.
    if (deleteUploaded) for (const shard of journal.shards.filter((s) => s.uploaded)) await rm(this.localPath(shard), { force: true });
    for (const shard of journal.shards.filter((s) => !s.uploaded)) await this.add(shard);
  }

  /** Starts uploading `shard`, after waiting for room in the queue; throws an earlier upload's failure. */
  async add(shard: JournalShard): Promise<void> {
    while (this.inFlight.size >= UPLOADS_IN_FLIGHT) await Promise.race(this.inFlight);
    if (this.failure) throw this.failure;
    const task: Promise<void> = this.upload(shard)
      .catch((error: unknown) => void (this.failure ??= this.failed(shard, error)))
      .finally(() => this.inFlight.delete(task));
    this.inFlight.add(task);
  }

  /** Waits for every upload; throws the first failure. */
  async drain(): Promise<void> {
    await Promise.all(this.inFlight);
    if (this.failure) throw this.failure;
  }

  /** Waits for the uploads in flight when the run stops for another reason, so they record themselves. */
  async settle(): Promise<void> {
    await Promise.allSettled(this.inFlight);
  }

  private localPath(shard: JournalShard): string {
    return `${this.options.out}/data/${shard.file}`;
  }

  private async upload(shard: JournalShard): Promise<void> {
    const { target } = this.options;
    const { commit } = await import('@huggingface/hub');
    const path = repoPath(shard);
    await commit({
      repo: repoDesignation(target),
      title: `remux: add ${path}`,
      operations: [{ operation: 'addOrUpdate', path, content: await openAsBlob(this.localPath(shard)) }],
      hubUrl: target.endpoint,
      accessToken: target.token,
      fetch: target.fetch,
      // Plain LFS uploads: the Xet protocol needs its own storage service and gains nothing on shards uploaded once.
      useXet: false,
    });
    shard.uploaded = path;
    await this.options.save();
    if (this.options.deleteUploaded) await rm(this.localPath(shard), { force: true });
  }

  private failed(shard: JournalShard, error: unknown): RemuxError {
    const { target, out, journal } = this.options;
    return new RemuxError('ERR_REMUX_PUSH', `--push-to-hub ${target.repo}: uploading ${repoPath(shard)} failed (${hubMessage(error)}); the ${journal.shards.length} committed shard(s) and the journal in ${out} are intact: run the same command with --resume`, { cause: error });
  }
}

/** Where a shard goes in the repo before finalize: its interim name under `data/`. */
const repoPath = (shard: JournalShard) => `data/${shard.file}`;

/** A shard of the finished dataset: its final name, and its content by size and sha256. */
export interface FinalShard {
  file: string;
  bytes: number;
  sha256: string;
}

/**
 * The last hub commit of a pushed run: every shard under its final `data/` name, pointed at the
 * LFS object its interim upload left (by sha256, so nothing is sent again), the interim files
 * and any other `data/<split>-*.parquet` (an earlier push of the split) deleted, README.md and
 * remux.json from `dir` added. Safe to make again: a path already right is left out.
 */
export async function commitFinal(target: PushTarget, split: string, shards: FinalShard[], dir: string): Promise<void> {
  const onHub = await listRepoFiles(target);
  const finalPaths = new Set(shards.map((s) => `data/${s.file}`));
  const lines: unknown[] = [{ key: 'header', value: { summary: `remux: ${shards.length} shard(s) of split ${split}, dataset card and remux.json` } }];
  for (const shard of shards) {
    const path = `data/${shard.file}`;
    if (onHub.get(path) !== shard.sha256) lines.push({ key: 'lfsFile', value: { path, algo: 'sha256', size: shard.bytes, oid: shard.sha256 } });
  }
  for (const path of onHub.keys()) {
    if (path.startsWith(`data/${split}-`) && path.endsWith('.parquet') && !finalPaths.has(path)) lines.push({ key: 'deletedFile', value: { path } });
  }
  for (const file of ['README.md', 'remux.json']) {
    lines.push({ key: 'file', value: { path: file, content: (await readFile(`${dir}/${file}`)).toString('base64'), encoding: 'base64' } });
  }
  // The client's `commit` cannot point a path at an existing LFS object; its commit route can
  // (what huggingface_hub's copy operation sends), so this one request is made here.
  const url = `${target.endpoint}/api/datasets/${target.repo}/commit/main`;
  const response = await target.fetch(url, {
    method: 'POST',
    headers: { Authorization: `Bearer ${target.token}`, 'Content-Type': 'application/x-ndjson' },
    body: lines.map((line) => JSON.stringify(line)).join('\n'),
  }).catch((error: unknown) => {
    throw new RemuxError('ERR_REMUX_PUSH', `--push-to-hub ${target.repo}: the final commit failed (${hubMessage(error)}); rerun the same command (with --resume) or remux finalize to finish`);
  });
  if (!response.ok) {
    const detail = redact((await response.text()).split('\n')[0]).slice(0, 200);
    throw new RemuxError('ERR_REMUX_PUSH', `--push-to-hub ${target.repo}: the final commit failed (HTTP ${response.status}: ${detail}); rerun the same command (with --resume) or remux finalize to finish`);
  }
}
