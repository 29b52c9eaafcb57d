/**
 * Byte buffers of their own (transferable between threads) without the zero fill that
 * `new Uint8Array(n)` pays: V8 asks for zeroed memory, which glibc clears with a memset once the
 * block comes from a reused heap (most do, in a long run). On places512 that memset was ~0.03 ms of
 * a worker's CPU per image and ~0.02 of the main thread's (perf), for buffers written whole right after.
 */

/**
 * `n` bytes whose contents are whatever the memory held: only for a buffer the caller overwrites
 * entirely before anyone reads it (a decoder's output, a copy), else output would depend on
 * leftovers and the same command would not give the same bytes.
 */
export function uninitializedBytes(n: number): Uint8Array {
  // allocUnsafeSlow: an ArrayBuffer of exactly n bytes, not a slice of Node's shared pool.
  return new Uint8Array(Buffer.allocUnsafeSlow(n).buffer, 0, n);
}

/** A copy of `bytes` in an ArrayBuffer of its own, whatever memory they are a view of (shared, a WASM instance's). */
export function copyBytes(bytes: Uint8Array): Uint8Array {
  const copy = uninitializedBytes(bytes.byteLength);
  copy.set(bytes);
  return copy;
}
