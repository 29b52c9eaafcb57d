/**
 * The pixel program from stock TensorFlow.js ops only, for backends that take no custom kernels
 * (`@tensorflow/tfjs-node-gpu`). It runs on every tfjs backend, which is how it is checked
 * against the CPU reference. Axis-aligned warps are two matrix products with the reference's own
 * antialiasing weights (exact, and what GPUs do best); other warps are a bilinear gather.
 */
import type * as tfjs from '@tensorflow/tfjs-core';
import { isAxisAligned, type Size } from '../../src/augment/geometry.js';
import type { Stage } from '../../src/augment/stages.js';
import { erase, noiseValues } from '../cpu/occlusion.js';
import { axisWeights } from '../cpu/resampleAxisAligned.js';

type Tf = typeof tfjs;
type Tensor3D = tfjs.Tensor3D;

/** Stage types the composite path implements; a program with any other runs on the reference. */
export const COMPOSITE_STAGES: ReadonlySet<Stage['type']> = new Set<Stage['type']>(['warp', 'brightness', 'contrast', 'saturation', 'hue', 'grayscale', 'invert', 'solarize', 'posterize', 'autoContrast', 'blur', 'sharpness', 'noise', 'erase', 'equalize']);

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
      } else img = pointwise(tf, img, stage, size);
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
  // matMul and transposes only: every backend has them (tfjs-backend-wasm has no Einsum).
  const outH = stage.size.height;
  const outW = stage.size.width;
  const rows = tf.matMul(ys.matrix, tf.reshape(img, [height, width * 3])); // [outH, W·3]
  const channelsFirst = tf.reshape(tf.transpose(tf.reshape(rows, [outH, width, 3]), [0, 2, 1]), [outH * 3, width]);
  const cols = tf.matMul(channelsFirst, xs.matrix, false, true); // [outH·3, outW]
  const resampled = tf.transpose(tf.reshape(cols, [outH, 3, outW]), [0, 2, 1]) as Tensor3D;
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

function pointwise(tf: Tf, img: Tensor3D, stage: Stage, size: Size): Tensor3D {
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
      // Whole levels, rounded half up as Math.round does (tf.round rounds half to even).
      const min = tf.floor(tf.add(tf.min(img, [0, 1]), 0.5));
      const max = tf.floor(tf.add(tf.max(img, [0, 1]), 0.5));
      const range = tf.sub(max, min);
      const flat = tf.lessEqual(range, 0);
      const scale = tf.where(flat, tf.onesLike(range), tf.div(255, tf.maximum(range, 1e-9)));
      const offset = tf.where(flat, tf.zerosLike(min), min);
      return clamp(tf.mul(tf.sub(img, offset), scale));
    }
    case 'hue':
      return shiftHue(tf, img, stage.shift);
    case 'equalize':
      return tf.stack(tf.unstack(img, 2).map((channel) => equalizeChannel(tf, channel)), 2) as Tensor3D;
    case 'blur':
      return gaussianBlur(tf, img, stage.kernelSize, stage.sigma);
    case 'sharpness':
      return sharpen(tf, img, stage.factor);
    case 'noise':
    case 'erase':
      // Per-pixel random values come from the sample's counter RNG, drawn on the CPU exactly as the
      // reference draws them; the composite path only blends them in.
      return fromReference(tf, img, stage, size);
    default:
      throw new Error(`composite: no implementation of stage ${stage.type}`);
  }
}

/** torchvision's rgb → hsv, rotate the hue, hsv → rgb, as tensor ops. */
function shiftHue(tf: Tf, img: Tensor3D, shift: number): Tensor3D {
  const rgb = tf.div(img, 255);
  const [r, g, b] = tf.unstack(rgb, 2);
  const max = tf.max(rgb, 2);
  const min = tf.min(rgb, 2);
  const range = tf.sub(max, min);
  const gray = tf.equal(range, 0);
  const safeRange = tf.where(gray, tf.onesLike(range), range);
  const s = tf.div(range, tf.where(tf.equal(max, 0), tf.onesLike(max), max));
  const rc = tf.div(tf.sub(max, r), safeRange);
  const gc = tf.div(tf.sub(max, g), safeRange);
  const bc = tf.div(tf.sub(max, b), safeRange);
  const isR = tf.equal(max, r);
  const isG = tf.logicalAnd(tf.equal(max, g), tf.logicalNot(isR));
  let h = tf.where(isR, tf.sub(bc, gc), tf.where(isG, tf.add(2, tf.sub(rc, bc)), tf.add(4, tf.sub(gc, rc))));
  h = tf.mod(tf.add(tf.mod(tf.add(tf.div(h, 6), 1), 1), shift + 1), 1);
  const h6 = tf.mul(h, 6);
  const sector = tf.mod(tf.floor(h6), 6);
  const f = tf.sub(h6, tf.floor(h6));
  const v = max;
  const p = tf.clipByValue(tf.mul(v, tf.sub(1, s)), 0, 1);
  const q = tf.clipByValue(tf.mul(v, tf.sub(1, tf.mul(s, f))), 0, 1);
  const t = tf.clipByValue(tf.mul(v, tf.sub(1, tf.mul(s, tf.sub(1, f)))), 0, 1);
  const pick = (choices: tfjs.Tensor[]) => choices.reduceRight((acc, c, k) => tf.where(tf.equal(sector, k), c, acc));
  const shifted = tf.mul(tf.stack([pick([v, q, p, p, t, v]), pick([t, v, v, q, p, p]), pick([p, p, t, v, v, q])], 2), 255);
  // Gray pixels have no hue: they stay as they are.
  return tf.where(tf.tile(tf.expandDims(gray, 2), [1, 1, 3]), img, shifted) as Tensor3D;
}

