import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import sharp from 'sharp';
import { boxReduce } from '../kernels/cpu/boxReduce.js';
import { runStages } from '../kernels/cpu/runStages.js';
import { parsePipeline } from '../src/augment/pipeline.js';
import { planCopies } from '../src/execute/plans.js';
import { DecodeError, decodeImage, type CodecName, type DecodeOptions } from '../src/codec/decode.js';
import { encodeImage } from '../src/codec/encode.js';
import { readJpegHeader } from '../src/codec/jpegHeader.js';
import { applyOrientation } from '../src/codec/orientation.js';

const options = (codec: CodecName = 'auto', divisor = 1, maxPixels = 89_478_485): DecodeOptions => ({ codec, maxPixels, request: { scaleNum: 8 / divisor, box: null } });
const photo = (path: string) => readFile(`sample/photos/${path}`).then((b) => new Uint8Array(b));

function meanAbsDiff(a: Uint8Array, b: Uint8Array): number {
  assert.equal(a.length, b.length);
  let total = 0;
  for (let i = 0; i < a.length; i++) total += Math.abs(a[i] - b[i]);
  return total / a.length;
}

/** A small test card: a gradient with a bright square top-left, so orientation errors show. */
async function testCard(width: number, height: number) {
  const raw = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) raw.set(x < width / 4 && y < height / 4 ? [250, 250, 250] : [x * 3, y * 5, 100], (y * width + x) * 3);
  return sharp(raw, { raw: { width, height, channels: 3 } });
}

