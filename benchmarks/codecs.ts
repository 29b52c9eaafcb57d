/**
 * JPEG codec benchmark: decode (full scale and DCT-scaled) and encode speed of
 * the JPEG codecs remux can use, measured side by side in one process.
 *
 *   node dist/benchmarks/codecs.js [dir ...] [--repeats N] [--encode-passes N] [--out FILE|-]
 *
 * Directories default to `sample/photos`; pass more (a set of small photos, say) as arguments. Only files that start with the JPEG
 * magic bytes are used (the extension is ignored). Results are printed as
 * markdown and written to `benchmarks/codecs.md` (`--out -` to skip writing).
 *
 * Method: one warm-up pass (which also checks each decoder against
 * jpeg-turbo), then R repeats; in each repeat every codec processes the whole
 * set once, in an order rotated from repeat to repeat so that slow drifts of
 * a noisy machine hit every codec alike. Reported: median over repeats of the
 * per-repeat mean ms/image, and min–max of the per-repeat means.
 * Every codec is single-threaded (sharp.concurrency(1), sharp cache off).
 *
 * Self-contained on purpose: it imports nothing from src/.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync, openSync, readSync, closeSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';

import sharp from 'sharp';
import jsquashDecode, { init as jsquashInitDecode } from '@jsquash/jpeg/decode.js';
import jsquashEncode, { init as jsquashInitEncode } from '@jsquash/jpeg/encode.js';

// CommonJS packages whose exports are set up dynamically: load through require.
const require = createRequire(import.meta.url);
const turbo = require('@julusian/jpeg-turbo') as typeof import('@julusian/jpeg-turbo');
const jpegJs = require('jpeg-js') as typeof import('jpeg-js');

// ---------------------------------------------------------------- setup ---

const SCRIPT_DIR = path.dirname(fileURLToPath(import.meta.url));
// dist/benchmarks/codecs.js -> repo root; fall back to the working directory.
const ROOT = (() => {
  const up = path.resolve(SCRIPT_DIR, '..', '..');
  return existsSync(path.join(up, 'package.json')) && existsSync(path.join(up, 'benchmarks')) ? up : process.cwd();
})();
const rel = (p: string): string => {
  const r = path.relative(ROOT, p);
  return r === '' ? '.' : r.split(path.sep).join('/');
};

// A gc() callable between timed blocks (never inside one), if the VM allows it.
const gc: () => void = (() => {
  const g = (globalThis as { gc?: () => void }).gc;
  if (typeof g === 'function') return g;
  try {
    v8.setFlagsFromString('--expose-gc');
    const fn = vm.runInNewContext('gc') as unknown;
    if (typeof fn === 'function') return fn as () => void;
  } catch {
    /* not available */
  }
  return () => {};
})();

interface Options {
  dirs: string[];
  repeats: number;
  encodePasses: number;
  out: string | null;
  argv: string[];
}

function usage(msg?: string): never {
  if (msg) console.error(`codecs: ${msg}`);
  console.error('usage: node dist/benchmarks/codecs.js [dir ...] [--repeats N] [--encode-passes N] [--out FILE|-]');
  process.exit(2);
}

function parseArgs(argv: string[]): Options {
  const dirs: string[] = [];
  let repeats = 5;
  let encodePasses = 3;
  let out: string | null = path.join(ROOT, 'benchmarks', 'codecs.md');
  const num = (flag: string, v: string | undefined): number => {
    const n = Number(v);
    if (v === undefined || !Number.isInteger(n) || n < 1) usage(`${flag} needs a positive integer`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const [flag, inline] = a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = (): string | undefined => inline ?? argv[++i];
    if (flag === '--repeats') repeats = num(flag, value());
    else if (flag === '--encode-passes') encodePasses = num(flag, value());
    else if (flag === '--out') {
      const v = value();
      if (v === undefined) usage('--out needs a file (or -)');
      out = v === '-' ? null : path.resolve(v);
    } else if (flag === '--help' || flag === '-h') usage();
    else if (a.startsWith('--')) usage(`unknown option ${a}`);
    else dirs.push(path.resolve(a));
  }
  if (dirs.length === 0) {
    dirs.push(path.join(ROOT, 'sample', 'photos'));
  }
  return { dirs, repeats, encodePasses, out, argv };
}

// --------------------------------------------------------------- inputs ---

interface Photo {
  file: string; // relative to the repo root
  buf: Buffer;
  ab: ArrayBuffer; // exact-size copy for @jsquash/jpeg
  width: number;
  height: number;
  icc: boolean; // embedded ICC profile (sharp converts it to sRGB; the others ignore it)
}

interface PhotoSet {
  label: string;
  photos: Photo[];
  megapixels: number;
}

function isJpeg(file: string): boolean {
  const fd = openSync(file, 'r');
  try {
    const head = Buffer.alloc(3);
    return readSync(fd, head, 0, 3, 0) === 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff;
  } finally {
    closeSync(fd);
  }
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = path.join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) out.push(...walk(p));
    else if (st.isFile() && isJpeg(p)) out.push(p);
  }
  return out;
}

