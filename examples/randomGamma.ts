/**
 * A per-sample random gamma curve: each image gets its own gamma in [0.7, 1.5), drawn from remux's
 * seeded per-sample generator, so the same command always gives the same images.
 *
 *   remux run ./data --out ./out --augment examples/randomGamma.ts
 */
import type { AugmentFunction } from '../src/index.js';

export const GAMMA_RANGE = [0.7, 1.5] as const;

const randomGamma: AugmentFunction = (batch, { random, size }) => {
  const [low, high] = GAMMA_RANGE;
  const gamma = random.uniform([size, 1]).mul(high - low).add(low).reshape([size, 1, 1, 1]);
  return batch.div(255).pow(gamma).mul(255);
};

export default randomGamma;
