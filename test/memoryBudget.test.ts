/**
 * The rows in flight are bounded by what their pixels will hold (`--memory`), weighed from each
 * image's header before it is decoded.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import sharp from 'sharp';
import { decodeMemory, headerSize } from '../src/codec/decodeMemory.js';
import { remux } from '../src/index.js';
import { writeHfParquet } from './helpers/hfParquet.js';
import { digest, readOutput, tempDir } from './helpers/output.js';

const flat = (width: number, height: number, channels: 3 | 4 = 3) => sharp({ create: { width, height, channels, background: { r: 200, g: 50, b: 20, alpha: 0.5 } } });

test('headerSize reads PNG, GIF and every WebP kind (lossy, lossless, extended) as the decoder will see them', async () => {
  const cases: Array<[string, Buffer]> = [
    ['png', await flat(9000, 17).png().toBuffer()],
    ['gif', await flat(301, 7).gif().toBuffer()],
    ['webp lossy', await flat(1001, 333).webp().toBuffer()],
    ['webp lossless', await flat(1001, 333).webp({ lossless: true }).toBuffer()],
    ['webp with alpha (VP8X)', await flat(1001, 333, 4).webp().toBuffer()],
  ];
  for (const [name, bytes] of cases) {
    const { width, height } = await sharp(bytes).metadata();
    assert.deepEqual(headerSize(new Uint8Array(bytes)), { width, height }, name);
  }
  assert.equal(headerSize(new Uint8Array([1, 2, 3])), null);
});

test('decodeMemory: 9 bytes a decoded pixel, a reduced JPEG holds its full size only once, an unreadable header weighs as --max-pixels', async () => {
  const options = (divisor: number) => ({ divisorFor: () => divisor, maxPixels: 1_000_000 });
  const png = new Uint8Array(await flat(900, 900).png().toBuffer());
  assert.equal(decodeMemory(png, options(1)), png.length + 810_000 * 9);
  const jpeg = new Uint8Array(await flat(800, 600).jpeg().toBuffer());
  assert.equal(decodeMemory(jpeg, options(1)), jpeg.length + 480_000 * 9);
  assert.equal(decodeMemory(jpeg, options(4)), jpeg.length + 480_000 * 3 + 30_000 * 6, 'the full-size raster, then a 1/4 × 1/4 image');
  const garbage = new Uint8Array(100).fill(7);
  assert.equal(decodeMemory(garbage, options(1)), 100 + 1_000_000 * 9);
  const huge = new Uint8Array(await flat(2000, 1000).png().toBuffer());
  assert.equal(decodeMemory(huge, options(1)), huge.length + 1_000_000 * 9, 'refused before decoding: at most --max-pixels');
});

test('a budget smaller than any image runs one row at a time and gives the same bytes', async () => {
  const dir = await tempDir('budget');
  const images = await Promise.all([[640, 480], [64, 64], [300, 500], [1200, 900]].map(async ([w, h], i) => ({ bytes: new Uint8Array(await sharp({ create: { width: w, height: h, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 100 + i, sigma: 30 } } }).jpeg().toBuffer()) })));
  await writeHfParquet(`${dir}/train.parquet`, [...images, ...images, ...images]);
  const run = async (memory?: number) => {
    const out = await tempDir('budget-out');
    await remux({ source: `${dir}/train.parquet`, out, workers: 2, size: 48, copies: 2, backend: 'wasm', memory });
    return digest((await readOutput(out)).rows);
  };
  assert.deepEqual(await run(1), await run());
});