/** True when the JPEG carries an APP2 ICC_PROFILE segment. */
function hasIcc(buf: Buffer): boolean {
  let i = 2;
  while (i + 4 <= buf.length && buf[i] === 0xff) {
    const marker = buf[i + 1]!;
    if (marker === 0xda || marker === 0xd9) break; // start of scan / end of image
    const len = buf.readUInt16BE(i + 2);
    if (marker === 0xe2 && buf.toString('latin1', i + 4, i + 16) === 'ICC_PROFILE\0') return true;
    i += 2 + len;
  }
  return false;
}

function loadSet(dir: string): PhotoSet {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new Error(`not a directory: ${rel(dir)}`);
  const photos: Photo[] = [];
  for (const file of walk(dir)) {
    const buf = readFileSync(file);
    const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
    // Dimensions from jpeg-turbo's decode (the reference); not timed.
    const ref = turbo.decompressSync(buf, { format: turbo.FORMAT_RGB });
    photos.push({ file: rel(file), buf, ab, width: ref.width, height: ref.height, icc: hasIcc(buf) });
  }
  if (photos.length === 0) throw new Error(`no JPEG files under ${rel(dir)}`);
  const megapixels = photos.reduce((s, p) => s + (p.width * p.height) / 1e6, 0);
  return { label: rel(dir), photos, megapixels };
}

// --------------------------------------------------------------- codecs ---

interface Decoded {
  data: Uint8Array;
  width: number;
  height: number;
  channels: number;
}

interface DecodeCodec {
  name: string;
  scale: number; // 1, 2, 4, 8 (output is floor(w/scale) x floor(h/scale))
  note: string;
  colourManaged?: boolean; // applies an embedded ICC profile (sharp)
  decode(p: Photo): Decoded | Promise<Decoded>;
}

const u8 = (b: Uint8Array | Uint8ClampedArray): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

async function sharpDecode(p: Photo, scale: number): Promise<Decoded> {
  let img = sharp(p.buf);
  if (scale > 1) {
    img = img.resize({ width: Math.max(1, Math.floor(p.width / scale)), height: Math.max(1, Math.floor(p.height / scale)), fit: 'fill', kernel: 'linear' });
  }
  const { data, info } = await img.removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels };
}

