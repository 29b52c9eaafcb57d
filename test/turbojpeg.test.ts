import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import sharp from 'sharp';
import { DecodeError } from '../src/codec/decode.js';
import { scaledSize } from '../src/codec/jpegWindow.js';
import { REGION_EDGE_MARGIN, TJCS, TJSAMP, turbo3, UnsupportedJpegError, type Turbo3 } from '../src/codec/turbojpeg.js';

/**
 * The fixtures of test/golden/turbojpeg/ (make_fixtures.py): small odd-sized JPEGs cut from a
 * photo, and Pillow's decode of each (`convert('RGB')`: accurate IDCT, fancy upsampling).
 */
const GOLDEN = 'test/golden/turbojpeg';
const meta = JSON.parse(readFileSync(`${GOLDEN}/fixtures.json`, 'utf8')) as { fixtures: Array<{ name: string; kind: string; width: number; height: number }> };
const fixtures = meta.fixtures.map((f) => ({ ...f, jpeg: new Uint8Array(readFileSync(`${GOLDEN}/${f.name}.jpg`)), pillow: new Uint8Array(readFileSync(`${GOLDEN}/${f.name}.rgb`)) }));

/** @julusian/jpeg-turbo ships libturbojpeg for these; elsewhere turbo3() is null by design. */
const shipped = process.platform === 'linux' && ['x64', 'arm64', 'arm'].includes(process.arch);

function decoder(): Turbo3 {
  const t3 = turbo3();
  assert.ok(t3, 'turbo3() loads libturbojpeg from @julusian/jpeg-turbo through koffi');
  return t3;
}

test('turbo3 reads the header: size, subsampling, iMCU, colourspace, precision, progressive', { skip: !shipped && 'no libturbojpeg for this platform' }, () => {
  const t3 = decoder();
  const expected: Record<string, [number, number, number, number, boolean]> = {
    '420': [TJSAMP.S420, 16, 16, TJCS.YCbCr, false],
    '422': [TJSAMP.S422, 16, 8, TJCS.YCbCr, false],
    '444': [TJSAMP.S444, 8, 8, TJCS.YCbCr, false],
    gray: [TJSAMP.GRAY, 8, 8, TJCS.GRAY, false],
    progressive: [TJSAMP.S420, 16, 16, TJCS.YCbCr, true],
    restart: [TJSAMP.S420, 16, 16, TJCS.YCbCr, false],
  };
  for (const f of fixtures) {
    const h = t3.readHeader(f.jpeg);
    assert.deepEqual([h.width, h.height, h.subsampling, h.mcuWidth, h.mcuHeight, h.colorspace, h.progressive, h.precision], [f.width, f.height, ...expected[f.kind], 8], f.name);
  }
});

test('turbo3 at scale 8/8 gives exactly Pillow’s pixels for 4:2:0, 4:2:2, 4:4:4, gray, progressive and restart-marker JPEGs', { skip: !shipped && 'no libturbojpeg for this platform' }, () => {
  const t3 = decoder();
  assert.equal(fixtures.length, 12);
  for (const f of fixtures) {
    const out = t3.decode(f.jpeg, { scaleNum: 8, region: null });
    assert.deepEqual([out.width, out.height], [f.width, f.height], f.name);
    // Its own ArrayBuffer, exactly the pixels: transferable to another thread without a copy.
    assert.equal(out.data.byteOffset, 0);
    assert.equal(out.data.buffer.byteLength, f.width * f.height * 3);
    let differing = 0;
    for (let i = 0; i < out.data.length; i++) if (out.data[i] !== f.pillow[i]) differing++;
    assert.equal(differing, 0, `${f.name}: ${differing} bytes differ from Pillow's decode`);
  }
});

