/**
 * The plumbing between stages: each stage is an async iterable that pulls from the one before,
 * so a slow stage throttles its upstream and memory stays bounded.
 */

/** An array as an async iterable, for the stages below. */
export async function* fromArray<T>(items: readonly T[]): AsyncGenerator<T> {
  yield* items;
}

/** A cap on what the items in flight weigh together (their bytes, say), beside their number. */
export interface WeightBudget<T> {
  weight: (item: T) => number;
  max: number;
}

/**
 * Applies `fn` to each item with at most `concurrency` calls in flight, yielding results in input
 * order. Upstream is pulled only when a slot is free. With `budget`, an item also waits until
 * the items in flight weigh at most `budget.max` with it (one heavier item runs alone).
 */
export async function* mapOrdered<T, U>(source: AsyncIterable<T>, concurrency: number, fn: (item: T) => Promise<U>, budget?: WeightBudget<T>): AsyncGenerator<U> {
  const inFlight: Array<{ result: Promise<U>; weight: number }> = [];
  const iterator = source[Symbol.asyncIterator]();
  let done = false;
  let weighed = 0;
  // An item pulled from upstream that waits for room in the budget.
  let waiting: { item: T; weight: number } | null = null;
  try {
    while (true) {
      while (inFlight.length < concurrency) {
        if (!waiting) {
          if (done) break;
          const next = await iterator.next();
          if (next.done) {
            done = true;
            break;
          }
          waiting = { item: next.value, weight: budget ? budget.weight(next.value) : 0 };
        }
        if (budget && inFlight.length > 0 && weighed + waiting.weight > budget.max) break;
        const result = fn(waiting.item);
        result.catch(() => {}); // awaited below, in order; avoid an unhandled rejection meanwhile
        inFlight.push({ result, weight: waiting.weight });
        weighed += waiting.weight;
        waiting = null;
      }
      if (inFlight.length === 0) return;
      const head = inFlight.shift()!;
      weighed -= head.weight;
      yield await head.result;
    }
  } finally {
    if (!done) await iterator.return?.();
    await Promise.allSettled(inFlight.map((f) => f.result));
  }
}

/**
 * `fn` of each item in order, the next one started as soon as the current one is handed out: one
 * row group is read while the consumer works on another, never more.
 */
export async function* prefetchOne<T, U>(items: T[], fn: (item: T, index: number) => Promise<U>): AsyncGenerator<U> {
  let next = items.length > 0 ? fn(items[0], 0) : null;
  for (let i = 1; next; i++) {
    const current = await next;
    next = i < items.length ? fn(items[i], i) : null;
    next?.catch(() => {}); // awaited on the next turn; a consumer that stops first does not care
    yield current;
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
