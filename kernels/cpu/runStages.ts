/**
 * The CPU reference of a sample's pixel program: runs its stages in order on RGB floats and
 * rounds to bytes at the end. Every other backend is checked against this.
 */
import { isAxisAligned, type Size } from '../../src/augment/geometry.js';
import type { Stage } from '../../src/augment/stages.js';
import { gaussianBlur, sharpness } from './convolve.js';
import { copyAxisAligned, movesWholePixels } from './copyAxisAligned.js';
import { autoContrast, equalize } from './histogram.js';
import { addNoise, erase } from './occlusion.js';
import { applyPointwise, type PointwiseStage } from './pointwise.js';
import { resampleAxisAligned } from './resampleAxisAligned.js';
import { warpBilinear } from './warpBilinear.js';
import { colourToBytesWasm, colourWasm, resampleColourWasm, warpBilinearWasm } from '../wasm/resampleWasm.js';
import { uninitializedBytes } from '../../src/util/bytes.js';

/** Which implementation runs the warp passes: the TypeScript reference, or WASM SIMD where it applies. */
export type Kernels = 'cpu' | 'wasm';

export function runStages(src: Uint8Array, srcSize: Size, stages: readonly Stage[], kernels: Kernels = 'cpu'): { data: Uint8Array; size: Size } {
  let px: ArrayLike<number> = src;
  let size = srcSize;
  let work: Float32Array | null = null;
  for (let i = 0; i < stages.length; i++) {
    const stage = stages[i];
    if (stage.type === 'warp') {
      // A whole-pixel move of the source with nothing after it: the bytes themselves, exactly.
      if (px === src && i === stages.length - 1 && movesWholePixels(stage.matrix)) {
        return { data: copyAxisAligned(src, size.width, size.height, stage.matrix, stage.size.width, stage.size.height, stage.fill), size: stage.size };
      }
      const axisAligned = isAxisAligned(stage.matrix);
      if (kernels === 'wasm' && axisAligned) {
        // The colour stages after the resampling ride on its pass (the rounding too when nothing else follows).
        const run = pointwiseRun(stages, i + 1);
        const fused = resampleColourWasm(px, size.width, size.height, stage.matrix, stage.size.width, stage.size.height, run, i + 1 + run.length === stages.length);
        if (fused instanceof Uint8Array) return { data: fused, size: stage.size };
        if (fused) {
          work = fused;
          px = work;
          size = stage.size;
          i += run.length;
          continue;
        }
      }
      const fast = kernels === 'wasm' && !axisAligned ? warpBilinearWasm(px, size.width, size.height, stage.matrix, stage.size.width, stage.size.height, stage.fill) : null;
      const warp = axisAligned ? resampleAxisAligned : warpBilinear;
      work = fast ?? warp(px, size.width, size.height, stage.matrix, stage.size.width, stage.size.height, stage.fill);
      size = stage.size;
      px = work;
      continue;
    }
    if (!work) throw new Error('a pixel program must start with a warp');
    const run = kernels === 'wasm' ? pointwiseRun(stages, i) : [];
    if (run.length > 0) {
      // The whole run in one WASM pass (and the rounding with it when nothing follows).
      if (i + run.length === stages.length) {
        const bytes = colourToBytesWasm(work, run);
        if (bytes) return { data: bytes, size };
      } else if (colourWasm(work, run)) {
        i += run.length - 1;
        continue;
      }
    }
    switch (stage.type) {
      case 'autoContrast':
        autoContrast(work);
        break;
      case 'equalize':
        equalize(work);
        break;
      case 'blur':
        work = gaussianBlur(work, size.width, size.height, stage.kernelSize, stage.sigma);
        break;
      case 'sharpness':
        work = sharpness(work, size.width, size.height, stage.factor);
        break;
      case 'noise':
        addNoise(work, stage);
        break;
      case 'erase':
        erase(work, size.width, stage);
        break;
      default:
        applyPointwise(work, stage);
    }
    px = work;
  }
  const floats = work ?? new Float32Array(src);
  return { data: (kernels === 'wasm' ? colourToBytesWasm(floats, []) : null) ?? toBytes(floats), size };
}

const POINTWISE: ReadonlySet<Stage['type']> = new Set(['brightness', 'contrast', 'saturation', 'hue', 'grayscale', 'solarize', 'posterize', 'invert']);

/** The consecutive pointwise stages from `from` on: what one colour pass can run. */
function pointwiseRun(stages: readonly Stage[], from: number): PointwiseStage[] {
  let end = from;
  while (end < stages.length && POINTWISE.has(stages[end].type)) end++;
  return stages.slice(from, end) as PointwiseStage[];
}

/** Rounds to the nearest level and clamps: the one rounding of the whole program. */
export function toBytes(px: Float32Array): Uint8Array {
  const out = uninitializedBytes(px.length);
  for (let i = 0; i < px.length; i++) {
    const v = (px[i] + 0.5) | 0;
    out[i] = v < 0 ? 0 : v > 255 ? 255 : v;
  }
  return out;
}