const decoders: DecodeCodec[] = [
  {
    name: 'jpeg-turbo',
    scale: 1,
    note: 'decompressSync, FORMAT_RGB',
    decode: (p) => {
      const r = turbo.decompressSync(p.buf, { format: turbo.FORMAT_RGB });
      return { data: r.data, width: r.width, height: r.height, channels: 3 };
    },
  },
  { name: 'sharp', scale: 1, note: 'raw sRGB', colourManaged: true, decode: (p) => sharpDecode(p, 1) },
  ...[2, 4, 8].map(
    (d): DecodeCodec => ({ name: `sharp 1/${d}`, scale: d, note: 'shrink-on-load + linear resize', colourManaged: true, decode: (p) => sharpDecode(p, d) }),
  ),
  // The alternative to a scaled decode: full jpeg-turbo decode, then a sharp resize of the raw pixels.
  ...[2, 4, 8].map(
    (d): DecodeCodec => ({
      name: `jpeg-turbo + resize 1/${d}`,
      scale: d,
      note: 'full decode, then sharp linear resize of the RGB',
      decode: async (p) => {
        const r = turbo.decompressSync(p.buf, { format: turbo.FORMAT_RGB });
        const { data, info } = await sharp(r.data, { raw: { width: r.width, height: r.height, channels: 3 } })
          .resize({ width: Math.max(1, Math.floor(r.width / d)), height: Math.max(1, Math.floor(r.height / d)), fit: 'fill', kernel: 'linear' })
          .raw()
          .toBuffer({ resolveWithObject: true });
        return { data, width: info.width, height: info.height, channels: info.channels };
      },
    }),
  ),
  {
    name: '@jsquash/jpeg',
    scale: 1,
    note: 'WASM mozjpeg, RGBA out',
    decode: async (p) => {
      const r = await jsquashDecode(p.ab);
      return { data: u8(r.data as Uint8ClampedArray), width: r.width as number, height: r.height as number, channels: 4 };
    },
  },
  {
    name: 'jpeg-js',
    scale: 1,
    note: 'pure JS, RGB out',
    decode: (p) => {
      const r = jpegJs.decode(p.buf, { useTArray: true, formatAsRGBA: false, maxResolutionInMP: 1000, maxMemoryUsageInMB: 4096 });
      return { data: r.data, width: r.width, height: r.height, channels: 3 };
    },
  },
];

interface EncodeInput {
  rgb: Buffer;
  rgba: Uint8ClampedArray<ArrayBuffer>;
  width: number;
  height: number;
}

interface EncodeCodec {
  name: string;
  note: string;
  encode(e: EncodeInput): Uint8Array | Promise<Uint8Array>;
}

const QUALITY = 90;
const ENC_SIZE = 224;

const encoders: EncodeCodec[] = [
  {
    name: 'jpeg-turbo',
    note: 'compressSync FORMAT_RGB, SAMP_420 (TJFLAG_FASTDCT)',
    encode: (e) =>
      turbo.compressSync(e.rgb, { format: turbo.FORMAT_RGB, width: e.width, height: e.height, quality: QUALITY, subsampling: turbo.SAMP_420 }),
  },
  {
    name: 'sharp',
    note: 'libvips + mozjpeg, sharp defaults (optimised Huffman, no trellis)',
    encode: (e) => sharp(e.rgb, { raw: { width: e.width, height: e.height, channels: 3 } }).jpeg({ quality: QUALITY }).toBuffer(),
  },
  {
    name: '@jsquash/jpeg',
    // jsquash defaults are progressive and, at q >= 90, 4:4:4 (auto_subsample): set baseline 4:2:0 to match the native encoders.
    note: 'WASM mozjpeg, progressive off, 4:2:0 forced, other jsquash defaults; RGBA in',
    encode: async (e) =>
      new Uint8Array(
        await jsquashEncode(
          { data: e.rgba, width: e.width, height: e.height, colorSpace: 'srgb' },
          { quality: QUALITY, progressive: false, auto_subsample: false, chroma_subsample: 2 },
        ),
      ),
  },
  {
    name: 'jpeg-js',
    note: 'pure JS (no subsampling option); RGBA in',
    encode: (e) => jpegJs.encode({ data: e.rgba, width: e.width, height: e.height }, QUALITY).data,
  },
];

async function initJsquash(): Promise<void> {
  // In Node the Emscripten glue cannot fetch its .wasm: compile it from
  // node_modules and hand the module to init().
  const load = (spec: string): WebAssembly.Module => new WebAssembly.Module(readFileSync(require.resolve(spec)));
  type Init = (m: WebAssembly.Module) => Promise<void>;
  await (jsquashInitDecode as unknown as Init)(load('@jsquash/jpeg/codec/dec/mozjpeg_dec.wasm'));
  await (jsquashInitEncode as unknown as Init)(load('@jsquash/jpeg/codec/enc/mozjpeg_enc.wasm'));
}

// ----------------------------------------------------------- correctness ---

