/**
 * Counter-based random numbers: every draw is a pure function of
 * (seed, source row, copy, op position, draw number). Nothing is shared between samples, so the
 * output does not depend on batch size, worker count, backend, `--limit` or resume position.
 *
 * The mixer is Chris Wellons' `lowbias32` (a murmur3-style finaliser with better avalanche);
 * a key is the chained mix of its words, a draw mixes the key with its counter.
 */
function lowbias32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x21f0aaad);
  x ^= x >>> 15;
  x = Math.imul(x, 0x735a2d97);
  x ^= x >>> 15;
  return x >>> 0;
}

function mixWords(words: readonly number[]): number {
  let h = 0x9e3779b9;
  for (const w of words) h = lowbias32((h ^ (w >>> 0)) + 0x7f4a7c15);
  return h;
}

/** Splits a non-negative safe integer into its low and high 32-bit words. */
function words64(n: number): [number, number] {
  return [n >>> 0, Math.floor(n / 0x1_0000_0000) >>> 0];
}

/**
 * The two 32-bit keys of a (seed, row, copy, stream) stream: draw `c` mixes them with `c`, so a
 * GPU kernel given these keys draws the same numbers in any order.
 */
export function streamKeys(seed: number, sourceIndex: number, copy: number, stream: number): [keyA: number, keyB: number] {
  const words = [...words64(seed), ...words64(sourceIndex), copy, stream];
  return [mixWords(words), mixWords([...words, 0x85ebca6b])];
}

export class SampleRng {
  private readonly keyA: number;
  private readonly keyB: number;
  private counter = 0;

  /** @param stream the op's position in the pipeline, so each op draws its own numbers */
  constructor(seed: number, sourceIndex: number, copy: number, stream: number) {
    [this.keyA, this.keyB] = streamKeys(seed, sourceIndex, copy, stream);
  }

  /** Uniform in [0, 1) with 53 random bits. */
  uniform(): number {
    const c = this.counter++;
    const hi = lowbias32(this.keyA ^ lowbias32(c)) >>> 5; // 27 bits
    const lo = lowbias32(this.keyB ^ lowbias32(c + 0x632be5ab)) >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform in [min, max). */
  range(min: number, max: number): number {
    return min + (max - min) * this.uniform();
  }

  /** Integer uniform in [min, maxExclusive). */
  int(min: number, maxExclusive: number): number {
    return min + Math.floor(this.uniform() * (maxExclusive - min));
  }

  /** True with probability p. */
  bernoulli(p: number): boolean {
    return this.uniform() < p;
  }
}
