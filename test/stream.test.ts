import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mapOrdered } from '../src/util/stream.js';

async function* items<T>(values: T[]): AsyncGenerator<T> {
  yield* values;
}

/** Runs `mapOrdered` over `weights` with tasks that finish in a shuffled order; returns the results and the most weight seen in flight. */
async function run(weights: number[], concurrency: number, max?: number) {
  let inFlight = 0;
  let most = 0;
  let mostCount = 0;
  let count = 0;
  const results: number[] = [];
  const budget = max === undefined ? undefined : { weight: (w: number) => w, max };
  for await (const r of mapOrdered(items(weights), concurrency, async (w) => {
    inFlight += w;
    count++;
    most = Math.max(most, inFlight);
    mostCount = Math.max(mostCount, count);
    await new Promise((resolve) => setTimeout(resolve, (w * 7) % 5));
    inFlight -= w;
    count--;
    return w;
  }, budget)) results.push(r);
  return { results, most, mostCount };
}

test('mapOrdered keeps input order, at most `concurrency` in flight', async () => {
  const weights = Array.from({ length: 40 }, (_, i) => (i * 13) % 11 + 1);
  const { results, mostCount } = await run(weights, 4);
  assert.deepEqual(results, weights);
  assert.equal(mostCount, 4);
});

test('mapOrdered with a budget keeps the weight in flight under it; a heavier item runs alone', async () => {
  const weights = [3, 3, 3, 9, 1, 1, 20, 2, 2, 2, 2, 5, 5];
  const { results, most } = await run(weights, 8, 10);
  assert.deepEqual(results, weights, 'order kept');
  // 20 exceeds the budget: it ran, alone; everything else stayed within 10.
  assert.equal(most, 20);
  const without20 = await run(weights.filter((w) => w !== 20), 8, 10);
  assert.ok(without20.most <= 10, `at most 10 in flight, saw ${without20.most}`);
  assert.ok(without20.most >= 9, 'the budget is used, not left idle');
});
