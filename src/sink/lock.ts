import { randomBytes } from 'node:crypto';
import { unlinkSync } from 'node:fs';
import { link, readFile, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { UsageError, messageOf, reasonOf } from '../errors.js';

/** What a lock file says about the process that holds it. */
export interface LockHolder {
  pid: number;
  host: string;
  /** When it took the lock (ISO 8601). */
  since: string;
  /** `run` or `finalize`. */
  command: string;
}

/** A holder refreshes its lock's mtime this often, so that other hosts can tell it is alive. */
const REFRESH_MS = 10_000;
/**
 * A lock from another host is stale once it has gone this long without a refresh (its pid cannot
 * be checked from here): a Kubernetes pod retried after a crash runs under a new host name.
 */
const STALE_AFTER_MS = 60_000;

/** A held lock: disposing of it (`await using`) releases it, on every way out of the scope. */
export interface OutputLock extends AsyncDisposable {
  path: string;
}

/** Lock files this process holds: removed on `process.exit` too (a second Ctrl-C exits at once). */
const held = new Set<string>();
process.on('exit', () => {
  for (const path of held) {
    try {
      unlinkSync(path);
    } catch {
      // already gone: nothing to release
    }
  }
});

/**
 * Takes the lock file `path` for `command`, or refuses (exit 2) naming the process that holds it.
 * The file is written whole under a unique name and then hard-linked into place, so taking it is
 * atomic and a reader never sees a part of it. A lock left by a dead process on this host, or
 * one from another host not refreshed for `STALE_AFTER_MS`, is taken over with a note; one from
 * a live process on this host never is.
 * `label` names what is locked in messages (`--out out`, `slice 1 of 3 in out`).
 */
export async function takeLock(path: string, label: string, command: string, onNote?: (note: string) => void): Promise<OutputLock> {
  const mine: LockHolder = { pid: process.pid, host: hostname(), since: new Date().toISOString(), command };
  // A few tries: after taking over a stale lock (or clearing a dead taker's guard), or when the
  // lock was released as we looked at it.
  for (let attempt = 0; attempt < 3; attempt++) {
    if (await linkNew(path, mine, label)) {
      held.add(path);
      const refresh = setInterval(() => void utimes(path, new Date(), new Date()).catch(() => {}), REFRESH_MS).unref();
      return {
        path,
        [Symbol.asyncDispose]: async () => {
          clearInterval(refresh);
          await releaseLock(path, mine);
        },
      };
    }
    const holder = await readHolder(path);
    if (holder === null) continue; // released between our try and our look
    const gone = whyGone(holder, path);
    if (gone === null) throw new UsageError(`${label} is in use: ${describeHolder(holder)} holds ${path}; wait for it to end or stop it${holder.host === mine.host ? '' : ` (a lock from another host is taken over once it goes ${STALE_AFTER_MS / 1000} s without a refresh)`}`, 'ERR_REMUX_LOCKED');
    if (await takeOver(path, holder, mine, label)) onNote?.(`took over ${path} from ${describeHolder(holder)}, ${gone}`);
  }
  throw new UsageError(`${label}: cannot take ${path}: other processes keep taking it`, 'ERR_REMUX_LOCKED');
}

/** Creates the lock file with `holder` in it; false when one exists already. */
async function linkNew(path: string, holder: LockHolder, label: string): Promise<boolean> {
  const draft = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(draft, `${JSON.stringify(holder)}\n`);
    await link(draft, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new UsageError(`${label}: cannot write the lock file ${path} (${reasonOf(error)}): give a directory remux can write to`);
  } finally {
    await unlink(draft).catch(() => {});
  }
}

/** The lock's holder and how long ago it last refreshed the lock; null when there is no lock. */
async function readHolder(path: string): Promise<(LockHolder & { idleMs: number }) | null> {
  let text: string;
  let idleMs: number;
  try {
    text = await readFile(path, 'utf8');
    idleMs = Date.now() - (await stat(path)).mtimeMs;
  } catch {
    return null;
  }
  try {
    return { ...(JSON.parse(text) as LockHolder), idleMs };
  } catch (error) {
    throw new UsageError(`${path} is not a remux lock file (${messageOf(error)}): delete it if no remux uses this output`, 'ERR_REMUX_LOCKED');
  }
}

/**
 * Removes a dead holder's lock, under a guard file so that two processes taking it over at once
 * cannot both win (one would otherwise delete the lock the other had just taken). Returns whether
 * this process removed it.
 */
async function takeOver(path: string, stale: LockHolder, mine: LockHolder, label: string): Promise<boolean> {
  const guard = `${path}.takeover`;
  if (!(await linkNew(guard, mine, label))) {
    const other = await readHolder(guard);
    if (other && whyGone(other, guard) === null) throw new UsageError(`${label} is in use: ${describeHolder(other)} is taking over ${path}`, 'ERR_REMUX_LOCKED');
    await unlink(guard).catch(() => {});
    return false;
  }
  try {
    const now = await readHolder(path);
    if (now === null || now.pid !== stale.pid || now.since !== stale.since || whyGone(now, path) === null) return false;
    await unlink(path);
    return true;
  } finally {
    await unlink(guard).catch(() => {});
  }
}

/** Removes the lock if it is still this one's: a holder stopped for long (SIGSTOP) may have lost it to another host. */
async function releaseLock(path: string, mine: LockHolder): Promise<void> {
  held.delete(path);
  const now = await readHolder(path).catch(() => null);
  if (now && now.pid === mine.pid && now.host === mine.host && now.since === mine.since) await unlink(path).catch(() => {});
}

/**
 * Why the holder of the lock at `path` is known to be gone, or null when it may be alive. On this
 * host: its pid no longer runs, or it is this process's pid on a lock this process does not hold
 * (a container restarted: remux is pid 1 again). Elsewhere: it stopped refreshing the lock.
 */
function whyGone(holder: LockHolder & { idleMs: number }, path: string): string | null {
  if (holder.host !== hostname()) return holder.idleMs > STALE_AFTER_MS ? `which has not refreshed it for ${Math.round(holder.idleMs / 1000)} s` : null;
  if (holder.pid === process.pid) return held.has(path) ? null : 'which is no longer running';
  try {
    process.kill(holder.pid, 0);
    return null;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM' ? null : 'which is no longer running';
  }
}

const describeHolder = (h: LockHolder) => `remux ${h.command} (pid ${h.pid} on host ${h.host}, since ${h.since})`;