/** "baseline 4:2:0" etc. from a JPEG's SOF marker (frame type and luma sampling factors). */
function jpegLayout(b: Uint8Array): string {
  const buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  let i = 2;
  while (i + 4 <= buf.length && buf[i] === 0xff) {
    const m = buf[i + 1]!;
    if (m === 0xda || m === 0xd9) break;
    if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) {
      const kind = m === 0xc2 || m === 0xc6 || m === 0xca || m === 0xce ? 'progressive' : m === 0xc0 ? 'baseline' : `SOF${m - 0xc0}`;
      const ncomp = buf[i + 9]!;
      if (ncomp === 1) return `${kind} gray`;
      const hv = buf[i + 11]!;
      const sub: Record<string, string> = { '11': '4:4:4', '21': '4:2:2', '22': '4:2:0', '12': '4:4:0', '41': '4:1:1' };
      return `${kind} ${sub[`${hv >> 4}${hv & 15}`] ?? `${hv >> 4}x${hv & 15}`}`;
    }
    i += 2 + buf.readUInt16BE(i + 2);
  }
  return '?';
}

/** Mean absolute difference over the RGB channels. */
function mad(a: Decoded, b: Decoded): number {
  const n = a.width * a.height;
  let sum = 0;
  for (let i = 0, ia = 0, ib = 0; i < n; i++, ia += a.channels, ib += b.channels) {
    sum += Math.abs(a.data[ia]! - b.data[ib]!) + Math.abs(a.data[ia + 1]! - b.data[ib + 1]!) + Math.abs(a.data[ia + 2]! - b.data[ib + 2]!);
  }
  return sum / (3 * n);
}

/** d x d box average of an RGB image to floor(w/d) x floor(h/d): reference for DCT-scaled decodes. */
function boxDown(src: Decoded, d: number): Decoded {
  const w = Math.max(1, Math.floor(src.width / d));
  const h = Math.max(1, Math.floor(src.height / d));
  const out = new Uint8Array(w * h * 3);
  const dx = Math.min(d, src.width);
  const dy = Math.min(d, src.height);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let c = 0; c < 3; c++) {
        let s = 0;
        for (let j = 0; j < dy; j++) {
          const row = (y * d + j) * src.width;
          for (let i = 0; i < dx; i++) s += src.data[(row + x * d + i) * src.channels + c]!;
        }
        out[(y * w + x) * 3 + c] = Math.round(s / (dx * dy));
      }
    }
  }
  return { data: out, width: w, height: h, channels: 3 };
}

// Above these the table flags the codec (and the run exits non-zero).
const MAD_LIMIT_FULL = 3;
const MAD_LIMIT_SCALED = 16; // vs a box filter, so not expected to be near 0

// ---------------------------------------------------------------- stats ---

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

function fmt(ms: number): string {
  if (ms >= 100) return ms.toFixed(0);
  if (ms >= 10) return ms.toFixed(1);
  if (ms >= 1) return ms.toFixed(2);
  return ms.toFixed(3);
}

function rotate<T>(xs: T[], k: number): T[] {
  const n = xs.length;
  return xs.map((_, i) => xs[(i + k) % n]!);
}

