/**
 * The length a ragged batch's buffer is given: `n` rounded up to one of four steps per power of
 * two (at most a quarter more; at least 256). tfjs's buffer pool reuses a freed buffer only for a
 * request of exactly its size and keeps every freed one until the backend is disposed, so
 * buffers sized to each batch's own total (every batch's differs) were never reused and piled up
 * for the whole run: ~0.4 MB more device memory per batch of eight 150×100 images, without end.
 * Rounded, a run's batches ask for a few sizes, which the pool reuses.
 */
export function sizeClass(n: number): number {
  if (n <= 256) return 256;
  const step = 2 ** (Math.floor(Math.log2(n - 1)) - 2);
  return Math.ceil(n / step) * step;
}

/** The most `sizeClass` grows a length by: `sizeClass(n) ≤ n × SIZE_CLASS_GROWTH`. */
export const SIZE_CLASS_GROWTH = 1.25;
