/**
 * The pixel program from stock TensorFlow.js ops only, for backends that take no custom kernels
 * (`@tensorflow/tfjs-node-gpu`). It runs on every tfjs backend, which is how it is checked
 * against the CPU reference. Axis-aligned warps are two matrix products with the reference's own
 * antialiasing weights (exact, and what GPUs do best); other warps are a bilinear gather.
 */
import type * as tfjs from '@tensorflow/tfjs-core';
import { isAxisAligned, type Size } from '../../src/augment/geometry.js';
import type { Stage } from '../../src/augment/stages.js';
import { axisWeights } from '../cpu/resampleAxisAligned.js';

type Tf = typeof tfjs;
type Tensor3D = tfjs.Tensor3D;

/** Stage types the composite path implements; a program with any other runs on the reference. */
export const COMPOSITE_STAGES: ReadonlySet<Stage['type']> = new Set<Stage['type']>(['warp', 'brightness', 'contrast', 'saturation', 'grayscale', 'invert', 'solarize', 'posterize', 'autoContrast']);

export function compositeCovers(stages: readonly Stage[]): boolean {
  return stages.every((s) => COMPOSITE_STAGES.has(s.type));
}

/** Runs the program on `tf`'s current backend; reads back asynchronously (WebGPU needs it). */
export async function runStagesComposite(tf: Tf, src: Uint8Array, srcSize: Size, stages: readonly Stage[]): Promise<{ data: Uint8Array; size: Size }> {
  let size = srcSize;
  const out = tf.tidy(() => {
    let img = tf.tensor3d(Float32Array.from(src), [srcSize.height, srcSize.width, 3]);
    for (const stage of stages) {
      if (stage.type === 'warp') {
        img = isAxisAligned(stage.matrix) ? separableWarp(tf, img, stage) : bilinearWarp(tf, img, stage);
        size = stage.size;
      } else img = pointwise(tf, img, stage);
    }
    // The one rounding: nearest, halves up, clamped.
    return tf.cast(tf.clipByValue(tf.floor(tf.add(img, 0.5)), 0, 255), 'int32');
  });
  const values = await out.data();
  out.dispose();
  return { data: Uint8Array.from(values), size };
}

type Warp = Extract<Stage, { type: 'warp' }>;

/** Dense weight matrix [out, in] from the reference's per-axis taps, and which outputs have any. */
function denseWeights(tf: Tf, outSize: number, inSize: number, scale: number, offset: number) {
  const w = axisWeights(outSize, inSize, scale, offset);
  const dense = new Float32Array(outSize * inSize);
  const valid = new Float32Array(outSize);
  for (let o = 0; o < outSize; o++) {
    for (let k = 0; k < w.count[o]; k++) dense[o * inSize + w.start[o] + k] = w.weights[o * w.maxTaps + k];
    valid[o] = w.count[o] > 0 ? 1 : 0;
  }
  return { matrix: tf.tensor2d(dense, [outSize, inSize]), valid: tf.tensor1d(valid) };
}

function separableWarp(tf: Tf, img: Tensor3D, stage: Warp): Tensor3D {
  const [height, width] = img.shape;
  const m = stage.matrix;
  const ys = denseWeights(tf, stage.size.height, height, m[4], m[5]);
  const xs = denseWeights(tf, stage.size.width, width, m[0], m[2]);
  const rows = tf.einsum('ph,hwc->pwc', ys.matrix, img);
  const resampled = tf.einsum('ow,pwc->poc', xs.matrix, rows) as Tensor3D;
  // Outputs that map outside the source take the fill colour.
  const inside = tf.expandDims(tf.outerProduct(ys.valid, xs.valid), 2);
  return tf.add(tf.mul(resampled, inside), tf.mul(tf.sub(1, inside), tf.tensor1d(stage.fill))) as Tensor3D;
}

