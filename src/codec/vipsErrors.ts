/// <reference lib="es2024.sharedmemory" />
// (for the types of Atomics.waitAsync, which Node has had since 16)
/**
 * libvips keeps one error buffer for the whole process, and sharp reads and clears it when an
 * operation fails. Worker threads share that buffer, so with several images failing at once one
 * row's reason could be another's, or empty ("Unknown error"). Every sharp operation therefore
 * runs under a shared hold on a lock that all threads see; one that fails runs again under the
 * exclusive hold (no other sharp operation in the process), so the message it fails with is its
 * own. Failures are rare, so the retry costs nothing in a normal run.
 */

/** The lock's state: [shared holders, 1 while an exclusive holder waits or runs]. */
export type VipsLock = Int32Array;

const SHARED = 0;
const EXCLUSIVE = 1;

/** A lock for a pool's threads (its buffer goes to each worker in `workerData`). */
export function newVipsLock(): VipsLock {
  return new Int32Array(new SharedArrayBuffer(8));
}

let lock: VipsLock | null = null;

/** This thread's sharp operations take `shared`'s holds from now on (a worker, at start). */
export function useVipsLock(shared: VipsLock): void {
  lock = shared;
}

/**
 * Runs a sharp operation; when it fails, runs it again alone and throws that failure, whose
 * message then belongs to this operation. Without a lock (the main thread) it runs once.
 */
export async function withOwnVipsErrors<T>(operation: () => Promise<T>): Promise<T> {
  if (!lock) return operation();
  const state = lock;
  await holdShared(state);
  try {
    return await operation();
  } catch {
    // Fall through to the retry, after giving the shared hold back.
  } finally {
    releaseShared(state);
  }
  await holdExclusive(state);
  try {
    return await operation();
  } finally {
    Atomics.store(state, EXCLUSIVE, 0);
    Atomics.notify(state, EXCLUSIVE);
  }
}

async function holdShared(state: VipsLock): Promise<void> {
  while (true) {
    if (Atomics.load(state, EXCLUSIVE) === 0) {
      Atomics.add(state, SHARED, 1);
      if (Atomics.load(state, EXCLUSIVE) === 0) return;
      releaseShared(state); // an exclusive holder came in between: let it go first
    }
    await Atomics.waitAsync(state, EXCLUSIVE, 1).value;
  }
}

function releaseShared(state: VipsLock): void {
  if (Atomics.sub(state, SHARED, 1) === 1) Atomics.notify(state, SHARED);
}

async function holdExclusive(state: VipsLock): Promise<void> {
  while (Atomics.compareExchange(state, EXCLUSIVE, 0, 1) !== 0) await Atomics.waitAsync(state, EXCLUSIVE, 1).value;
  // No new shared holds start now; wait for those already running to end.
  for (let holders = Atomics.load(state, SHARED); holders !== 0; holders = Atomics.load(state, SHARED)) {
    await Atomics.waitAsync(state, SHARED, holders).value;
  }
}
