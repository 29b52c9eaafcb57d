/**
 * How a ragged batch is laid out for the WebGPU passes (kernels/webgpu/passes.ts and
 * batchLayout.ts): pure functions, tested without a GPU.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FIELD, groupSamples, layoutBatch, REC_WORDS, type BatchSample } from '../kernels/webgpu/batchLayout.js';
import { HEAD, OP, REDUCE, toPasses } from '../kernels/webgpu/passes.js';
import { SIZE_CLASS_GROWTH, sizeClass } from '../kernels/webgpu/sizeClass.js';
import { IDENTITY, type Size } from '../src/augment/geometry.js';
import type { Stage } from '../src/augment/stages.js';

const warp = (size: Size, matrix = IDENTITY): Stage => ({ type: 'warp', matrix, size, fill: [0, 0, 0] });
const sample = (width: number, height: number, stages: Stage[]): BatchSample => ({ data: new Uint8Array(width * height * 3), size: { width, height }, stages });

test('passes: pointwise ops join the pass before them; statistics, neighbourhoods and warps open one', () => {
  const size = { width: 8, height: 6 };
  const passes = toPasses([
    warp(size),
    { type: 'brightness', factor: 1.2 },
    { type: 'contrast', factor: 0.8 },
    { type: 'saturation', factor: 1.1 },
    { type: 'blur', kernelSize: [3, 5], sigma: [1, 2] },
    { type: 'invert' },
    warp({ width: 4, height: 4 }, [0, -1, 6, 1, 0, 0, 0, 0, 1]),
    { type: 'equalize' },
  ]);
  assert.deepEqual(passes.map((p) => [p.head.kind, p.ops.map((o) => o[0]), p.reduce]), [
    [HEAD.resample, [OP.brightness], REDUCE.none],
    [HEAD.copy, [OP.contrast, OP.saturation], REDUCE.stats],
    [HEAD.blurX, [], REDUCE.none],
    [HEAD.blurY, [OP.invert], REDUCE.none],
    [HEAD.bilinear, [], REDUCE.none],
    [HEAD.copy, [OP.equalize], REDUCE.histogram],
  ]);
  assert.deepEqual(passes.at(-1)!.size, { width: 4, height: 4 });
});

test('layout: samples sit at their own offsets every round; shorter programs are copied through', () => {
  const a = sample(5, 3, [warp({ width: 4, height: 2 }), { type: 'autoContrast' }]);
  const b = sample(2, 7, [warp({ width: 3, height: 3 })]);
  const layout = layoutBatch([a, b]);
  assert.deepEqual([layout.sourceBases, layout.sourceBytes], [[0, 48], 48 + 44], 'each source at a whole word');
  assert.equal(layout.rounds.length, 2);
  const field = (round: number, s: number, f: number) => layout.rounds[round].records[s * REC_WORDS + f];
  assert.deepEqual([field(0, 0, FIELD.inBase), field(0, 1, FIELD.inBase)], [0, 48], 'byte offsets of the sources');
  assert.deepEqual([field(0, 1, FIELD.outBase), layout.rounds[0].pixels], [8, 17]);
  assert.deepEqual([field(1, 1, FIELD.inBase), field(1, 1, FIELD.head), field(1, 1, FIELD.opCount)], [24, HEAD.copy, 0]);
  assert.equal(layout.rounds[1].reduce, true);
  assert.deepEqual(layout.outputs, [{ base: 0, size: { width: 4, height: 2 } }, { base: 8, size: { width: 3, height: 3 } }]);
});

test('dispatch groups stay within the binding and pixel limits; a sample over the byte limit alone is set aside', () => {
  const small = sample(10, 10, [warp({ width: 10, height: 10 })]); // 100 pixels, 1200 bytes of floats
  const huge = sample(100, 100, [warp({ width: 100, height: 100 })]);
  assert.deepEqual(groupSamples([small, small, small, huge, small], { bytes: 2500, pixels: 1e9 }), { groups: [[0, 1], [2, 4]], oversize: [3] });
  assert.deepEqual(groupSamples([small, small, huge, small], { bytes: 1 << 20, pixels: 250 }), { groups: [[0, 1], [2], [3]], oversize: [] });
  assert.deepEqual(groupSamples([small, small], { bytes: 1 << 20, pixels: 1e9 }).groups, [[0, 1]]);
});

test('size classes: never less than asked, at most a quarter more, four to an octave', () => {
  for (let n = 1; n < 300_000; n += 1 + Math.floor(n / 97)) {
    const c = sizeClass(n);
    assert.ok(c >= n && c <= Math.max(256, n * SIZE_CLASS_GROWTH), `${n} → ${c}`);
    assert.equal(sizeClass(c), c, `${c} is its own class`);
  }
  const classes = new Set(Array.from({ length: 4096 }, (_, i) => sizeClass(4097 + i)));
  assert.deepEqual([...classes], [5120, 6144, 7168, 8192]);
  // The largest group deviceLimits allows still binds once rounded up.
  const binding = 2 ** 27;
  assert.ok(sizeClass(Math.floor(binding / SIZE_CLASS_GROWTH)) <= binding);
});