function bilinearWarp(tf: Tf, img: Tensor3D, stage: Warp): Tensor3D {
  const [height, width] = img.shape;
  const { width: outW, height: outH } = stage.size;
  const m = stage.matrix;
  const u = tf.tile(tf.reshape(tf.add(tf.range(0, outW), 0.5), [1, outW]), [outH, 1]);
  const v = tf.tile(tf.reshape(tf.add(tf.range(0, outH), 0.5), [outH, 1]), [1, outW]);
  const w = tf.add(tf.add(tf.mul(u, m[6]), tf.mul(v, m[7])), m[8]);
  const x = tf.sub(tf.div(tf.add(tf.add(tf.mul(u, m[0]), tf.mul(v, m[1])), m[2]), w), 0.5);
  const y = tf.sub(tf.div(tf.add(tf.add(tf.mul(u, m[3]), tf.mul(v, m[4])), m[5]), w), 0.5);
  const x0 = tf.floor(x);
  const y0 = tf.floor(y);
  const fx = tf.expandDims(tf.sub(x, x0), 2);
  const fy = tf.expandDims(tf.sub(y, y0), 2);
  const fill = tf.tensor1d(stage.fill);
  /** The neighbour at (x0 + dx, y0 + dy), or the fill colour where it lies outside. */
  const neighbour = (dx: number, dy: number) => {
    const xi = tf.add(x0, dx);
    const yi = tf.add(y0, dy);
    const inside = tf.logicalAnd(tf.logicalAnd(tf.greaterEqual(xi, 0), tf.less(xi, width)), tf.logicalAnd(tf.greaterEqual(yi, 0), tf.less(yi, height)));
    const indices = tf.cast(tf.stack([tf.clipByValue(yi, 0, height - 1), tf.clipByValue(xi, 0, width - 1)], 2), 'int32');
    const values = tf.gatherND(img, indices) as Tensor3D;
    return tf.where(tf.tile(tf.expandDims(inside, 2), [1, 1, 3]), values, tf.mul(tf.onesLike(values), fill));
  };
  const top = tf.add(tf.mul(neighbour(0, 0), tf.sub(1, fx)), tf.mul(neighbour(1, 0), fx));
  const bottom = tf.add(tf.mul(neighbour(0, 1), tf.sub(1, fx)), tf.mul(neighbour(1, 1), fx));
  return tf.add(tf.mul(top, tf.sub(1, fy)), tf.mul(bottom, fy)) as Tensor3D;
}

const GRAY = [0.2989, 0.587, 0.114];

function pointwise(tf: Tf, img: Tensor3D, stage: Stage): Tensor3D {
  const clamp = (t: tfjs.Tensor) => tf.clipByValue(t, 0, 255) as Tensor3D;
  const gray = () => tf.sum(tf.mul(img, tf.tensor1d(GRAY)), 2, true);
  switch (stage.type) {
    case 'brightness':
      return clamp(tf.mul(img, stage.factor));
    case 'contrast':
      return clamp(tf.add(tf.mul(img, stage.factor), tf.mul(tf.mean(gray()), 1 - stage.factor)));
    case 'saturation':
      return clamp(tf.add(tf.mul(img, stage.factor), tf.mul(gray(), 1 - stage.factor)));
    case 'grayscale':
      return tf.tile(gray(), [1, 1, 3]) as Tensor3D;
    case 'invert':
      return tf.sub(255, img) as Tensor3D;
    case 'solarize':
      return tf.where(tf.greaterEqual(img, stage.threshold), tf.sub(255, img), img) as Tensor3D;
    case 'posterize': {
      const step = 2 ** (8 - stage.bits);
      return tf.mul(tf.floor(tf.div(tf.round(img), step)), step) as Tensor3D;
    }
    case 'autoContrast': {
      const min = tf.min(img, [0, 1]);
      const max = tf.max(img, [0, 1]);
      const range = tf.sub(max, min);
      const flat = tf.lessEqual(range, 0);
      const scale = tf.where(flat, tf.onesLike(range), tf.div(255, tf.maximum(range, 1e-9)));
      const offset = tf.where(flat, tf.zerosLike(min), min);
      return clamp(tf.mul(tf.sub(img, offset), scale));
    }
    default:
      throw new Error(`composite: no implementation of stage ${stage.type}`);
  }
}
