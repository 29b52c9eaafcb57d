/**
 * The plumbing between stages: each stage is an async iterable that pulls from the one before,
 * so a slow stage throttles its upstream and memory stays bounded.
 */

/**
 * Applies `fn` to each item with at most `concurrency` calls in flight, yielding results in input
 * order. Upstream is pulled only when a slot is free.
 */
export async function* mapOrdered<T, U>(source: AsyncIterable<T>, concurrency: number, fn: (item: T) => Promise<U>): AsyncGenerator<U> {
  const inFlight: Array<Promise<U>> = [];
  const iterator = source[Symbol.asyncIterator]();
  let done = false;
  try {
    while (true) {
      while (!done && inFlight.length < concurrency) {
        const next = await iterator.next();
        if (next.done) done = true;
        else {
          const p = fn(next.value);
          p.catch(() => {}); // awaited below, in order; avoid an unhandled rejection meanwhile
          inFlight.push(p);
        }
      }
      if (inFlight.length === 0) return;
      yield await inFlight.shift()!;
    }
  } finally {
    if (!done) await iterator.return?.();
    await Promise.allSettled(inFlight);
  }
}

/** Flattens chunks into items, stopping after `limit` items. */
export async function* flatten<T>(chunks: AsyncIterable<T[]>, limit = Infinity): AsyncGenerator<T> {
  let n = 0;
  if (n >= limit) return;
  for await (const chunk of chunks) {
    for (const item of chunk) {
      yield item;
      if (++n >= limit) return;
    }
  }
}

/**
 * A bounded hand-off between a producer and a consumer: `put` waits while the queue is full,
 * `take` waits while it is empty. `end()` makes `take` return `undefined` once drained.
 */
export class BoundedQueue<T> {
  private readonly items: T[] = [];
  private ended = false;
  private failure: Error | null = null;
  private readonly takers: Array<() => void> = [];
  private readonly putters: Array<() => void> = [];

  constructor(private readonly capacity: number) {}

  /** Waits for room; throws once the consumer has failed, so a producer never waits forever. */
  async put(item: T): Promise<void> {
    while (this.items.length >= this.capacity && !this.failure) await new Promise<void>((r) => this.putters.push(r));
    if (this.failure) throw this.failure;
    this.items.push(item);
    this.takers.shift()?.();
  }

  async take(): Promise<T | undefined> {
    while (this.items.length === 0 && !this.ended) await new Promise<void>((r) => this.takers.push(r));
    const item = this.items.shift();
    this.putters.shift()?.();
    return item;
  }

  end(): void {
    this.ended = true;
    for (const t of this.takers.splice(0)) t();
  }

  /** The consumer stopped with `error`: waiting and future `put`s throw it. */
  fail(error: Error): void {
    this.failure = error;
    for (const p of this.putters.splice(0)) p();
  }
}
