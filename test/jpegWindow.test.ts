import assert from 'node:assert/strict';
import { test } from 'node:test';
import { scaledSize, storedWindow, type Box, type JpegGeometry } from '../src/codec/jpegWindow.js';
import { applyOrientation } from '../src/codec/orientation.js';
import { uprightSize } from '../src/codec/jpegHeader.js';
import type { StepSpec } from '../src/augment/op.js';
import { decodeDivisor, parsePipeline } from '../src/augment/pipeline.js';
import { PRESETS } from '../src/augment/presets.js';
import { decodeRequest } from '../src/execute/decodeRequest.js';
import { onDecodedPixels, planSamples } from '../src/execute/plans.js';
import { runStages } from '../kernels/cpu/runStages.js';

/**
 * A stand-in for a decoded stored image whose every pixel says where it is: red = x, green = y
 * of the stored (scaled) pixel. Cropping it is what a region decode gives, so the placement can be
 * checked against where each pixel truly lies, without a decoder.
 */
function coordinateImage(width: number, height: number): Uint8Array {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set([x, y, 0], (y * width + x) * 3);
  return data;
}

function crop(data: Uint8Array, width: number, r: { left: number; top: number; width: number; height: number }): Uint8Array {
  const out = new Uint8Array(r.width * r.height * 3);
  for (let y = 0; y < r.height; y++) out.set(data.subarray(((r.top + y) * width + r.left) * 3, ((r.top + y) * width + r.left + r.width) * 3), y * r.width * 3);
  return out;
}

/**
 * Where the stored pixel (sx, sy) at scale s starts, sx/s and sy/s (a block boundary: exact even
 * when the image's last block is partial), once upright, from the orientation's definition (EXIF:
 * 2 mirrors x, 3 rotates 180°, 4 mirrors y, 5 transposes, 6 rotates 90° clockwise, 7 transverses,
 * 8 rotates 90° anticlockwise), not from jpegWindow's code; `endX`/`endY`: that edge is the upright
 * pixel's right (bottom) edge, on an axis the orientation reverses.
 */
function uprightStart(jpeg: JpegGeometry, s: number, sx: number, sy: number): { x: number; y: number; endX: boolean; endY: boolean } {
  const x = sx / s;
  const y = sy / s;
  const { width: W, height: H } = jpeg;
  switch (jpeg.orientation) {
    case 1: return { x, y, endX: false, endY: false };
    case 2: return { x: W - x, y, endX: true, endY: false };
    case 3: return { x: W - x, y: H - y, endX: true, endY: true };
    case 4: return { x, y: H - y, endX: false, endY: true };
    case 5: return { x: y, y: x, endX: false, endY: false };
    case 6: return { x: H - y, y: x, endX: true, endY: false };
    case 7: return { x: H - y, y: W - x, endX: true, endY: true };
    default: return { x: y, y: W - x, endX: false, endY: true };
  }
}

test('a window decoded and turned upright lies where its placement says, for every orientation, scale and box', () => {
  const boxes: Array<Box | null> = [null, { left: 0, top: 0, right: 10, bottom: 9 }, { left: 13.2, top: 5.7, right: 31.5, bottom: 20.1 }, { left: 40, top: 2, right: 61, bottom: 47 }, { left: 30, top: 30, right: 31, bottom: 31 }];
  let checked = 0;
  for (let orientation = 1; orientation <= 8; orientation++) {
    for (const scaleNum of [1, 2, 3, 4, 8]) {
      for (const mcuWidth of [8, 16]) {
        const jpeg = { width: orientation >= 5 ? 47 : 61, height: orientation >= 5 ? 61 : 47, orientation, mcuWidth };
        const stored = { width: scaledSize(jpeg.width, scaleNum), height: scaledSize(jpeg.height, scaleNum) };
        const full = coordinateImage(stored.width, stored.height);
        const s = scaleNum / 8;
        for (const box of boxes) {
          const window = storedWindow(jpeg, { scaleNum, box }, 2);
          const region = window.region ?? { left: 0, top: 0, width: stored.width, height: stored.height };
          const at = `orientation ${orientation}, scale ${scaleNum}/8, mcu ${mcuWidth}, box ${JSON.stringify(box)}`;
          assert.equal(region.left % Math.ceil((mcuWidth * scaleNum) / 8), 0, `left edge on the scaled iMCU: ${at}`);
          assert.ok(region.left >= 0 && region.top >= 0 && region.left + region.width <= stored.width && region.top + region.height <= stored.height, `inside the image: ${at}`);
          const image = applyOrientation(crop(full, stored.width, region), region.width, region.height, orientation);
          const { scaleX, offsetX, offsetY } = window.placement;
          assert.equal(scaleX, s);
          for (let y = 0; y < image.height; y++) {
            for (let x = 0; x < image.width; x++) {
              const o = (y * image.width + x) * 3;
              const edge = uprightStart(jpeg, s, image.data[o], image.data[o + 1]);
              const want = { x: edge.endX ? x + 1 : x, y: edge.endY ? y + 1 : y };
              const got = { x: edge.x * s + offsetX, y: edge.y * s + offsetY };
              assert.ok(Math.abs(got.x - want.x) < 1e-9 && Math.abs(got.y - want.y) < 1e-9, `pixel (${x}, ${y}) of ${at}: the placement puts its edge at (${got.x}, ${got.y}), not (${want.x}, ${want.y})`);
              checked++;
            }
          }
          if (!box) continue;
          // The box, with the margin, lies inside the decoded pixels (where the image has them).
          const upright = orientation >= 5 ? { width: jpeg.height, height: jpeg.width } : { width: jpeg.width, height: jpeg.height };
          for (const [v, size, offset, decoded] of [[Math.max(0, box.left), upright.width, offsetX, image.width], [Math.min(upright.width, box.right), upright.width, offsetX, image.width], [Math.max(0, box.top), upright.height, offsetY, image.height], [Math.min(upright.height, box.bottom), upright.height, offsetY, image.height]]) {
            const d = v * s + offset;
            assert.ok(d >= -1e-9 && d <= decoded + 1e-9, `box edge ${v} (of ${size}) falls at ${d}, outside the ${decoded} decoded pixels: ${at}`);
          }
        }
      }
    }
  }
  assert.ok(checked > 100000, `checked ${checked} pixels`);
});