/** Pillow's equalize on one channel, from a histogram of whole levels (bincount) and its cumulative sum. */
function equalizeChannel(tf: Tf, channel: tfjs.Tensor): tfjs.Tensor {
  const levels = tf.cast(tf.clipByValue(tf.round(channel), 0, 255), 'int32');
  const hist = tf.cast(tf.bincount(tf.reshape(levels, [-1]) as tfjs.Tensor1D, [], 256), 'float32');
  const lastLevel = tf.max(tf.where(tf.greater(hist, 0), tf.range(0, 256, 1, 'int32'), tf.fill([256], -1, 'int32')));
  const step = tf.floor(tf.div(tf.sub(tf.sum(hist), tf.gather(hist, lastLevel)), 255));
  const safeStep = tf.maximum(step, 1);
  const lut = tf.minimum(255, tf.floor(tf.div(tf.add(tf.cumsum(hist, 0, true), tf.floor(tf.div(safeStep, 2))), safeStep)));
  // A step of 0 (almost one level) leaves the channel as it is.
  return tf.where(tf.equal(step, 0), channel, tf.gather(lut, levels));
}

/** Separable gaussian, borders reflected: torchvision's kernel and padding. */
function gaussianBlur(tf: Tf, img: Tensor3D, kernelSize: [number, number], sigma: [number, number]): Tensor3D {
  const kernel = (n: number, s: number) => {
    const values = Array.from({ length: n }, (_, i) => Math.exp(-0.5 * ((i - (n - 1) / 2) / s) ** 2));
    const total = values.reduce((a, b) => a + b, 0);
    return values.map((x) => x / total);
  };
  const [kx, ky] = kernelSize;
  const hx = (kx - 1) / 2;
  const hy = (ky - 1) / 2;
  const [height, width] = img.shape;
  // Reflect padding needs the pad smaller than the side; the reference reflects repeatedly, which
  // only differs on images smaller than the kernel.
  const padded = tf.mirrorPad(img, [[Math.min(hy, height - 1), Math.min(hy, height - 1)], [Math.min(hx, width - 1), Math.min(hx, width - 1)], [0, 0]], 'reflect');
  const horizontal = tf.tensor4d(kernel(kx, sigma[0]).flatMap((w) => [w, w, w]), [1, kx, 3, 1]);
  const vertical = tf.tensor4d(kernel(ky, sigma[1]).flatMap((w) => [w, w, w]), [ky, 1, 3, 1]);
  const x = tf.depthwiseConv2d(tf.expandDims(padded, 0) as tfjs.Tensor4D, horizontal, 1, 'valid');
  return tf.squeeze(tf.depthwiseConv2d(x, vertical, 1, 'valid'), [0]) as Tensor3D;
}

/** Blend with the 3×3-smoothed image (rounded, as torchvision); the border keeps its pixels. */
function sharpen(tf: Tf, img: Tensor3D, factor: number): Tensor3D {
  const [height, width] = img.shape;
  if (height < 3 || width < 3) return img;
  const k = [1, 1, 1, 1, 5, 1, 1, 1, 1].map((w) => w / 13);
  const kernel = tf.tensor4d(k.flatMap((w) => [w, w, w]), [3, 3, 3, 1]);
  const smooth = tf.round(tf.squeeze(tf.depthwiseConv2d(tf.expandDims(img, 0) as tfjs.Tensor4D, kernel, 1, 'valid'), [0]));
  const inner = tf.clipByValue(tf.add(tf.mul(tf.slice(img, [1, 1, 0], [height - 2, width - 2, 3]), factor), tf.mul(smooth, 1 - factor)), 0, 255);
  return tf.add(tf.pad(inner, [[1, 1], [1, 1], [0, 0]]), tf.mul(img, borderMask(tf, height, width))) as Tensor3D;
}

function borderMask(tf: Tf, height: number, width: number): tfjs.Tensor {
  return tf.sub(1, tf.pad(tf.ones([height - 2, width - 2, 1]), [[1, 1], [1, 1], [0, 0]]));
}

/** Noise and erasing: the reference's own per-pixel values as a tensor, blended in. */
function fromReference(tf: Tf, img: Tensor3D, stage: Extract<Stage, { type: 'noise' | 'erase' }>, size: Size): Tensor3D {
  const n = size.width * size.height * 3;
  if (stage.type === 'noise') return tf.clipByValue(tf.add(img, tf.tensor3d(noiseValues(stage, n), [size.height, size.width, 3])), 0, 255) as Tensor3D;
  const values = new Float32Array(n);
  const mask = new Float32Array(n);
  erase(values, size.width, stage);
  for (let y = stage.top; y < stage.top + stage.height; y++) for (let x = stage.left; x < stage.left + stage.width; x++) mask.fill(1, (y * size.width + x) * 3, (y * size.width + x) * 3 + 3);
  const m = tf.tensor3d(mask, [size.height, size.width, 3]);
  return tf.add(tf.mul(img, tf.sub(1, m)), tf.mul(tf.tensor3d(values, [size.height, size.width, 3]), m)) as Tensor3D;
}
