/**
 * Region and DCT-scaled JPEG decodes through libjpeg-turbo 3's TurboJPEG API (src/codec/turbojpeg.ts)
 * against the old binding's full decode, on one thread.
 *
 *   node dist/benchmarks/regionDecode.js <dir> [<dir> ...] [--repeats N] [--seed S]
 *
 * Per folder (its JPEGs: files that start with the JPEG magic bytes), four ways of decoding each
 * photo to RGB:
 * - `binding full`: @julusian/jpeg-turbo's decompressSync (fast IDCT, merged upsampling), into a
 *   fresh buffer as decode.ts's fallback does;
 * - `turbo3 8/8`: turbo3().decode at full scale (accurate IDCT, fancy upsampling);
 * - `turbo3 4/8`: the same at DCT scale 1/2;
 * - `turbo3 RRC region`: a RandomResizedCrop-like region (area 8–100% of the photo, aspect ratio
 *   log-uniform in 3/4–4/3, torchvision's 10 tries then the whole photo), its left edge moved down
 *   to the iMCU, at full scale. One region per photo, drawn once from `--seed`, the same in every
 *   repeat.
 * Method: a warm-up pass, then R repeats (default 5); in each repeat every method decodes every
 * photo once, the method order rotated per repeat. Reported: the median of all (photo, repeat)
 * times in ms per image, with the min–max of the per-repeat medians as its spread.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { scaledSize } from '../src/codec/jpegWindow.js';
import { turbo3, type JpegWindow, type Turbo3 } from '../src/codec/turbojpeg.js';
import { machine, median } from './common.js';

const require = createRequire(import.meta.url);
const binding = require('@julusian/jpeg-turbo') as typeof import('@julusian/jpeg-turbo');

interface Photo {
  bytes: Uint8Array;
  width: number;
  height: number;
  region: JpegWindow['region'];
}

function parseArgs(argv: string[]): { dirs: string[]; repeats: number; seed: number } {
  const dirs: string[] = [];
  let repeats = 5;
  let seed = 1;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--repeats') repeats = Number(argv[++i]);
    else if (argv[i] === '--seed') seed = Number(argv[++i]);
    else dirs.push(argv[i]);
  }
  if (dirs.length === 0 || !(repeats >= 1)) throw new Error('usage: node dist/benchmarks/regionDecode.js <dir> [<dir> ...] [--repeats N] [--seed S]');
  return { dirs, repeats, seed };
}

/** mulberry32: a small seeded generator, so that the regions repeat from run to run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** torchvision's RandomResizedCrop.get_params (scale 0.08–1, ratio 3/4–4/3), then aligned to the iMCU. */
function randomRegion(width: number, height: number, mcuWidth: number, random: () => number): NonNullable<JpegWindow['region']> {
  const area = width * height;
  let box = { left: 0, top: 0, width, height };
  for (let attempt = 0; attempt < 10; attempt++) {
    const target = area * (0.08 + random() * 0.92);
    const ratio = Math.exp(Math.log(3 / 4) + random() * (Math.log(4 / 3) - Math.log(3 / 4)));
    const w = Math.round(Math.sqrt(target * ratio));
    const h = Math.round(Math.sqrt(target / ratio));
    if (w > 0 && h > 0 && w <= width && h <= height) {
      box = { left: Math.floor(random() * (width - w + 1)), top: Math.floor(random() * (height - h + 1)), width: w, height: h };
      break;
    }
  }
  // The caller aligns the left edge: down to the iMCU, widened so that the right edge stays.
  const left = box.left - (box.left % mcuWidth);
  return { ...box, left, width: box.width + box.left - left };
}

function loadPhotos(dir: string, t3: Turbo3, random: () => number): Photo[] {
  const photos: Photo[] = [];
  for (const name of readdirSync(dir).sort()) {
    const file = join(dir, name);
    if (!statSync(file).isFile()) continue;
    const bytes = new Uint8Array(readFileSync(file));
    if (!(bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff)) continue;
    const header = t3.readHeader(bytes);
    if (header.precision !== 8 || header.colorspace > 2) continue; // CMYK, 12-bit: sharp's
    photos.push({ bytes, width: header.width, height: header.height, region: randomRegion(header.width, header.height, header.mcuWidth, random) });
  }
  return photos;
}

type Method = [name: string, decode: (photo: Photo) => number];

function methods(t3: Turbo3): Method[] {
  return [
    ['binding full', (p) => {
      const out = new Uint8Array(p.width * p.height * 3);
      binding.decompressSync(Buffer.from(p.bytes.buffer, p.bytes.byteOffset, p.bytes.byteLength), Buffer.from(out.buffer), { format: binding.FORMAT_RGB });
      return out[0];
    }],
    ['turbo3 8/8', (p) => t3.decode(p.bytes, { scaleNum: 8, region: null }).data[0]],
    ['turbo3 4/8', (p) => t3.decode(p.bytes, { scaleNum: 4, region: null }).data[0]],
    ['turbo3 RRC region', (p) => t3.decode(p.bytes, { scaleNum: 8, region: p.region }).data[0]],
  ];
}

function main(): void {
  const { dirs, repeats, seed } = parseArgs(process.argv.slice(2));
  const t3 = turbo3();
  if (!t3) throw new Error('turbo3() is null: koffi or libturbojpeg does not load here');
  console.log(`${new Date().toISOString()}; ${machine()}; repeats ${repeats}, seed ${seed}\n`);
  console.log('| photos | method | ms/image (median) | spread (min–max of repeat medians) | × binding full |');
  console.log('|---|---|---:|---:|---:|');
  for (const dir of dirs) {
    const photos = loadPhotos(dir, t3, rng(seed));
    const all = methods(t3);
    let sink = 0;
    for (const [, decode] of all) for (const p of photos) sink += decode(p); // warm-up
    const times = new Map<string, number[][]>(all.map(([name]) => [name, []]));
    for (let r = 0; r < repeats; r++) {
      for (let m = 0; m < all.length; m++) {
        const [name, decode] = all[(m + r) % all.length];
        const round: number[] = [];
        for (const p of photos) {
          const start = performance.now();
          sink += decode(p);
          round.push(performance.now() - start);
        }
        times.get(name)!.push(round);
      }
    }
    const megapixels = photos.reduce((n, p) => n + p.width * p.height, 0) / 1e6 / photos.length;
    const regionShare = photos.reduce((n, p) => n + (p.region!.width * p.region!.height) / (p.width * p.height), 0) / photos.length;
    const label = `${dir.split('/').filter(Boolean).at(-1)} (${photos.length}, mean ${megapixels.toFixed(2)} MP)`;
    const base = median(times.get('binding full')!.flat());
    for (const [name] of all) {
      const rounds = times.get(name)!;
      const perRepeat = rounds.map((round) => median(round));
      const ms = median(rounds.flat());
      console.log(`| ${label} | ${name} | ${fmt(ms)} | ${fmt(Math.min(...perRepeat))}–${fmt(Math.max(...perRepeat))} | ${(ms / base).toFixed(2)} |`);
    }
    console.log(`<!-- ${label}: regions cover ${(regionShare * 100).toFixed(0)}% of a photo on average; scale 4/8 gives ${scaledSize(photos[0].width, 4)}×${scaledSize(photos[0].height, 4)} for the first; checksum ${sink} -->`);
  }
}

function fmt(ms: number): string {
  return ms >= 10 ? ms.toFixed(1) : ms >= 1 ? ms.toFixed(2) : ms.toFixed(3);
}

main();