test('a box that needs the whole image decodes it whole, and a small one decodes less', () => {
  const jpeg = { width: 640, height: 480, orientation: 1, mcuWidth: 16 };
  assert.equal(storedWindow(jpeg, { scaleNum: 8, box: { left: -3, top: -3, right: 700, bottom: 500 } }, 2).region, null);
  const small = storedWindow(jpeg, { scaleNum: 8, box: { left: 100.5, top: 50, right: 200, bottom: 120.25 } }, 2);
  assert.deepEqual(small.region, { left: 96, top: 48, width: 106, height: 75 });
  assert.deepEqual(small.placement, { scaleX: 1, scaleY: 1, offsetX: -96, offsetY: -48 });
  const half = storedWindow(jpeg, { scaleNum: 4, box: { left: 100.5, top: 50, right: 200, bottom: 120.25 } }, 2);
  assert.deepEqual(half.region, { left: 48, top: 23, width: 54, height: 40 });
});

/**
 * What the region decode must never change: the kernels' output on the window's pixels (with its
 * placement) equals their output on the whole image decoded at the same scale. The "decode" here is
 * a crop of one random stored image, which is what a region decode gives (test/turbojpeg.test.ts
 * checks that of libjpeg-turbo itself).
 */
test('samples run on the decoded window equal samples run on the whole image, for every orientation', async () => {
  const pipelines: Array<[string, StepSpec[]]> = [
    ['imagenet-train', PRESETS['imagenet-train']()],
    ['rotate + crop', [{ op: 'rotate', degrees: 30 }, { op: 'randomResizedCrop', size: 96 }]],
    ['resize + centre crop', PRESETS['imagenet-eval'](64)],
  ];
  let smaller = 0;
  let cases = 0;
  for (const [name, spec] of pipelines) {
    const steps = parsePipeline(spec, { size: 224, maxPixels: 1e9 });
    for (let orientation = 1; orientation <= 8; orientation++) {
      const jpeg = { width: 517, height: 389, orientation, mcuWidth: 16 };
      const upright = uprightSize({ ...jpeg, components: 3, precision: 8 });
      for (let row = 0; row < 6; row++) {
        const plans = planSamples(upright, steps, 7, row, 2);
        const request = decodeRequest(plans, upright, 8 / decodeDivisor(steps, upright));
        const stored = { width: scaledSize(jpeg.width, request.scaleNum), height: scaledSize(jpeg.height, request.scaleNum) };
        const pixels = randomImage(stored.width * stored.height * 3, row + orientation * 31);
        const whole = storedWindow(jpeg, { ...request, box: null }, 2);
        const window = storedWindow(jpeg, request, 2);
        const region = window.region ?? { left: 0, top: 0, width: stored.width, height: stored.height };
        const full = applyOrientation(pixels, stored.width, stored.height, orientation);
        const cut = applyOrientation(crop(pixels, stored.width, region), region.width, region.height, orientation);
        if (region.width * region.height < stored.width * stored.height) smaller++;
        for (const kernels of ['cpu', 'wasm'] as const) {
          for (const [copy, plan] of plans.entries()) {
            const a = runStages(full.data, full, onDecodedPixels([plan], whole)[0].stages, kernels);
            const b = runStages(cut.data, cut, onDecodedPixels([plan], window)[0].stages, kernels);
            assert.deepEqual(b.size, a.size);
            let worst = 0;
            for (let i = 0; i < a.data.length; i++) worst = Math.max(worst, Math.abs(a.data[i] - b.data[i]));
            // Only float rounding of the moved origin may differ (a level where a value sits on .5).
            assert.ok(worst <= 1, `${name}, orientation ${orientation}, row ${row} copy ${copy}, ${kernels}: differs by up to ${worst} levels`);
          }
        }
        cases++;
      }
    }
  }
  assert.ok(smaller > cases / 2, `only ${smaller} of ${cases} rows decoded less than the whole image`);
});

/** Deterministic noise (a fixed LCG), so a failure can be replayed. */
function randomImage(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let state = seed * 2654435761 + 1;
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = state >>> 24;
  }
  return out;
}