// ----------------------------------------------------------------- main ---

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  sharp.concurrency(1);
  sharp.cache(false);
  await initJsquash();

  const sets = opts.dirs.map(loadSet);
  for (const s of sets) {
    const dims = s.photos.map((p) => p.width * p.height);
    const min = s.photos[dims.indexOf(Math.min(...dims))]!;
    const max = s.photos[dims.indexOf(Math.max(...dims))]!;
    console.error(`${s.label}: ${s.photos.length} JPEGs, ${min.width}x${min.height} .. ${max.width}x${max.height}, ${s.megapixels.toFixed(1)} MP`);
  }

  // ---- warm-up + correctness (every decoder, every photo) + encode inputs
  const maxMad = new Map<string, number>(); // `${set}\0${codec}`, photos without ICC profile (or all, for non-colour-managed codecs)
  const maxMadIcc = new Map<string, number>(); // colour-managed codecs on ICC-tagged photos
  const islowAgree = new Map<string, number>(); // set -> max MAD sharp vs @jsquash/jpeg (both islow IDCT), non-ICC photos
  const warnings: string[] = [];
  const encInputs: EncodeInput[] = [];
  for (const s of sets) {
    for (const p of s.photos) {
      const ref = turbo.decompressSync(p.buf, { format: turbo.FORMAT_RGB });
      const refD: Decoded = { data: ref.data, width: ref.width, height: ref.height, channels: 3 };
      const full = new Map<string, Decoded>();
      for (const c of decoders) {
        const got = await c.decode(p);
        if (c.scale === 1) full.set(c.name, got);
        const ew = c.scale === 1 ? refD.width : Math.max(1, Math.floor(refD.width / c.scale));
        const eh = c.scale === 1 ? refD.height : Math.max(1, Math.floor(refD.height / c.scale));
        if (got.width !== ew || got.height !== eh) {
          throw new Error(`${c.name}: ${p.file} decoded to ${got.width}x${got.height}, expected ${ew}x${eh} (jpeg-turbo: ${refD.width}x${refD.height})`);
        }
        if (got.channels < 3 || got.data.length < got.width * got.height * got.channels) {
          throw new Error(`${c.name}: ${p.file} returned ${got.channels} channel(s), ${got.data.length} bytes`);
        }
        const d = mad(got, c.scale === 1 ? refD : boxDown(refD, c.scale));
        const key = `${s.label}\0${c.name}`;
        const icc = p.icc && c.colourManaged === true;
        const m = icc ? maxMadIcc : maxMad;
        m.set(key, Math.max(m.get(key) ?? 0, d));
        if (!icc && d > (c.scale === 1 ? MAD_LIMIT_FULL : MAD_LIMIT_SCALED)) warnings.push(`${c.name}: ${p.file} MAD ${d.toFixed(2)} vs jpeg-turbo`);
      }
      if (!p.icc) islowAgree.set(s.label, Math.max(islowAgree.get(s.label) ?? 0, mad(full.get('sharp')!, full.get('@jsquash/jpeg')!)));
      full.clear();
      // 224x224 centre crop (cover-resize) of the decoded photo: encode input.
      const crop = await sharp(ref.data, { raw: { width: ref.width, height: ref.height, channels: 3 } })
        .resize({ width: ENC_SIZE, height: ENC_SIZE, fit: 'cover', position: 'centre' })
        .raw()
        .toBuffer();
      const rgba = new Uint8ClampedArray(ENC_SIZE * ENC_SIZE * 4);
      for (let i = 0, j = 0; i < ENC_SIZE * ENC_SIZE; i++, j += 3) {
        rgba[i * 4] = crop[j]!;
        rgba[i * 4 + 1] = crop[j + 1]!;
        rgba[i * 4 + 2] = crop[j + 2]!;
        rgba[i * 4 + 3] = 255;
      }
      encInputs.push({ rgb: crop, rgba, width: ENC_SIZE, height: ENC_SIZE });
    }
  }
  // Encode warm-up + output size and fidelity (decoded by jpeg-turbo vs the source crop).
  const encBytes = new Map<string, number>();
  const encMad = new Map<string, number>();
  const encLayout = new Map<string, Set<string>>();
  for (const c of encoders) {
    let bytes = 0;
    let diff = 0;
    const layouts = new Set<string>();
    encLayout.set(c.name, layouts);
    for (const e of encInputs) {
      const out = await c.encode(e);
      layouts.add(jpegLayout(out));
      bytes += out.byteLength;
      const back = turbo.decompressSync(Buffer.from(out.buffer, out.byteOffset, out.byteLength), { format: turbo.FORMAT_RGB });
      if (back.width !== e.width || back.height !== e.height) throw new Error(`${c.name}: encoded ${e.width}x${e.height}, decodes as ${back.width}x${back.height}`);
      diff += mad({ data: back.data, width: back.width, height: back.height, channels: 3 }, { data: e.rgb, width: e.width, height: e.height, channels: 3 });
    }
    encBytes.set(c.name, bytes / encInputs.length);
    encMad.set(c.name, diff / encInputs.length);
  }
  gc();

  // ---- timed repeats
  const decTimes = new Map<string, number[]>(); // key -> per-repeat total ms
  const encTimes = new Map<string, number[]>();
  const push = (m: Map<string, number[]>, k: string, v: number): void => {
    const a = m.get(k);
    if (a) a.push(v);
    else m.set(k, [v]);
  };
  const t0 = performance.now();
  for (let r = 0; r < opts.repeats; r++) {
    for (const s of sets) {
      for (const c of rotate(decoders, r)) {
        const start = performance.now();
        for (const p of s.photos) await c.decode(p);
        push(decTimes, `${s.label}\0${c.name}`, performance.now() - start);
        gc();
      }
    }
    for (const c of rotate(encoders, r)) {
      const start = performance.now();
      for (let pass = 0; pass < opts.encodePasses; pass++) for (const e of encInputs) await c.encode(e);
      push(encTimes, c.name, performance.now() - start);
      gc();
    }
    console.error(`repeat ${r + 1}/${opts.repeats} done (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  }

  // ---- report
  const lines: string[] = [];
  interface Summary { med: number; min: number; max: number; msPerMP: number }
  const summary = (totals: number[], n: number, mp: number): Summary => {
    const per = totals.map((t) => t / n);
    return { med: median(per), min: Math.min(...per), max: Math.max(...per), msPerMP: median(totals.map((t) => t / mp)) };
  };
  const decSummary = new Map<string, Summary>();
  for (const s of sets) {
    const sizes = s.photos.map((p) => p.width * p.height);
    const lo = s.photos[sizes.indexOf(Math.min(...sizes))]!;
    const hi = s.photos[sizes.indexOf(Math.max(...sizes))]!;
    const range = lo.width === hi.width && lo.height === hi.height ? `${lo.width}×${lo.height}` : `${lo.width}×${lo.height} … ${hi.width}×${hi.height}`;
    lines.push(`### Decode: \`${s.label}\` (${s.photos.length} JPEGs, ${range}, ${s.megapixels.toFixed(1)} MP in all)`, '');
    lines.push('| codec | output | ms/image (median) | spread (min–max) | ms/MP | × jpeg-turbo | max MAD vs jpeg-turbo |');
    lines.push('|---|---|---:|---:|---:|---:|---:|');
    const base = summary(decTimes.get(`${s.label}\0jpeg-turbo`)!, s.photos.length, s.megapixels);
    for (const c of decoders) {
      const k = `${s.label}\0${c.name}`;
      const sm = summary(decTimes.get(k)!, s.photos.length, s.megapixels);
      decSummary.set(k, sm);
      const m = maxMad.get(k) ?? 0;
      const flag = m > (c.scale === 1 ? MAD_LIMIT_FULL : MAD_LIMIT_SCALED) ? ' ⚠' : '';
      const nIcc = s.photos.filter((p) => p.icc).length;
      const iccNote = c.colourManaged && nIcc > 0 ? ` [${(maxMadIcc.get(k) ?? 0).toFixed(2)} on ${nIcc} ICC-tagged]` : '';
      const madCell =
        c.name === 'jpeg-turbo' ? '(reference)' : `${m.toFixed(2)}${c.scale === 1 ? '' : ` (vs ${c.scale}×${c.scale} box)`}${flag}${iccNote}`;
      const output = c.scale === 1 ? 'full' : `1/${c.scale}`;
      lines.push(
        `| ${c.name} | ${output} | ${fmt(sm.med)} | ${fmt(sm.min)}–${fmt(sm.max)} | ${fmt(sm.msPerMP)} | ${(sm.med / base.med).toFixed(2)} | ${madCell} |`,
      );
    }
    lines.push('');
  }
  const nEnc = encInputs.length * opts.encodePasses;
  lines.push(`### Encode: ${ENC_SIZE}×${ENC_SIZE} RGB, quality ${QUALITY} (${encInputs.length} centre crops × ${opts.encodePasses} passes per repeat)`, '');
  lines.push('| codec | settings | output | ms/image (median) | spread (min–max) | × jpeg-turbo | mean bytes | MAD vs source |');
  lines.push('|---|---|---|---:|---:|---:|---:|---:|');
  const encSummary = new Map<string, Summary>();
  for (const c of encoders) encSummary.set(c.name, summary(encTimes.get(c.name)!, nEnc, (nEnc * ENC_SIZE * ENC_SIZE) / 1e6));
  const encBase = encSummary.get('jpeg-turbo')!;
  for (const c of encoders) {
    const sm = encSummary.get(c.name)!;
    lines.push(
      `| ${c.name} | ${c.note} | ${[...encLayout.get(c.name)!].join(', ')} | ${fmt(sm.med)} | ${fmt(sm.min)}–${fmt(sm.max)} | ${(sm.med / encBase.med).toFixed(2)} | ${Math.round(encBytes.get(c.name)!)} | ${encMad.get(c.name)!.toFixed(2)} |`,
    );
  }
  lines.push('');
  lines.push(
    `MAD = mean absolute difference per RGB channel value (0–255). Decoders are checked on every photo against jpeg-turbo's decode ` +
      `(reduced-size outputs against a d×d box average of it, so some difference is expected there; sharp's, on ICC-tagged photos, after its colour conversion); encoders by decoding their ` +
      `output with jpeg-turbo and comparing to the source crop. @jsquash/jpeg decodes to RGBA; both it and jpeg-js take RGBA for encode ` +
      `(converted before timing). Ratios are of medians.`,
  );
  lines.push('');
  lines.push(
    `Notes: (1) @julusian/jpeg-turbo decodes and encodes with \`TJFLAG_FASTDCT\` (ifast IDCT/FDCT), the others with the accurate islow IDCT; ` +
      `that is where its ~1-level MAD to the other decoders comes from (sharp and @jsquash/jpeg agree with each other to a max MAD of ` +
      `${sets.map((s) => `${(islowAgree.get(s.label) ?? 0).toFixed(2)} on \`${s.label}\``).join(', ')}). ` +
      `(2) sharp applies an embedded ICC profile (converts to sRGB); jpeg-turbo, @jsquash/jpeg and jpeg-js ignore it, so ICC-tagged photos are ` +
      `reported apart in [brackets] for the sharp rows. (3) sharp picks the JPEG shrink-on-load factor from the resize target and halves it when ` +
      `the integer shrink equals it (sharp's \`src/pipeline.cc\`, "known libjpeg rounding errors"), so an exact 1/d target decodes at DCT scale 1/(d/2): ` +
      `"sharp 1/2" does no DCT scaling, "sharp 1/4" decodes at 1/2 and "sharp 1/8" at 1/4, each followed by a linear 2× reduction; ` +
      `a target 9× or more smaller gets the full 1/8 DCT scale.`,
  );
  const table = lines.join('\n');

  console.log(table);
  for (const w of warnings) console.error(`WARNING: ${w}`);

  // ---- conclusion (derived from the numbers above)
  const big = sets[0]!;
  const ds = (set: PhotoSet, name: string): Summary => decSummary.get(`${set.label}\0${name}`)!;
  const x = (set: PhotoSet, a: string, b: string): string => `${(ds(set, a).med / ds(set, b).med).toFixed(2)}×`;
  const fullDec = decoders.filter((c) => c.scale === 1);
  const fastestFull = (set: PhotoSet): string => fullDec.reduce((a, b) => (ds(set, b.name).med < ds(set, a.name).med ? b : a)).name;
  const fastestEnc = encoders.reduce((a, b) => (encSummary.get(b.name)!.med < encSummary.get(a.name)!.med ? b : a)).name;
  const others = (set: PhotoSet, best: string): string =>
    fullDec
      .filter((c) => c.name !== best)
      .map((c) => `${c.name} ${x(set, c.name, best)}`)
      .join(', ');
  const conclusion: string[] = [];
  conclusion.push(
    `- **Full-scale decode:** ` +
      sets.map((s) => `on \`${s.label}\` ${fastestFull(s)} is fastest (${fmt(ds(s, fastestFull(s)).med)} ms/image; ${others(s, fastestFull(s))} its time)`).join('; ') +
      '.',
  );
  // Scaled: sharp's shrink-on-load path vs full jpeg-turbo decode + resize, per factor and set.
  const scaledWinner = (s: PhotoSet, d: number): string => {
    const r = ds(s, `sharp 1/${d}`).med / ds(s, `jpeg-turbo + resize 1/${d}`).med;
    return r < 0.9 ? 'sharp' : r > 1.1 ? 'jpeg-turbo + resize' : 'either (within 10%)';
  };
  conclusion.push(
    `- **Scaled decode (sharp shrink-on-load vs jpeg-turbo + resize, time ratio):** ` +
      sets.map((s) => `\`${s.label}\` ${[2, 4, 8].map((d) => `1/${d}: ${x(s, `sharp 1/${d}`, `jpeg-turbo + resize 1/${d}`)}`).join(', ')}`).join('; ') +
      ` (below 1 = sharp faster). The jpeg-turbo binding has no DCT-scaled decode of its own.`,
  );
  const encOthers = encoders
    .filter((c) => c.name !== fastestEnc)
    .map((c) => `${c.name} ${(encSummary.get(c.name)!.med / encSummary.get(fastestEnc)!.med).toFixed(1)}×`)
    .join(', ');
  conclusion.push(
    `- **Encode (${ENC_SIZE}×${ENC_SIZE}, q${QUALITY}):** ${fastestEnc} is fastest (${fmt(encSummary.get(fastestEnc)!.med)} ms/image; ${encOthers} its time) ` +
      `at similar size and error (${encoders.map((c) => `${c.name} ${Math.round(encBytes.get(c.name)!)} B / MAD ${encMad.get(c.name)!.toFixed(2)}`).join(', ')}).`,
  );
  const scaledPick = sets
    .map((s) => {
      const w = [2, 4, 8].map((d) => `1/${d} ${scaledWinner(s, d)}`);
      return `\`${s.label}\`: ${w.join(', ')}`;
    })
    .join('; ');
  const fb = fastestFull(big);
  conclusion.push(
    `- **Recommendation:** decode full-scale JPEGs with ${fb}${fb === 'jpeg-turbo' ? ' (synchronous, no thread-pool hop)' : ''}; ` +
      `for reduced-size decodes use whichever path wins above (${scaledPick}); encode with ${fastestEnc}. ` +
      `@jsquash/jpeg and jpeg-js are only worth keeping as no-native-binary fallbacks.`,
  );

  if (opts.out) {
    const cpu = (() => {
      try {
        const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
        if (m) return m[1]!.trim();
      } catch {
        /* not Linux */
      }
      return os.cpus()[0]?.model ?? 'unknown';
    })();
    const date = (() => {
      try {
        return execFileSync('date', ['-u'], { encoding: 'utf8' }).trim();
      } catch {
        return new Date().toUTCString();
      }
    })();
    const pkgVersion = (name: string): string => {
      try {
        return (JSON.parse(readFileSync(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
      } catch {
        return '?';
      }
    };
    const vs = sharp.versions as Record<string, string | undefined>;
    const cmd = ['node', 'dist/benchmarks/codecs.js', ...opts.argv.map((a) => (path.isAbsolute(a) ? rel(a) : a))].join(' ');
    const md = [
      '# JPEG codec benchmark',
      '',
      `Generated by \`benchmarks/codecs.ts\`. Command (from the repo root, after \`npx tsc -p .\`):`,
      '',
      '```',
      cmd,
      '```',
      '',
      `- Date: ${date}`,
      `- Machine: ${cpu}, ${os.cpus().length} cores (${os.platform()} ${os.arch()}), node ${process.version}`,
      `- Codecs: @julusian/jpeg-turbo ${pkgVersion('@julusian/jpeg-turbo')}, sharp ${pkgVersion('sharp')} (libvips ${vs.vips ?? '?'}, mozjpeg ${vs.mozjpeg ?? '?'}), ` +
        `@jsquash/jpeg ${pkgVersion('@jsquash/jpeg')}, jpeg-js ${pkgVersion('jpeg-js')}`,
      `- Method: one warm-up/correctness pass, then repeats (R = ${opts.repeats}) of every set per codec, codec order rotated each repeat, all in one process; ` +
        `every codec single-threaded (\`sharp.concurrency(1)\`, sharp cache off). ms/image = median over repeats of the per-repeat mean; ` +
        `spread = min–max of the per-repeat means; ms/MP = per source megapixel.`,
      '',
      table,
      '',
      '## Conclusion',
      '',
      ...conclusion,
      '',
    ].join('\n');
    writeFileSync(opts.out, md);
    console.error(`wrote ${rel(opts.out)}`);
  }
  console.log('\n' + conclusion.join('\n'));
  if (warnings.length > 0) {
    console.error(`${warnings.length} decode(s) above the MAD limit (see warnings above)`);
    process.exitCode = 1;
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