test('a region is the crop of the full decode at the same scale, exactly from REGION_EDGE_MARGIN in from a cut edge; sizes are scaledSize()', { skip: !shipped && 'no libturbojpeg for this platform' }, () => {
  const t3 = decoder();
  // Per kind, the farthest a differing pixel lies from a cut edge (-1: none differ).
  const farthest = new Map<string, number>();
  let regions = 0;
  for (const f of fixtures) {
    const { mcuWidth } = t3.readHeader(f.jpeg);
    for (let scaleNum = 1; scaleNum <= 8; scaleNum++) {
      const full = t3.decode(f.jpeg, { scaleNum, region: null });
      const W = scaledSize(f.width, scaleNum);
      const H = scaledSize(f.height, scaleNum);
      assert.deepEqual([full.width, full.height], [W, H], `${f.name} at ${scaleNum}/8`);
      const step = scaledSize(mcuWidth, scaleNum);
      const lefts = [...new Set([0, step, Math.floor(W / 2 / step) * step, Math.floor((W - 1) / step) * step])];
      const regionsHere: Array<[number, number, number, number]> = [[0, 0, W, H]];
      for (const left of lefts) {
        const rest = W - left;
        // Touching the right edge, interior, 1 and 2 pixels wide (the chroma pair of 4:2:x);
        // at the top, the bottom, 1 row, inside.
        for (const width of [...new Set([rest, Math.max(1, rest - 3), 1, 2, 5, step + 1])].filter((w) => w <= rest)) {
          for (const [top, height] of [[0, H], [0, Math.max(1, H >> 1)], [H - 1, 1], [Math.min(H - 1, 3), Math.max(1, H - 6)], [H >> 1, H - (H >> 1)]]) {
            regionsHere.push([left, top, width, height]);
          }
        }
      }
      for (const [left, top, width, height] of regionsHere) {
        const out = t3.decode(f.jpeg, { scaleNum, region: { left, top, width, height } });
        assert.deepEqual([out.width, out.height], [width, height]);
        regions++;
        const cut = { left: left > 0, right: left + width < W, top: top > 0, bottom: top + height < H };
        for (let y = 0; y < height; y++) {
          for (let x = 0; x < width; x++) {
            const at = (y * width + x) * 3;
            const from = ((top + y) * W + left + x) * 3;
            if (out.data[at] === full.data[from] && out.data[at + 1] === full.data[from + 1] && out.data[at + 2] === full.data[from + 2]) continue;
            const distance = Math.min(cut.left ? x : Infinity, cut.right ? width - 1 - x : Infinity, cut.top ? y : Infinity, cut.bottom ? height - 1 - y : Infinity);
            assert.ok(distance < REGION_EDGE_MARGIN, `${f.name} at ${scaleNum}/8, region ${width}×${height} at (${left}, ${top}): pixel (${x}, ${y}) differs ${distance} from a cut edge`);
            const key = `${f.kind} ${scaleNum}`;
            farthest.set(key, Math.max(farthest.get(key) ?? -1, distance));
          }
        }
      }
    }
  }
  assert.ok(regions > 1000, `${regions} regions`);
  // What was measured (see REGION_EDGE_MARGIN): only upsampled chroma differs, and only at a cut.
  assert.deepEqual(Object.fromEntries([...farthest].sort()), { '420 8': 1, '422 2': 0, '422 3': 0, '422 4': 0, '422 5': 0, '422 6': 0, '422 7': 0, '422 8': 0, 'progressive 8': 1, 'restart 8': 1 });
});