test('JPEG, PNG and WebP decode to upright RGB; every JPEG codec agrees with sharp', async () => {
  for (const path of ['nature/photo-020.jpg', 'animal/photo-009.png', 'animal/photo-003.webp']) {
    const bytes = await photo(path);
    const reference = await sharp(bytes, { ignoreIcc: true }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    for (const codec of ['auto', 'jpeg-turbo', 'sharp', 'jpeg-js'] as const) {
      const image = await decodeImage(bytes, options(codec));
      assert.equal(image.width, reference.info.width, `${path} ${codec}`);
      assert.equal(image.height, reference.info.height);
      assert.equal(image.data.length, image.width * image.height * 3);
      assert.ok(meanAbsDiff(image.data, new Uint8Array(reference.data)) < 1.5, `${path} ${codec}: ${meanAbsDiff(image.data, new Uint8Array(reference.data))}`);
    }
  }
});

test('grayscale, alpha, 16-bit and CMYK inputs become 8-bit RGB', async () => {
  const gray = await decodeImage(await photo('object/photo-047.png'), options());
  assert.equal(gray.data.length, 384 * 303 * 3);
  assert.equal(gray.data[0], gray.data[1]);
  const card = await testCard(32, 24);
  const rgba = await card.clone().ensureAlpha(0.5).png().toBuffer();
  const sixteen = await card.clone().toColourspace('rgb16').png().toBuffer();
  const cmyk = await card.clone().toColourspace('cmyk').jpeg({ quality: 95 }).toBuffer();
  const grayJpeg = await card.clone().grayscale().jpeg().toBuffer();
  assert.equal(readJpegHeader(cmyk)?.components, 4);
  const plain = new Uint8Array(await card.clone().raw().toBuffer());
  for (const [name, bytes, tolerance] of [['rgba', rgba, 0.01], ['16-bit', sixteen, 0.6], ['cmyk', cmyk, 12]] as const) {
    const image = await decodeImage(new Uint8Array(bytes), options());
    assert.deepEqual([image.width, image.height], [32, 24], name);
    assert.ok(meanAbsDiff(image.data, plain) <= tolerance, `${name}: ${meanAbsDiff(image.data, plain)}`);
  }
  const g = await decodeImage(new Uint8Array(grayJpeg), options('jpeg-turbo'));
  assert.equal(g.data.length, 32 * 24 * 3);
});

test('EXIF orientation is applied, as sharp’s autoOrient does, on every codec', async () => {
  const card = await testCard(40, 24);
  for (let orientation = 1; orientation <= 8; orientation++) {
    const jpeg = new Uint8Array(await card.clone().jpeg({ quality: 95 }).withMetadata({ orientation }).toBuffer());
    assert.equal(readJpegHeader(jpeg)?.orientation, orientation);
    const upright = await sharp(jpeg).autoOrient().raw().toBuffer({ resolveWithObject: true });
    for (const codec of ['auto', 'jpeg-turbo', 'jpeg-js', 'sharp'] as const) {
      const image = await decodeImage(jpeg, options(codec));
      assert.deepEqual([image.width, image.height], [upright.info.width, upright.info.height], `orientation ${orientation} ${codec}`);
      assert.deepEqual([image.sourceWidth, image.sourceHeight], [image.width, image.height]);
      assert.ok(meanAbsDiff(image.data, new Uint8Array(upright.data)) < 2, `orientation ${orientation} ${codec}`);
    }
  }
});

test('a large JPEG is decoded at the scale the pipeline allows: libjpeg-turbo at DCT scale 1/d, ceil(w/d) × ceil(h/d)', async () => {
  const bytes = await photo('nature/photo-037.jpg'); // 5312×2988, progressive
  for (const [d, size] of [[2, [2656, 1494]], [4, [1328, 747]]] as const) {
    const image = await decodeImage(bytes, options('auto', d));
    assert.deepEqual([image.width, image.height, image.sourceWidth, image.sourceHeight], [...size, 5312, 2988]);
    assert.deepEqual(image.placement, { scaleX: 1 / d, scaleY: 1 / d, offsetX: 0, offsetY: 0 });
    // sharp's scaled decode (shrink-on-load, then a linear reduction) of the same photo, as the
    // sharp path still gives it: measured 0.61 (d = 2) and 0.72 (d = 4) for libjpeg-turbo 3's DCT
    // scaling (1.15 and 1.22 for the old binding's box reduce); one pixel of shift gives 2.4 and 2.6.
    const viaSharp = await decodeImage(bytes, options('sharp', d));
    assert.deepEqual([viaSharp.width, viaSharp.height], size);
    assert.ok(meanAbsDiff(image.data, viaSharp.data) < 1.5, `d=${d}: ${meanAbsDiff(image.data, viaSharp.data)}`);
  }
  // Sizes that do not divide: the partial last block is a pixel of its own, as in a DCT-scaled
  // decode (sharp's path resizes to floor(w/d) and spans the whole image instead).
  const odd = new Uint8Array(await sharp(bytes).extract({ left: 3, top: 5, width: 2573, height: 1741 }).jpeg({ quality: 90 }).toBuffer());
  const stored = await sharp(odd).raw().toBuffer();
  for (const [d, size] of [[2, [1287, 871]], [4, [644, 436]]] as const) {
    const image = await decodeImage(odd, options('auto', d));
    assert.deepEqual([image.width, image.height, image.sourceWidth, image.sourceHeight], [...size, 2573, 1741]);
    // Against sharp's full-size decode averaged block by block: measured 0.23 and 0.33 (DCT
    // scaling; 0.93 and 0.87 for the old binding's fast IDCT and box reduce).
    const reference = boxReduce(new Uint8Array(stored), 2573, 1741, 3, d);
    assert.ok(meanAbsDiff(image.data, reference) < 1.2, `odd d=${d}: ${meanAbsDiff(image.data, reference)}`);
    const viaSharp = await decodeImage(odd, options('sharp', d));
    assert.deepEqual([viaSharp.width, viaSharp.height, viaSharp.placement.scaleX], [Math.floor(2573 / d), Math.floor(1741 / d), Math.floor(2573 / d) / 2573]);
  }
});

test('an EXIF-oriented JPEG is reduced in stored orientation, then turned upright; plans sample it where they sample the full decode', async () => {
  // 203×117: every divisor leaves a partial block on both axes, which orientation may put first.
  const width = 203;
  const height = 117;
  const raw = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) raw.set(x < width / 4 && y < height / 3 ? [250, 250, 250] : [(x * 3) & 255, (y * 5) & 255, (x ^ y) & 8 ? 200 : 40], (y * width + x) * 3);
  const steps = parsePipeline([{ op: 'resize', size: [24, 14] }], { size: 24 });
  for (let orientation = 1; orientation <= 8; orientation++) {
    const jpeg = new Uint8Array(await sharp(raw, { raw: { width, height, channels: 3 } }).jpeg({ quality: 95 }).withMetadata({ orientation }).toBuffer());
    const stored = new Uint8Array(await sharp(jpeg).raw().toBuffer()); // sharp's decode, not turned
    const full = await decodeImage(jpeg, options());
    const swap = orientation >= 5;
    for (const d of [2, 4]) {
      const image = await decodeImage(jpeg, options('auto', d));
      const size = [Math.ceil(width / d), Math.ceil(height / d)];
      assert.deepEqual([image.width, image.height], swap ? size.reverse() : size, `orientation ${orientation} d=${d}`);
      assert.deepEqual([image.sourceWidth, image.sourceHeight], [full.width, full.height]);
      // Measured 7.18 (d = 2) and 6.55 (d = 4): a DCT-scaled decode drops the high frequencies of
      // this card's sawtooth edges, which a box average keeps (the old binding's box reduce
      // measured 1.46–1.61); turned by the wrong orientation: 46–80.
      const expected = applyOrientation(boxReduce(stored, width, height, 3, d), Math.ceil(width / d), Math.ceil(height / d), orientation);
      assert.ok(meanAbsDiff(image.data, expected.data) < 8, `orientation ${orientation} d=${d}: ${meanAbsDiff(image.data, expected.data)}`);
      // The same sample from the reduced and the full decode. Measured 0.68–0.69 (d = 2) and
      // 1.32–1.75 (d = 4); with the partial block's offset left out 1.83–5.10 and 2.36–11.98 on
      // the orientations that flip an axis.
      const fromFull = runStages(full.data, full, planCopies(full, steps, 1, 0, 1)[0].stages, 'cpu');
      const fromReduced = runStages(image.data, image, planCopies(image, steps, 1, 0, 1)[0].stages, 'cpu');
      const sampled = meanAbsDiff(fromReduced.data, fromFull.data);
      assert.ok(sampled < (d === 2 ? 1 : 1.9), `orientation ${orientation} d=${d}, sampled: ${sampled}`);
    }
  }
});

