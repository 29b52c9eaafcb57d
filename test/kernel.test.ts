import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import sharp from 'sharp';
import { boxReduce } from '../kernels/cpu/boxReduce.js';
import { copyAxisAligned, movesWholePixels } from '../kernels/cpu/copyAxisAligned.js';
import { axisWeights, resampleAxisAligned } from '../kernels/cpu/resampleAxisAligned.js';
import { toBytes } from '../kernels/cpu/runStages.js';
import { boxReduceWasm, wasmResampler } from '../kernels/wasm/resampleWasm.js';
import { cropResize, multiply, scaleTranslate } from '../src/augment/geometry.js';

async function rgb(path: string) {
  const { data, info } = await sharp(path, { ignoreIcc: true }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: info.width, height: info.height };
}

function maxAbsDiff(a: Uint8Array, b: Uint8Array): number {
  assert.equal(a.length, b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

function ramp(width: number, height: number): Uint8Array {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set([x % 256, y % 256, (x * 7 + y * 13) % 256], (y * width + x) * 3);
  return data;
}

test('matches Pillow’s antialiased bilinear resize (torchvision’s PIL path) within 1', async () => {
  const { source, cases } = JSON.parse(await readFile('test/golden/cases.json', 'utf8'));
  const image = await rgb(source);
  for (const c of cases) {
    const [left, top, right, bottom] = c.box;
    const out = { width: c.size[0], height: c.size[1] };
    let matrix = cropResize(left, top, right - left, bottom - top, out);
    if (c.flip) matrix = multiply(matrix, scaleTranslate(-1, 1, out.width, 0));
    const ours = toBytes(resampleAxisAligned(image.data, image.width, image.height, matrix, out.width, out.height));
    const golden = await rgb(`test/golden/${c.name}.png`);
    assert.ok(maxAbsDiff(ours, golden.data) <= 1, `${c.name}: max difference ${maxAbsDiff(ours, golden.data)}`);
  }
});

test('an integer crop at scale 1 copies pixels exactly, and a flip mirrors them exactly', () => {
  const src = ramp(40, 30);
  const crop = toBytes(resampleAxisAligned(src, 40, 30, scaleTranslate(1, 1, 5, 7), 20, 10));
  const flipped = toBytes(resampleAxisAligned(src, 40, 30, scaleTranslate(-1, 1, 25, 7), 20, 10));
  for (let y = 0; y < 10; y++) {
    for (let x = 0; x < 20; x++) {
      for (let c = 0; c < 3; c++) {
        assert.equal(crop[(y * 20 + x) * 3 + c], src[((y + 7) * 40 + x + 5) * 3 + c]);
        assert.equal(flipped[(y * 20 + x) * 3 + c], src[((y + 7) * 40 + (24 - x)) * 3 + c]);
      }
    }
  }
});

test('a whole-pixel move (crop, flips, offsets past either edge, fill) copies exactly what the resampling pass computes', () => {
  const src = ramp(37, 23);
  let cases = 0;
  for (const sx of [1, -1]) {
    for (const sy of [1, -1]) {
      for (const [tx, ty] of [[0, 0], [5, 3], [-4, -2], [30, 20], [60, 1], [-50, 0]]) {
        for (const [w, h] of [[20, 10], [37, 23], [45, 31]]) {
          for (const fill of [[0, 0, 0], [7.4, 128.5, 300]]) {
            const m = scaleTranslate(sx, sy, tx, ty);
            assert.ok(movesWholePixels(m));
            const expected = toBytes(resampleAxisAligned(src, 37, 23, m, w, h, fill));
            assert.deepEqual(copyAxisAligned(src, 37, 23, m, w, h, fill), expected, `scale ${sx},${sy} offset ${tx},${ty} size ${w}×${h} fill ${fill}`);
            cases++;
          }
        }
      }
    }
  }
  assert.equal(cases, 144);
  assert.ok(!movesWholePixels(scaleTranslate(1, 1, 0.5, 0)), 'half-pixel offsets interpolate');
  assert.ok(!movesWholePixels(scaleTranslate(2, 1, 0, 0)), 'a scale resamples');
});

test('output pixels that map outside the source take the fill colour (centre crop larger than the image)', () => {
  const src = new Uint8Array(4 * 4 * 3).fill(200);
  const out = resampleAxisAligned(src, 4, 4, scaleTranslate(1, 1, -1, -1), 6, 6, [7, 8, 9]);
  const at = (x: number, y: number) => out[(y * 6 + x) * 3];
  assert.deepEqual([...out.subarray(0, 3)], [7, 8, 9]);
  assert.equal(at(5, 3), 7);
  assert.equal(at(1, 1), 200);
  assert.equal(at(4, 4), 200);
});

test('weights are non-negative, sum to 1 and widen with the shrink factor', () => {
  for (const [outSize, inSize] of [[224, 3000], [224, 224], [50, 7]]) {
    const w = axisWeights(outSize, inSize, inSize / outSize, 0);
    for (let o = 0; o < outSize; o++) {
      let total = 0;
      for (let k = 0; k < w.count[o]; k++) {
        assert.ok(w.weights[o * w.maxTaps + k] >= 0);
        total += w.weights[o * w.maxTaps + k];
      }
      assert.ok(Math.abs(total - 1) < 1e-5);
      assert.ok(w.count[o] <= Math.ceil(Math.max(1, inSize / outSize)) * 2 + 1);
    }
  }
});

/** Deterministic noise bytes (an LCG), with runs of 255 and 0 so that the largest sums occur too. */
function noise(length: number, seed: number): Uint8Array {
  const data = new Uint8Array(length);
  let state = seed;
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    data[i] = state >>> 24;
  }
  data.fill(255, 0, length >> 3);
  data.fill(0, length >> 3, length >> 2);
  return data;
}

/** Each output pixel as the mean of its block, computed block by block: the definition. */
function naiveBoxReduce(src: Uint8Array, width: number, height: number, channels: number, d: number): Uint8Array {
  const outW = Math.ceil(width / d);
  const outH = Math.ceil(height / d);
  const out = new Uint8Array(outW * outH * channels);
  for (let oy = 0; oy < outH; oy++) {
    for (let ox = 0; ox < outW; ox++) {
      for (let c = 0; c < channels; c++) {
        let sum = 0;
        let n = 0;
        for (let y = oy * d; y < Math.min(height, oy * d + d); y++) {
          for (let x = ox * d; x < Math.min(width, ox * d + d); x++) {
            sum += src[(y * width + x) * channels + c];
            n++;
          }
        }
        out[(oy * outW + ox) * channels + c] = Math.round(sum / n); // halves up
      }
    }
  }
  return out;
}

const REDUCE_SIZES = [[1, 1], [2, 3], [7, 5], [9, 17], [17, 13], [33, 9], [64, 8], [101, 63], [255, 130], [8, 8], [16, 24]] as const;

test('the box reduce is the rounded mean of each d×d block, edge blocks partial, on odd sizes', () => {
  let cases = 0;
  for (const channels of [1, 3]) {
    for (const d of [2, 4, 8]) {
      for (const [w, h] of REDUCE_SIZES) {
        const src = noise(w * h * channels, w * 31 + h + d);
        const out = boxReduce(src, w, h, channels, d);
        assert.equal(out.length, Math.ceil(w / d) * Math.ceil(h / d) * channels);
        assert.deepEqual(out, naiveBoxReduce(src, w, h, channels, d), `${w}×${h}×${channels} d=${d}`);
        cases++;
      }
    }
  }
  assert.equal(cases, 66);
  // Halves round up: a 2×1 block of 0 and 1 gives 1, of 0 and 0 gives 0; 3×3 of one 255 gives round(28.3) = 28.
  assert.deepEqual(boxReduce(new Uint8Array([0, 1, 0, 0]), 4, 1, 1, 2), new Uint8Array([1, 0]));
  assert.deepEqual(boxReduce(new Uint8Array([255, 0, 0, 0, 0, 0, 0, 0, 0]), 3, 3, 1, 4), new Uint8Array([28]));
});

test('the WASM box reduce gives exactly the TypeScript reference’s bytes', { skip: wasmResampler() ? false : 'the WASM kernels are not built or this Node lacks WebAssembly SIMD' }, () => {
  for (const channels of [1, 3]) {
    for (const d of [2, 4, 8]) {
      for (const [w, h] of [...REDUCE_SIZES, [1001, 37], [640, 33]]) {
        const src = noise(w * h * channels, w + h * 7 + d * 3 + channels);
        assert.deepEqual(boxReduceWasm(src, w, h, channels, d), boxReduce(src, w, h, channels, d), `${w}×${h}×${channels} d=${d}`);
      }
    }
  }
  assert.equal(boxReduceWasm(noise(203 * 77 * 3, 5), 203, 77, 3, 3), null, 'divisors other than 2, 4, 8 are left to the reference');
  // Over 8 MB: the source goes through the instance in bands (the last one partial, odd height).
  const [w, h] = [3001, 2003];
  const big = noise(w * h * 3, 11);
  const before = wasmResampler()!.memory.buffer.byteLength;
  for (const d of [2, 8]) assert.deepEqual(boxReduceWasm(big, w, h, 3, d), boxReduce(big, w, h, 3, d), `${w}×${h}×3 d=${d}, in bands`);
  const grown = wasmResampler()!.memory.buffer.byteLength - before;
  assert.ok(grown < 10e6, `the instance holds a band, not the whole 18 MB photo (grew ${grown} bytes)`);
});
