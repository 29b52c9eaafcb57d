/**
 * Host side of the WASM SIMD kernels (kernels/wasm/assembly/resample.ts). The resampling pass
 * lays out the source bytes and the weight tables in the instance's memory and leaves its output
 * there: the pointwise passes and the final rounding then work on it in place, and only the
 * bytes are copied out. One instance per thread (each worker loads its own). Functions return
 * null/false for what they do not cover, so the caller falls back to the TypeScript reference.
 */
import { readFileSync } from 'node:fs';
import { axisWeights, sourceRows } from '../cpu/resampleAxisAligned.js';

interface Exports {
  memory: WebAssembly.Memory;
  resampleRows(src: number, srcW: number, rowMin: number, rows: number, xStart: number, xCount: number, xW: number, xTaps: number, outW: number, tmp: number): void;
  resampleColumns(tmp: number, rowMin: number, rowLength: number, outH: number, yStart: number, yCount: number, yW: number, yTaps: number, out: number): void;
  scaleOffset(px: number, n: number, scale: number, offset: number): void;
  grayMean(px: number, pixels: number): number;
  saturate(px: number, pixels: number, factor: number): void;
  toBytes(px: number, n: number): void;
  warpBilinearBytes(src: number, srcW: number, srcH: number, m0: number, m1: number, m2: number, m3: number, m4: number, m5: number, m6: number, m7: number, m8: number, outW: number, outH: number, f0: number, f1: number, f2: number, out: number): void;
}

let instance: Exports | null | undefined;

/** The kernel, loaded on first use; null when the build did not produce it or WASM SIMD is missing. */
export function wasmResampler(): Exports | null {
  if (instance === undefined) {
    try {
      const module = new WebAssembly.Module(readFileSync(new URL('./resample.wasm', import.meta.url)));
      instance = new WebAssembly.Instance(module, {}).exports as unknown as Exports;
    } catch {
      instance = null;
    }
  }
  return instance;
}

const align = (n: number) => (n + 15) & ~15;

/**
 * The resampled image as a view into the instance's memory: valid until the next call (which
 * reuses the memory), so a sample's program must finish before the next one starts.
 */
export function resampleAxisAlignedWasm(src: ArrayLike<number>, srcWidth: number, srcHeight: number, matrix: ArrayLike<number>, outWidth: number, outHeight: number): Float32Array | null {
  const wasm = wasmResampler();
  if (!wasm || !(src instanceof Uint8Array)) return null;
  const xs = axisWeights(outWidth, srcWidth, matrix[0], matrix[2]);
  const ys = axisWeights(outHeight, srcHeight, matrix[4], matrix[5]);
  if (xs.count.includes(0) || ys.count.includes(0)) return null;
  const { rowMin, rows } = sourceRows(ys, srcHeight);
  const rowLength = outWidth * 3;

  // Layout: source | x tables | y tables | tmp | out, each 16-byte aligned, with spare bytes for
  // the kernel's 4-wide loads and stores past the last pixel.
  let at = 0;
  const place = (bytes: number) => {
    const offset = at;
    at = align(at + bytes + 16);
    return offset;
  };
  const srcAt = place(src.byteLength);
  const xStartAt = place(xs.start.byteLength);
  const xCountAt = place(xs.count.byteLength);
  const xWAt = place(xs.weights.byteLength);
  const yStartAt = place(ys.start.byteLength);
  const yCountAt = place(ys.count.byteLength);
  const yWAt = place(ys.weights.byteLength);
  const tmpAt = place(rows * rowLength * 4);
  const outAt = place(outHeight * rowLength * 4);
  const missing = at - wasm.memory.buffer.byteLength;
  if (missing > 0) wasm.memory.grow(Math.ceil(missing / 65536));

  const heap = new Uint8Array(wasm.memory.buffer);
  heap.set(src, srcAt);
  heap.set(new Uint8Array(xs.start.buffer), xStartAt);
  heap.set(new Uint8Array(xs.count.buffer), xCountAt);
  heap.set(new Uint8Array(xs.weights.buffer), xWAt);
  heap.set(new Uint8Array(ys.start.buffer), yStartAt);
  heap.set(new Uint8Array(ys.count.buffer), yCountAt);
  heap.set(new Uint8Array(ys.weights.buffer), yWAt);
  wasm.resampleRows(srcAt, srcWidth, rowMin, rows, xStartAt, xCountAt, xWAt, xs.maxTaps, outWidth, tmpAt);
  wasm.resampleColumns(tmpAt, rowMin, rowLength, outHeight, yStartAt, yCountAt, yWAt, ys.maxTaps, outAt);
  return new Float32Array(wasm.memory.buffer, outAt, outHeight * rowLength);
}

/**
 * The general (bilinear, projective) warp from a byte source, as a view into the instance's memory
 * with the same lifetime as `resampleAxisAlignedWasm`'s; null for float sources.
 */
export function warpBilinearWasm(src: ArrayLike<number>, srcWidth: number, srcHeight: number, m: ArrayLike<number>, outWidth: number, outHeight: number, fill: ArrayLike<number>): Float32Array | null {
  const wasm = wasmResampler();
  if (!wasm || !(src instanceof Uint8Array)) return null;
  // Reading the pixel right of a row's last one is guarded in the kernel; 16 spare bytes anyway.
  const srcAt = 0;
  const outAt = align(src.byteLength + 16);
  const end = outAt + outWidth * outHeight * 12 + 16;
  if (end > wasm.memory.buffer.byteLength) wasm.memory.grow(Math.ceil((end - wasm.memory.buffer.byteLength) / 65536));
  new Uint8Array(wasm.memory.buffer).set(src, srcAt);
  wasm.warpBilinearBytes(srcAt, srcWidth, srcHeight, m[0], m[1], m[2], m[3], m[4], m[5], m[6], m[7], m[8], outWidth, outHeight, fill[0], fill[1], fill[2], outAt);
  return new Float32Array(wasm.memory.buffer, outAt, outWidth * outHeight * 3);
}

/** The instance when `px` lives in its memory (a resampling output), else null. */
function owning(px: Float32Array): Exports | null {
  const wasm = wasmResampler();
  return wasm && px.buffer === wasm.memory.buffer ? wasm : null;
}

/** Brightness, contrast and saturation in place; false when `px` is not in WASM memory or the stage is not covered. */
export function pointwiseWasm(px: Float32Array, stage: { type: string; factor?: number }): boolean {
  const wasm = owning(px);
  if (!wasm || stage.factor === undefined) return false;
  const pixels = px.length / 3;
  switch (stage.type) {
    case 'brightness':
      wasm.scaleOffset(px.byteOffset, px.length, stage.factor, 0);
      return true;
    case 'contrast':
      wasm.scaleOffset(px.byteOffset, px.length, stage.factor, (1 - stage.factor) * wasm.grayMean(px.byteOffset, pixels));
      return true;
    case 'saturation':
      wasm.saturate(px.byteOffset, pixels, stage.factor);
      return true;
    default:
      return false;
  }
}

/** Rounds to bytes in place and copies them out; null when `px` is not in WASM memory. */
export function toBytesWasm(px: Float32Array): Uint8Array | null {
  const wasm = owning(px);
  if (!wasm) return null;
  wasm.toBytes(px.byteOffset, px.length);
  return new Uint8Array(wasm.memory.buffer.slice(px.byteOffset, px.byteOffset + px.length));
}