test('truncated, corrupt, empty, oversized and non-image inputs are DecodeErrors', async () => {
  const jpeg = await photo('nature/photo-020.jpg');
  const png = await photo('animal/photo-009.png');
  const bad: Array<[string, Uint8Array, RegExp, CodecName?]> = [
    ['truncated jpeg', jpeg.subarray(0, Math.floor(jpeg.length * 0.6)), /premature end|truncated|corrupt|no error/i],
    ['truncated jpeg (jpeg-js)', jpeg.subarray(0, Math.floor(jpeg.length * 0.6)), /./, 'jpeg-js'],
    ['jpeg header only', jpeg.subarray(0, 600), /./],
    ['truncated png', png.subarray(0, Math.floor(png.length * 0.5)), /./],
    ['text', new TextEncoder().encode('hello, not an image'), /not an image/],
    ['empty', new Uint8Array(0), /empty/],
  ];
  for (const [name, bytes, message, codec] of bad) {
    await assert.rejects(decodeImage(bytes, options(codec)), (error: Error) => error instanceof DecodeError && message.test(error.message), name);
  }
  await assert.rejects(decodeImage(jpeg, options('auto', 1, 1000)), /above --max-pixels 1000/);
  await assert.rejects(decodeImage(png, options('auto', 1, 1000)), /--max-pixels 1000/);
});

test('encoders round-trip: JPEG close, PNG and raw exact, WebP close', async () => {
  const card = await testCard(48, 32);
  const data = new Uint8Array(await card.raw().toBuffer());
  const image = { data, width: 48, height: 32 };
  for (const [format, codec, tolerance] of [['jpeg', 'auto', 6], ['jpeg', 'sharp', 6], ['jpeg', 'jpeg-js', 6], ['png', 'auto', 0], ['webp', 'auto', 8]] as const) {
    const bytes = await encodeImage({ ...image, data: data.slice() }, { format, quality: 90, codec });
    const back = await decodeImage(bytes, options());
    assert.deepEqual([back.width, back.height], [48, 32]);
    assert.ok(meanAbsDiff(back.data, data) <= tolerance, `${format}/${codec}: ${meanAbsDiff(back.data, data)}`);
  }
  const raw = await encodeImage({ ...image, data: data.slice() }, { format: 'raw', quality: 90, codec: 'auto' });
  assert.deepEqual(raw, data);
});
