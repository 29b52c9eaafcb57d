/**
 * What of a source image a row's samples read, known from their plans before any pixel is decoded:
 * the smallest DCT scale that keeps at least one decoded pixel per output pixel, and the box of the
 * upright image their first warp reads (with the resampling filter's reach). Decoding only that
 * is what makes a RandomResizedCrop of a large photo cheap.
 */
import { isAxisAligned, type Mat3 } from '../augment/geometry.js';
import type { SamplePlan } from '../augment/pipeline.js';
import type { Box, DecodeRequest, Size } from '../codec/jpegWindow.js';

/**
 * The scales the request chooses from, in eighths: libjpeg-turbo has SIMD inverse DCTs for these
 * (8×8, 4×4, 2×2, 1×1); 3/8, 5/8, 6/8 and 7/8 run its plain C ones.
 */
const SCALES = [1, 2, 4, 8];

/**
 * The request of a row whose copies run `plans` (planned against the full upright `source`).
 * `worstScaleNum` is the pipeline's own bound (`8 / decodeDivisor`), used for a first warp that
 * rotates or shears, whose reach per output pixel the plan does not state simply.
 */
export function decodeRequest(plans: readonly SamplePlan[], source: Size, worstScaleNum: number): DecodeRequest {
  let scaleNum = 1;
  for (const plan of plans) scaleNum = Math.max(scaleNum, neededScale(firstWarp(plan).matrix, worstScaleNum));
  let box: Box | null = null;
  for (const plan of plans) {
    const warp = firstWarp(plan);
    const read = readBox(warp.matrix, warp.size, scaleNum / 8);
    if (!read) return { scaleNum, box: null };
    box = box ? union(box, read) : read;
  }
  const covers = !box || (box.left <= 0 && box.top <= 0 && box.right >= source.width && box.bottom >= source.height);
  return { scaleNum, box: covers ? null : box };
}

function firstWarp(plan: SamplePlan): Extract<SamplePlan['stages'][number], { type: 'warp' }> {
  const first = plan.stages[0];
  if (first?.type !== 'warp') throw new Error('a sample plan must start with a warp');
  return first;
}

/** The smallest scale (in eighths, from SCALES) at which the warp still reads ≥ 1 decoded pixel per output pixel on both axes. */
function neededScale(m: Mat3, worstScaleNum: number): number {
  if (!isAxisAligned(m)) return worstScaleNum;
  const ratio = Math.min(Math.abs(m[0]), Math.abs(m[4]));
  return SCALES.find((n) => (ratio * n) / 8 >= 1) ?? 8;
}

/**
 * The upright source box a warp's taps read, when decoded at scale `s`: the triangle filter of
 * the axis-aligned pass reaches max(1, decoded pixels per output pixel) from each centre, the
 * bilinear warp one pixel; one decoded pixel more on each side keeps rounding inside. Null when a
 * projective warp's corners cannot be mapped (a point at infinity): then all of it is read.
 */
function readBox(m: Mat3, out: Size, s: number): Box | null {
  if (isAxisAligned(m)) {
    const xs = [m[0] * 0.5 + m[2], m[0] * (out.width - 0.5) + m[2]];
    const ys = [m[4] * 0.5 + m[5], m[4] * (out.height - 0.5) + m[5]];
    const reachX = Math.max(1 / s, Math.abs(m[0])) + 1 / s;
    const reachY = Math.max(1 / s, Math.abs(m[4])) + 1 / s;
    return { left: Math.min(...xs) - reachX, right: Math.max(...xs) + reachX, top: Math.min(...ys) - reachY, bottom: Math.max(...ys) + reachY };
  }
  const corners = [[0, 0], [out.width, 0], [0, out.height], [out.width, out.height]].map(([u, v]) => {
    const w = m[6] * u + m[7] * v + m[8];
    return w > 0 ? [(m[0] * u + m[1] * v + m[2]) / w, (m[3] * u + m[4] * v + m[5]) / w] : null;
  });
  if (corners.some((c) => c === null)) return null;
  const reach = 2 / s;
  const x = corners.map((c) => c![0]);
  const y = corners.map((c) => c![1]);
  return { left: Math.min(...x) - reach, right: Math.max(...x) + reach, top: Math.min(...y) - reach, bottom: Math.max(...y) + reach };
}

function union(a: Box, b: Box): Box {
  return { left: Math.min(a.left, b.left), top: Math.min(a.top, b.top), right: Math.max(a.right, b.right), bottom: Math.max(a.bottom, b.bottom) };
}
