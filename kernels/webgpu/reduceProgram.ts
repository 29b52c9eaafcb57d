/**
 * The statistics pass: one workgroup per sample reduces the pass input of every sample whose pass
 * opens with contrast, autoContrast or equalize — mean gray (kernels/cpu/pointwise grayMean),
 * per-channel extremes (autoContrast) and, for equalize, the 3×256 histogram of whole levels and
 * Pillow's lookup table built from it (kernels/cpu/histogram equalize), in integers.
 *
 * Output per sample, `STATS_WORDS` floats: [0] mean gray, [1..3] minimum, [4..6] maximum,
 * [7..9] 1 where equalize changes the channel, [16 + c·256 + level] the lookup table.
 */
import type { WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import { REDUCE } from './passes.js';
import { RECORDS } from './wgsl.js';

export const STATS_WORDS = 16 + 3 * 256;
const THREADS = 256;

export class ReduceProgram implements WebGPUProgram {
  variableNames = ['src', 'rec'];
  outputShape: number[];
  shaderKey = 'remuxReduce';
  dispatchLayout = { x: [0] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [THREADS, 1, 1];
  uniforms = 'numSamples : i32,';

  /** @param capacity floats in the output buffer: at least `samples × STATS_WORDS` (a `sizeClass`, for tfjs's pool) */
  constructor(samples: number, capacity = samples * STATS_WORDS) {
    this.outputShape = [capacity];
    this.dispatch = [samples, 1, 1];
  }

  getUserCode(): string {
    return `
${RECORDS}
const THREADS = ${THREADS};
const STATS_WORDS = ${STATS_WORDS};
var<workgroup> sums : array<f32, THREADS>;
var<workgroup> mins : array<vec3<f32>, THREADS>;
var<workgroup> maxs : array<vec3<f32>, THREADS>;
var<workgroup> hist : array<atomic<u32>, 768>;

fn main(index : i32) {
  let s = i32(workgroupId.x);
  // No early return: barriers below must be reached by every thread (uniform control flow).
  let inBatch = s < uniforms.numSamples;
  let lid = i32(localIndex);
  for (var b = lid; b < 768; b += THREADS) { atomicStore(&hist[b], 0u); }
  workgroupBarrier();
  let flags = select(${REDUCE.none}, recI(s, REDUCE), inBatch);
  let base = recI(s, IN_BASE);
  let n = recI(s, IN_W) * recI(s, IN_H);
  var sum = 0.0;
  var mn = vec3<f32>(255.0);
  var mx = vec3<f32>(0.0);
  if (flags != ${REDUCE.none}) {
    for (var p = lid; p < n; p += THREADS) {
      let i = base + p * 3;
      let v = vec3<f32>(src[i], src[i + 1], src[i + 2]);
      sum += dot(GRAY, v);
      mn = min(mn, v);
      mx = max(mx, v);
      if (flags == ${REDUCE.histogram}) {
        let level = vec3<i32>(floor(v + 0.5));
        atomicAdd(&hist[level.x], 1u);
        atomicAdd(&hist[256 + level.y], 1u);
        atomicAdd(&hist[512 + level.z], 1u);
      }
    }
  }
  sums[lid] = sum;
  mins[lid] = mn;
  maxs[lid] = mx;
  workgroupBarrier();
  for (var stride = THREADS / 2; stride > 0; stride /= 2) {
    if (lid < stride) {
      sums[lid] += sums[lid + stride];
      mins[lid] = min(mins[lid], mins[lid + stride]);
      maxs[lid] = max(maxs[lid], maxs[lid + stride]);
    }
    workgroupBarrier();
  }
  let o = s * STATS_WORDS;
  if (inBatch && lid == 0) {
    result[o] = sums[0] / f32(max(n, 1));
    for (var c = 0; c < 3; c++) {
      result[o + 1 + c] = mins[0][c];
      result[o + 4 + c] = maxs[0][c];
    }
  }
  if (lid < 3 && flags == ${REDUCE.histogram}) {
    let h = lid * 256;
    var last = 255;
    while (last > 0 && atomicLoad(&hist[h + last]) == 0u) { last--; }
    let step = (u32(n) - atomicLoad(&hist[h + last])) / 255u;
    result[o + 7 + lid] = select(0.0, 1.0, step != 0u);
    var cumulative = 0u;
    for (var level = 0; level < 256; level++) {
      result[o + 16 + h + level] = f32(min(255u, (cumulative + step / 2u) / max(step, 1u)));
      cumulative += atomicLoad(&hist[h + level]);
    }
  }
}
`;
  }
}
