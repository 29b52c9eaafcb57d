/**
 * Host side of the WASM SIMD kernels (kernels/wasm/assembly/resample.ts, colour.ts, reduce.ts). The
 * resampling pass lays out the source bytes and the weight tables in the instance's memory and
 * leaves its output there: the colour pass and the final rounding then work on it in place, and
 * only the bytes are copied out. One instance per thread (each worker loads its own). Functions return
 * null/false for what they do not cover, so the caller falls back to the TypeScript reference.
 */
import { readFileSync } from 'node:fs';
import type { PointwiseStage } from '../cpu/pointwise.js';
import { reducedSize } from '../cpu/boxReduce.js';
import { axisWeights, sourceRows } from '../cpu/resampleAxisAligned.js';
import { copyBytes, uninitializedBytes } from '../../src/util/bytes.js';

interface Exports {
  memory: WebAssembly.Memory;
  resampleRows(src: number, srcW: number, rowMin: number, rows: number, xStart: number, xCount: number, xW: number, xTaps: number, outW: number, tmp: number, rowFloats: number): void;
  resampleColumns(tmp: number, rowMin: number, rowLength: number, outH: number, yStart: number, yCount: number, yW: number, yTaps: number, out: number, program: number, ops: number, toBytes: boolean, planes: number, planeBytes: number): number;
  colourFromPlanes(planes: number, planeBytes: number, pixels: number, program: number, ops: number, to: number, out: number): number;
  grayMean(px: number, pixels: number): number;
  colour(px: number, pixels: number, program: number, ops: number, toBytes: boolean): number;
  warpBilinearBytes(src: number, srcW: number, srcH: number, m0: number, m1: number, m2: number, m3: number, m4: number, m5: number, m6: number, m7: number, m8: number, outW: number, outH: number, f0: number, f1: number, f2: number, out: number): void;
  boxReduce(src: number, w: number, h: number, channels: number, d: number, cols: number, sums: number, out: number): void;
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
 * A WASM memory never shrinks: after one 81 MP source (~250 MB in it) a worker would keep that
 * for the rest of the run, outside any budget. A resampling pass that starts a sample from bytes
 * (nothing of an earlier sample is needed then) takes a fresh instance when the memory grew past
 * this; below it (sources up to ~30 MP) the memory is reused, saving its page faults.
 */
const KEEP_MEMORY_BYTES = 128 << 20;

/** The kernel, on a fresh instance if the last sample left its memory larger than `KEEP_MEMORY_BYTES`. */
function resamplerForNewSample(): Exports | null {
  if (instance && instance.memory.buffer.byteLength > KEEP_MEMORY_BYTES) instance = undefined;
  return wasmResampler();
}

/**
 * The colour program's room at the start of memory, reserved before any image so that writing a
 * program never grows (and so detaches) the memory an image view lives in: 64 ops of 3 f32, then
 * the colour pass's scratch planes (3 × 256 f32; colour.ts's SCRATCH_OFFSET and CHUNK).
 */
const PROGRAM_OPS = 64;
const PROGRAM_BYTES = PROGRAM_OPS * 12 + 3 * 256 * 4;
/** Spare bytes after an image: the colour pass reads and writes whole groups of 4 pixels. */
const SPARE = 48;

/**
 * The axis-aligned resampling pass followed by `run`, the pointwise stages after it: the first
 * of its passes (up to a contrast stage) runs on each output row while it is in cache. With
 * `toBytes` (nothing follows the run) the rounded bytes, copied out; otherwise the image as a
 * view into the instance's memory, valid until the next call (which reuses the memory), so a
 * sample's program must finish before the next one starts. Null for float sources.
 */
export function resampleColourWasm(src: ArrayLike<number>, srcWidth: number, srcHeight: number, matrix: ArrayLike<number>, outWidth: number, outHeight: number, run: readonly PointwiseStage[], toBytes: boolean): Float32Array | Uint8Array | null {
  if (!(src instanceof Uint8Array)) return null;
  const wasm = resamplerForNewSample();
  if (!wasm) return null;
  const xs = axisWeights(outWidth, srcWidth, matrix[0], matrix[2]);
  const ys = axisWeights(outHeight, srcHeight, matrix[4], matrix[5]);
  if (xs.count.includes(0) || ys.count.includes(0)) return null;
  const { rowMin, rows } = sourceRows(ys, srcHeight);
  const rowLength = outWidth * 3;
  const passes = programs(run);
  // A pass that opens with contrast needs the mean of the resampled image, which the resampling pass returns.
  const first = passes.length > 0 && passes[0][0].type !== 'contrast' ? passes.shift()! : [];
  // When another pass follows, the image waits for it as planes, which the colour ops work on.
  const planar = passes.length > 0;

  // Layout: source | x tables | y tables | tmp | a source row as floats | out | planes (when planar), each 16-byte aligned,
  // with spare bytes for the kernel's 4-wide loads and stores past the last pixel.
  let at = PROGRAM_BYTES;
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
  const rowFloatsAt = place(srcWidth * 24 + 192);
  const outAt = place(outHeight * rowLength * 4 + SPARE);
  // R, G and B planes of the whole output, each with room for a last group of four run past it.
  const planeBytes = align(outWidth * outHeight * 4 + 16);
  const planesAt = planar ? place(3 * planeBytes) : 0;
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
  wasm.resampleRows(srcAt, srcWidth, rowMin, rows, xStartAt, xCountAt, xWAt, xs.maxTaps, outWidth, tmpAt, rowFloatsAt);
  writeProgram(wasm, first, 0);
  const mean = wasm.resampleColumns(tmpAt, rowMin, rowLength, outHeight, yStartAt, yCountAt, yWAt, ys.maxTaps, outAt, 0, first.length, toBytes && !planar, planesAt, planeBytes);
  if (planar) runPlanarPasses(wasm, planesAt, planeBytes, outWidth * outHeight, passes, mean, toBytes ? TO_BYTES : TO_FLOATS, outAt);
  const px = new Float32Array(wasm.memory.buffer, outAt, outHeight * rowLength);
  return toBytes ? bytesOf(px) : px;
}

/**
 * The general (bilinear, projective) warp from a byte source, as a view into the instance's memory
 * with the same lifetime as `resampleAxisAlignedWasm`'s; null for float sources.
 */
export function warpBilinearWasm(src: ArrayLike<number>, srcWidth: number, srcHeight: number, m: ArrayLike<number>, outWidth: number, outHeight: number, fill: ArrayLike<number>): Float32Array | null {
  if (!(src instanceof Uint8Array)) return null;
  const wasm = resamplerForNewSample();
  if (!wasm) return null;
  // Reading the pixel right of a row's last one is guarded in the kernel; 16 spare bytes anyway.
  const srcAt = PROGRAM_BYTES;
  const outAt = align(srcAt + src.byteLength + 16);
  const end = outAt + outWidth * outHeight * 12 + SPARE;
  if (end > wasm.memory.buffer.byteLength) wasm.memory.grow(Math.ceil((end - wasm.memory.buffer.byteLength) / 65536));
  new Uint8Array(wasm.memory.buffer).set(src, srcAt);
  wasm.warpBilinearBytes(srcAt, srcWidth, srcHeight, m[0], m[1], m[2], m[3], m[4], m[5], m[6], m[7], m[8], outWidth, outHeight, fill[0], fill[1], fill[2], outAt);
  return new Float32Array(wasm.memory.buffer, outAt, outWidth * outHeight * 3);
}

/** Divisors and channel counts the kernel takes (whole blocks divide by a shift; 3-channel sums are SIMD across too). */
const reducible = (channels: number, divisor: number) => (divisor === 2 || divisor === 4 || divisor === 8) && channels >= 1 && channels <= 4;

/** Source bytes copied into the instance per call of the reduce: bounds its memory, which never shrinks. */
const REDUCE_BAND_BYTES = 8 << 20;

/**
 * kernels/cpu/boxReduce.ts in WASM SIMD, the same bytes, in their own buffer. The source goes
 * through the instance's memory in bands of whole blocks (~8 MB), so a 100 MP photo does not
 * leave the instance 300 MB larger for the rest of the run. Null without the kernel, or for a
 * divisor other than 2, 4 or 8.
 */
export function boxReduceWasm(src: Uint8Array, width: number, height: number, channels: number, divisor: number): Uint8Array | null {
  const wasm = wasmResampler();
  if (!wasm || !reducible(channels, divisor)) return null;
  if (src.length !== width * height * channels) throw new RangeError(`box reduce: ${src.length} bytes for ${width}×${height}×${channels}`);
  const rowBytes = width * channels;
  const reduced = reducedSize(width, height, divisor);
  const outW = reduced.width;
  const outRowBytes = outW * channels;
  const bandRows = Math.min(height, divisor * Math.max(1, Math.floor(REDUCE_BAND_BYTES / (rowBytes * divisor))));
  // Every band below writes its rows.
  const out = uninitializedBytes(outRowBytes * reduced.height);
  // Layout: source band | column sums (u16, to whole blocks, + 16 zero lanes the SIMD loads read) |
  // block sums (u16, + 8 lanes for overlapping stores) | output band (+ 8 bytes for 8-byte stores).
  const srcAt = PROGRAM_BYTES;
  const colsAt = align(srcAt + bandRows * rowBytes);
  const sumsAt = align(colsAt + (outW * divisor * channels + 16) * 2);
  const outAt = align(sumsAt + (outRowBytes + 8) * 2);
  const end = outAt + Math.ceil(bandRows / divisor) * outRowBytes + 16;
  if (end > wasm.memory.buffer.byteLength) wasm.memory.grow(Math.ceil((end - wasm.memory.buffer.byteLength) / 65536));
  for (let y = 0; y < height; y += bandRows) {
    const rows = Math.min(bandRows, height - y);
    new Uint8Array(wasm.memory.buffer).set(src.subarray(y * rowBytes, (y + rows) * rowBytes), srcAt);
    wasm.boxReduce(srcAt, width, rows, channels, divisor, colsAt, sumsAt, outAt);
    out.set(new Uint8Array(wasm.memory.buffer, outAt, Math.ceil(rows / divisor) * outRowBytes), (y / divisor) * outRowBytes);
  }
  return out;
}

/** The instance when `px` lives in its memory (a resampling output), else null. */
function owning(px: Float32Array): Exports | null {
  const wasm = wasmResampler();
  return wasm && px.buffer === wasm.memory.buffer ? wasm : null;
}

/** Opcodes of kernels/wasm/assembly/colour.ts; contrast is a scale and offset once its mean is known. */
const OPCODES: Record<PointwiseStage['type'], number> = { brightness: 0, contrast: 0, saturation: 1, hue: 2, grayscale: 3, solarize: 4, posterize: 5, invert: 6 };

/** A stage's two parameters in the colour program. */
function operands(stage: PointwiseStage, mean: number): [number, number] {
  switch (stage.type) {
    case 'brightness':
    case 'saturation':
      return [stage.factor, 0];
    case 'contrast':
      return [stage.factor, (1 - stage.factor) * mean];
    case 'hue':
      return [stage.shift, 0];
    case 'solarize':
      return [stage.threshold, 0];
    case 'posterize':
      return [(0xff << (8 - stage.bits)) & 0xff, 0];
    default:
      return [0, 0];
  }
}

/**
 * The run cut into programs the kernel runs in one pass each: a contrast stage needs the gray
 * mean of the image before it, which the previous pass returns, so it starts a new program.
 */
function programs(run: readonly PointwiseStage[]): PointwiseStage[][] {
  const out: PointwiseStage[][] = [];
  for (const stage of run) {
    const last = out.at(-1);
    if (!last || last.length === PROGRAM_OPS || stage.type === 'contrast') out.push([stage]);
    else last.push(stage);
  }
  return out;
}

/** Writes a pass's program at offset 0; a contrast stage (only ever first) blends with `mean`. */
function writeProgram(wasm: Exports, pass: readonly PointwiseStage[], mean: number): void {
  const program = new Float32Array(wasm.memory.buffer, 0, PROGRAM_OPS * 3);
  for (const [k, stage] of pass.entries()) program.set([OPCODES[stage.type], ...operands(stage, mean)], k * 3);
}

/** colour.ts's `colourPlanes` destinations. */
const TO_PLANES = 0;
const TO_BYTES = 1;
const TO_FLOATS = 2;

/** The passes in order on the planes `resampleColumns` left, whose gray mean is `mean`; the last one leaves bytes or floats at `out`. */
function runPlanarPasses(wasm: Exports, planes: number, planeBytes: number, pixels: number, passes: readonly PointwiseStage[][], mean: number, last: number, out: number): void {
  for (const [p, pass] of passes.entries()) {
    writeProgram(wasm, pass, mean);
    mean = wasm.colourFromPlanes(planes, planeBytes, pixels, 0, pass.length, p === passes.length - 1 ? last : TO_PLANES, out);
  }
}

/** The passes in order on `px`, whose gray mean is `mean`; with `toBytes` the last one also rounds to bytes in place. */
function runPasses(wasm: Exports, px: Float32Array, passes: readonly PointwiseStage[][], mean: number, toBytes: boolean): void {
  for (const [p, pass] of passes.entries()) {
    writeProgram(wasm, pass, mean);
    mean = wasm.colour(px.byteOffset, px.length / 3, 0, pass.length, toBytes && p === passes.length - 1);
  }
}

/** The run in passes of the colour kernel; with `toBytes`, the last pass also rounds to bytes in place. */
function runColour(wasm: Exports, px: Float32Array, run: readonly PointwiseStage[], toBytes: boolean): void {
  const passes = programs(run);
  if (passes.length === 0) passes.push([]);
  // A mean is only computed when a contrast stage opens the first pass; later ones get it from the pass before.
  runPasses(wasm, px, passes, passes[0][0]?.type === 'contrast' ? wasm.grayMean(px.byteOffset, px.length / 3) : 0, toBytes);
}

/** The bytes a rounding pass left at the start of `px`, copied out of the instance's memory. */
function bytesOf(px: Float32Array): Uint8Array {
  return copyBytes(new Uint8Array(px.buffer, px.byteOffset, px.length));
}

/** A run of pointwise stages in place, in one pass per contrast stage; false when `px` is not in WASM memory. */
export function colourWasm(px: Float32Array, run: readonly PointwiseStage[]): boolean {
  const wasm = owning(px);
  if (!wasm) return false;
  runColour(wasm, px, run, false);
  return true;
}

/** A run of pointwise stages (none: only the rounding) then the rounding to bytes, copied out; null when `px` is not in WASM memory. */
export function colourToBytesWasm(px: Float32Array, run: readonly PointwiseStage[]): Uint8Array | null {
  const wasm = owning(px);
  if (!wasm) return null;
  runColour(wasm, px, run, true);
  return bytesOf(px);
}
