/**
 * Known answers of the CPU reference kernels on synthetic patterns. Every other backend is
 * checked against these kernels (conformance), so these pin down what "right" is.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gaussianKernel } from '../kernels/cpu/convolve.js';
import { runStages } from '../kernels/cpu/runStages.js';
import { IDENTITY, type Size } from '../src/augment/geometry.js';
import { parsePipeline, planSample } from '../src/augment/pipeline.js';
import type { Stage } from '../src/augment/stages.js';
import { perspectiveCoefficients } from '../src/augment/ops/perspective.js';

function pattern(width: number, height: number, f: (x: number, y: number) => [number, number, number]): Uint8Array {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set(f(x, y), (y * width + x) * 3);
  return data;
}
const gradient = (w: number, h: number) => pattern(w, h, (x, y) => [(x * 17) % 256, (y * 29) % 256, (x * y) % 256]);
const copyWarp = (size: Size): Stage => ({ type: 'warp', matrix: IDENTITY, size, fill: [0, 0, 0] });
const run = (src: Uint8Array, size: Size, stages: Stage[]) => runStages(src, size, [copyWarp(size), ...stages]).data;
const px = (data: Uint8Array, width: number, x: number, y: number) => [...data.subarray((y * width + x) * 3, (y * width + x) * 3 + 3)];
const plan = (spec: object[], size: Size, row = 0) => planSample(parsePipeline(spec, { size: 8 }), 0, row, 0, size);

test('an identity warp copies exactly', () => {
  const src = gradient(13, 7);
  assert.deepEqual(run(src, { width: 13, height: 7 }, []), src);
});

test('a 90° rotation of a square image moves every pixel exactly', () => {
  const n = 9;
  const src = gradient(n, n);
  const p = plan([{ op: 'rotate', degrees: [90, 90] }], { width: n, height: n });
  const out = runStages(src, { width: n, height: n }, p.stages).data;
  // Counter-clockwise: the right column becomes the top row.
  for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) assert.deepEqual(px(out, n, x, y), px(src, n, n - 1 - y, x), `${x},${y}`);
});

test('vertical flip and integer affine translation move pixels exactly; uncovered pixels take the fill', () => {
  const src = gradient(10, 6);
  const flip = runStages(src, { width: 10, height: 6 }, plan([{ op: 'verticalFlip', p: 1 }], { width: 10, height: 6 }).stages).data;
  assert.deepEqual(px(flip, 10, 3, 0), px(src, 10, 3, 5));
  const shift = runStages(src, { width: 10, height: 6 }, [{ type: 'warp', matrix: [1, 0, -2, 0, 1, -1, 0, 0, 1], size: { width: 10, height: 6 }, fill: [1, 2, 3] }]).data;
  assert.deepEqual(px(shift, 10, 5, 4), px(src, 10, 3, 3));
  assert.deepEqual(px(shift, 10, 0, 0), [1, 2, 3]);
});

test('a crop of a checkerboard is the checkerboard', () => {
  const board = pattern(16, 16, (x, y) => ((x >> 2) + (y >> 2)) % 2 ? [255, 255, 255] : [0, 0, 0]);
  const p = plan([{ op: 'centerCrop', size: 8 }], { width: 16, height: 16 });
  const out = runStages(board, { width: 16, height: 16 }, p.stages).data;
  for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) assert.deepEqual(px(out, 8, x, y), px(board, 16, x + 4, y + 4));
});

test('perspective with unmoved corners is the identity; moved corners map where asked', () => {
  const corners: Array<[number, number]> = [[0, 0], [9, 0], [9, 5], [0, 5]];
  const m = perspectiveCoefficients(corners, corners);
  m.forEach((v, i) => assert.ok(Math.abs(v - IDENTITY[i]) < 1e-9));
  const to: Array<[number, number]> = [[1, 2], [8, 0], [9, 5], [0, 4]];
  const q = perspectiveCoefficients(corners, to);
  for (let i = 0; i < 4; i++) {
    const [x, y] = corners[i];
    const w = q[6] * x + q[7] * y + q[8];
    assert.ok(Math.abs((q[0] * x + q[1] * y + q[2]) / w - to[i][0]) < 1e-9);
    assert.ok(Math.abs((q[3] * x + q[4] * y + q[5]) / w - to[i][1]) < 1e-9);
  }
});

test('colour: brightness 0 is black, saturation 0 is ITU-R 601 gray, contrast 0 is the mean gray', () => {
  const size = { width: 6, height: 4 };
  const src = gradient(6, 4);
  assert.ok(run(src, size, [{ type: 'brightness', factor: 0 }]).every((v) => v === 0));
  const gray = run(src, size, [{ type: 'saturation', factor: 0 }]);
  for (let i = 0; i < src.length; i += 3) {
    const expected = Math.round(0.2989 * src[i] + 0.587 * src[i + 1] + 0.114 * src[i + 2]);
    assert.deepEqual([gray[i], gray[i + 1], gray[i + 2]], [expected, expected, expected]);
  }
  assert.deepEqual(run(src, size, [{ type: 'grayscale' }]), gray);
  const flat = run(src, size, [{ type: 'contrast', factor: 0 }]);
  let mean = 0;
  for (let i = 0; i < src.length; i += 3) mean += 0.2989 * src[i] + 0.587 * src[i + 1] + 0.114 * src[i + 2];
  assert.ok(flat.every((v) => v === Math.round(mean / 24)));
  assert.deepEqual(run(src, size, [{ type: 'brightness', factor: 1 }, { type: 'contrast', factor: 1 }, { type: 'saturation', factor: 1 }, { type: 'hue', shift: 0 }]), src);
});

test('colour: hue turns, solarize, posterize, invert', () => {
  const size = { width: 3, height: 1 };
  const src = new Uint8Array([255, 0, 0, 0, 255, 0, 100, 100, 100]);
  assert.deepEqual([...run(src, size, [{ type: 'hue', shift: 0.5 }])], [0, 255, 255, 255, 0, 255, 100, 100, 100]);
  assert.deepEqual([...run(src, size, [{ type: 'hue', shift: 1 / 3 }])], [0, 255, 0, 0, 0, 255, 100, 100, 100]);
  assert.deepEqual([...run(new Uint8Array([200, 100, 128]), { width: 1, height: 1 }, [{ type: 'solarize', threshold: 128 }])], [55, 100, 127]);
  assert.deepEqual([...run(new Uint8Array([200, 100, 127]), { width: 1, height: 1 }, [{ type: 'posterize', bits: 1 }])], [128, 0, 0]);
  assert.deepEqual([...run(new Uint8Array([200, 100, 127]), { width: 1, height: 1 }, [{ type: 'posterize', bits: 3 }])], [192, 96, 96]);
  assert.deepEqual([...run(new Uint8Array([200, 0, 255]), { width: 1, height: 1 }, [{ type: 'invert' }])], [55, 255, 0]);
});

test('autoContrast stretches each channel; equalize spreads a narrow histogram', () => {
  const size = { width: 4, height: 1 };
  const src = new Uint8Array([50, 10, 7, 100, 10, 7, 150, 20, 7, 100, 20, 7]);
  assert.deepEqual([...run(src, size, [{ type: 'autoContrast' }])], [0, 0, 7, 128, 0, 7, 255, 255, 7, 128, 255, 7]);
  const narrow = pattern(64, 64, (x, y) => [100 + ((x + y) % 8), 100 + (x % 8), 50]);
  const eq = run(narrow, { width: 64, height: 64 }, [{ type: 'equalize' }]);
  const lut = new Map<number, number>();
  for (let i = 0; i < narrow.length; i += 3) lut.set(narrow[i], eq[i]);
  // Pillow's equalize: 8 equally filled levels, step = floor((4096 - 512) / 255) = 14.
  assert.deepEqual([...lut].sort((a, b) => a[0] - b[0]), [[100, 0], [101, 37], [102, 73], [103, 110], [104, 146], [105, 183], [106, 219], [107, 255]]);
  // A single-level channel has nothing to spread.
  assert.ok(eq.filter((_, i) => i % 3 === 2).every((v) => v === 50));
});

test('autoContrast leaves a flat colour flat after resampling (its float noise is not stretched into stripes)', () => {
  const size = { width: 53, height: 41 };
  const src = pattern(size.width, size.height, () => [170, 51, 3]);
  // A crop and an enlargement by a non-integer factor: every output is a weighted sum of 170s.
  const stages = plan([{ op: 'randomResizedCrop', size: 37 }, { op: 'autoContrast', p: 1 }], size).stages;
  for (const kernels of ['cpu', 'wasm'] as const) {
    const out = runStages(src, size, stages, kernels).data;
    for (let i = 0; i < out.length; i += 3) assert.deepEqual([out[i], out[i + 1], out[i + 2]], [170, 51, 3], `${kernels}, pixel ${i / 3}`);
  }
});

test('blur keeps a constant image and the mean; sharpness 1 is the identity and keeps the border', () => {
  const size = { width: 12, height: 9 };
  const flat = pattern(12, 9, () => [90, 90, 90]);
  assert.deepEqual(run(flat, size, [{ type: 'blur', kernelSize: [5, 3], sigma: [1.5, 1.5] }]), flat);
  const k = gaussianKernel(7, 1.2);
  assert.ok(Math.abs(k.reduce((a, b) => a + b, 0) - 1) < 1e-12 && k[0] === k[6] && k[3] > k[2]);
  const src = gradient(12, 9);
  assert.deepEqual(run(src, size, [{ type: 'sharpness', factor: 1 }]), src);
  const sharp = run(src, size, [{ type: 'sharpness', factor: 3 }]);
  for (let x = 0; x < 12; x++) assert.deepEqual(px(sharp, 12, x, 0), px(src, 12, x, 0));
});

test('noise is reproducible from its key, with the asked mean and spread; erasing fills its box', () => {
  const size = { width: 64, height: 64 };
  const mid = pattern(64, 64, () => [128, 128, 128]);
  const a = run(mid, size, [{ type: 'noise', mean: 0, sigma: 20, key: [1, 2, 3, 4] }]);
  assert.deepEqual(run(mid, size, [{ type: 'noise', mean: 0, sigma: 20, key: [1, 2, 3, 4] }]), a);
  assert.notDeepEqual(run(mid, size, [{ type: 'noise', mean: 0, sigma: 20, key: [1, 2, 3, 5] }]), a);
  const values = [...a];
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  const sd = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length);
  assert.ok(Math.abs(mean - 128) < 1 && Math.abs(sd - 20) < 1, `${mean} ${sd}`);
  const erased = run(mid, size, [{ type: 'erase', top: 2, left: 3, height: 4, width: 5, value: [1, 2, 3], key: [0, 0, 0, 0] }]);
  assert.deepEqual(px(erased, 64, 3, 2), [1, 2, 3]);
  assert.deepEqual(px(erased, 64, 7, 5), [1, 2, 3]);
  assert.deepEqual(px(erased, 64, 8, 5), [128, 128, 128]);
  assert.deepEqual(px(erased, 64, 3, 6), [128, 128, 128]);
});

test('the planner composes runs of geometry into one warp and keeps colour stages in pipeline order', () => {
  const p = plan([
    { op: 'randomResizedCrop', size: 8 },
    { op: 'horizontalFlip', p: 1 },
    { op: 'colorJitter', brightness: 0.5, saturation: 0.5 },
    { op: 'rotate', degrees: 10 },
    { op: 'randomApply', p: 1, ops: [{ op: 'invert', p: 1 }] },
  ], { width: 40, height: 30 });
  assert.deepEqual(p.stages.map((s) => s.type), ['warp', ...p.stages.slice(1, -2).map((s) => s.type), 'warp', 'invert']);
  assert.deepEqual(new Set(p.stages.slice(1, -2).map((s) => s.type)), new Set(['brightness', 'saturation']));
  assert.deepEqual(p.params.map((q) => q.op), ['randomResizedCrop', 'horizontalFlip', 'colorJitter', 'rotate', 'randomApply', 'invert']);
  // A pipeline starting with a colour op first copies the source.
  const q = plan([{ op: 'invert', p: 1 }], { width: 5, height: 4 });
  assert.deepEqual(q.stages.map((s) => s.type), ['warp', 'invert']);
  assert.deepEqual(q.size, { width: 5, height: 4 });
});

test('policies: randAugment applies numOps transforms at its magnitude; trivialAugmentWide covers its space', () => {
  const seen = new Set<string>();
  for (let row = 0; row < 400; row++) {
    const p = plan([{ op: 'randAugment', numOps: 2, magnitude: 9 }], { width: 32, height: 32 }, row);
    const chosen = p.params[0].chosen as Array<{ op: string }>;
    assert.ok(chosen.length <= 2);
    for (const s of p.stages.slice(1)) if (s.type === 'posterize') assert.equal(s.bits, 7);
    const t = plan([{ op: 'trivialAugmentWide' }], { width: 32, height: 32 }, row);
    for (const s of t.stages) seen.add(s.type === 'warp' ? (s.matrix === IDENTITY ? 'identity' : 'warp') : s.type);
  }
  for (const type of ['warp', 'brightness', 'saturation', 'contrast', 'sharpness', 'posterize', 'solarize', 'autoContrast', 'equalize']) assert.ok(seen.has(type), type);
});

test('autoAugment applies one ImageNet sub-policy: at most two transforms, each from the policy', () => {
  const allowed = new Set(['warp', 'posterize', 'solarize', 'autoContrast', 'equalize', 'saturation', 'contrast', 'sharpness', 'invert']);
  let applied = 0;
  for (let row = 0; row < 200; row++) {
    const p = plan([{ op: 'autoAugment' }], { width: 32, height: 32 }, row);
    const chosen = p.params[0].chosen as Array<{ op: string }>;
    assert.ok(chosen.length <= 2);
    applied += chosen.length;
    for (const s of p.stages) assert.ok(allowed.has(s.type), s.type);
  }
  // Sub-policy probabilities average about 0.6: far from none and from all.
  assert.ok(applied > 150 && applied < 330, `${applied}`);
});