test('turbo3 errors: truncated and corrupt data are DecodeErrors that say why, a misaligned or outside region a plain Error', { skip: !shipped && 'no libturbojpeg for this platform' }, async () => {
  const t3 = decoder();
  const photo = new Uint8Array(readFileSync('sample/photos/nature/photo-020.jpg'));
  const full = t3.decode(photo, { scaleNum: 8, region: null });
  const whole = { scaleNum: 8, region: null };
  const isDecodeError = (pattern: RegExp) => (error: Error) => error instanceof DecodeError && /^libjpeg-turbo: /.test(error.message) && !/no error/i.test(error.message) && !error.message.includes('\n') && pattern.test(error.message);

  const truncated = photo.subarray(0, Math.floor(photo.length * 0.6));
  assert.throws(() => t3.decode(truncated, whole), isDecodeError(/premature end of JPEG/), 'truncated');
  // Only the EOI missing: Pillow ("image file is truncated") and sharp's failOn 'truncated' refuse it too.
  assert.throws(() => t3.decode(photo.subarray(0, photo.length - 2), whole), isDecodeError(/truncated/), 'no EOI');
  // libjpeg reports only a decode's first warning: a truncation after extraneous bytes is still one.
  const sos = photo.findIndex((b, i) => b === 0xff && photo[i + 1] === 0xda);
  const eoi = photo.length - 2;
  const extraneous = concat(photo.subarray(0, eoi), [0x12, 0x34, 0x56], photo.subarray(eoi));
  assert.deepEqual(t3.decode(extraneous, whole).data, full.data, 'extraneous bytes before EOI are a warning, tolerated');
  const stray = concat(photo.subarray(0, sos), [0x00, 0x11], photo.subarray(sos));
  assert.deepEqual(t3.decode(stray, whole).data, full.data, 'extraneous bytes before SOS, tolerated');
  assert.throws(() => t3.decode(stray.subarray(0, Math.floor(stray.length * 0.7)), whole), isDecodeError(/truncated/), 'truncated after a warning');
  // Bytes after the EOI (camera trailers) are no truncation.
  assert.deepEqual(t3.decode(concat(photo, [1, 2, 3, 4]), whole).data, full.data);

  const garbage = concat([0xff, 0xd8], Array.from({ length: 2000 }, (_, i) => (i * 7919 + 13) & 255));
  assert.throws(() => t3.decode(garbage, whole), isDecodeError(/./), 'garbage after SOI');
  assert.throws(() => t3.readHeader(garbage), isDecodeError(/./), 'garbage after SOI, header');
  assert.throws(() => t3.decode(new Uint8Array([0xff, 0xd8, 0xff, 0xd9]), whole), isDecodeError(/./), 'SOI, EOI');
  assert.throws(() => t3.decode(new TextEncoder().encode('not a jpeg at all'), whole), isDecodeError(/not a JPEG/i));
  // Corrupt entropy data (bytes flipped mid-scan): decoded with a warning like Pillow, or an error; never a crash.
  const flipped = photo.slice();
  for (let i = sos + 400; i < sos + 420; i++) flipped[i] ^= 0x5a;
  try {
    assert.equal(t3.decode(flipped, whole).data.length, full.data.length);
  } catch (error) {
    assert.ok(isDecodeError(/./)(error as Error), (error as Error).message);
  }
  // The decode after a failed one is unaffected (one handle is reused).
  assert.deepEqual(t3.decode(photo, whole).data, full.data);

  assert.throws(() => t3.decode(photo, whole, 1000), isDecodeError(/above --max-pixels 1000/));
  const notDecodeError = (pattern: RegExp) => (error: Error) => !(error instanceof DecodeError) && pattern.test(error.message);
  // photo-020 is 4:2:0: the iMCU is 16 wide at 8/8, 8 at 4/8, 2 at 1/8.
  assert.throws(() => t3.decode(photo, { scaleNum: 8, region: { left: 8, top: 0, width: 16, height: 16 } }), notDecodeError(/not a multiple of the scaled iMCU width 16/));
  assert.throws(() => t3.decode(photo, { scaleNum: 4, region: { left: 12, top: 0, width: 16, height: 16 } }), notDecodeError(/multiple of the scaled iMCU width 8/));
  assert.equal(t3.decode(photo, { scaleNum: 1, region: { left: 2, top: 1, width: 3, height: 3 } }).width, 3);
  assert.throws(() => t3.decode(photo, { scaleNum: 8, region: { left: 432, top: 0, width: 17, height: 16 } }), notDecodeError(/not inside the 448×376 image/));
  assert.throws(() => t3.decode(photo, { scaleNum: 8, region: { left: 0, top: 370, width: 16, height: 7 } }), notDecodeError(/not inside/));
  assert.throws(() => t3.decode(photo, { scaleNum: 8, region: { left: 0, top: 0, width: 0, height: 7 } }), notDecodeError(/not inside/));
  for (const scaleNum of [0, 9, 2.5]) assert.throws(() => t3.decode(photo, { scaleNum, region: null }), notDecodeError(/integer from 1 to 8/));

  // CMYK cannot come out as RGB here: the caller's fallback (sharp) takes it.
  const cmyk = new Uint8Array(await sharp(photo).toColourspace('cmyk').jpeg().toBuffer());
  assert.ok(([TJCS.CMYK, TJCS.YCCK] as number[]).includes(t3.readHeader(cmyk).colorspace));
  assert.throws(() => t3.decode(cmyk, whole), (error: Error) => error instanceof UnsupportedJpegError && !(error instanceof DecodeError));
});

function concat(...parts: Array<ArrayLike<number>>): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
