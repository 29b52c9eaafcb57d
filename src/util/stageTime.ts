/**
 * Always-on, cheap accounting of where a run's time goes: a few `performance.now()` sums per
 * image, reported in the summary and used by `remux bench`.
 */

export const STAGES = ['read', 'decode', 'augment', 'encode', 'write'] as const;
export type StageName = (typeof STAGES)[number];

/**
 * Busy seconds per stage. Worker stages (decode, encode, and augment on the CPU backends) are summed
 * over the worker threads; on a batched backend `augment` is the time the device had at least one
 * batch in flight; `read` and `write` are the main thread's time in the source and the writer.
 */
export type StageSeconds = Record<StageName, number>;

export function noStageTime(): StageSeconds {
  return { read: 0, decode: 0, augment: 0, encode: 0, write: 0 };
}

/** Adds `more` into `into`. */
export function addStageTime(into: StageSeconds, more: Partial<StageSeconds>): void {
  for (const stage of STAGES) into[stage] += more[stage] ?? 0;
}

/** Seconds since `start` (a `performance.now()` reading). */
export const secondsSince = (start: number): number => (performance.now() - start) / 1000;

/**
 * Wall time during which at least one of several overlapping tasks is running (two GPU batches
 * are in flight at once: summing their durations would count the overlap twice), and the bytes
 * the tasks say they moved.
 */
export class BusyClock {
  seconds = 0;
  bytes = 0;
  private running = 0;
  private since = 0;

  /** Times `task`, counting only time no other timed task already covers. */
  async time<T>(task: () => Promise<T>): Promise<T> {
    if (this.running++ === 0) this.since = performance.now();
    try {
      return await task();
    } finally {
      if (--this.running === 0) this.seconds += secondsSince(this.since);
    }
  }
}

/** The source iterable, adding the time spent producing each item to `add`. */
export async function* timedIterable<T>(source: AsyncIterable<T>, add: (seconds: number) => void): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]();
  try {
    while (true) {
      const start = performance.now();
      const next = await iterator.next();
      add(secondsSince(start));
      if (next.done) return;
      yield next.value;
    }
  } finally {
    await iterator.return?.();
  }
}
