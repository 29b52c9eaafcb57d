import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { DecodeError, oneLine } from './errors.js';
import { scaledSize } from './jpegWindow.js';
import { uninitializedBytes } from '../util/bytes.js';

/**
 * libjpeg-turbo 3's TurboJPEG API (tj3*), called through koffi. @julusian/jpeg-turbo ships the
 * library (libturbojpeg.so.0, 3.1.x) beside its binding on Linux, but the binding exposes neither
 * a DCT-scaled nor a cropped decode, and always decodes with the fast IDCT and the merged
 * upsampler; these calls give all of those, with Pillow's default (accurate) settings.
 *
 * Enum values and signatures are those of turbojpeg.h in libjpeg-turbo 3.1.3 (src/turbojpeg.h).
 */

const TJINIT_DECOMPRESS = 1;
const TJPARAM_STOPONWARNING = 0;
const TJPARAM_SUBSAMP = 4;
const TJPARAM_JPEGWIDTH = 5;
const TJPARAM_JPEGHEIGHT = 6;
const TJPARAM_PRECISION = 7;
const TJPARAM_COLORSPACE = 8;
const TJPARAM_FASTUPSAMPLE = 9;
const TJPARAM_FASTDCT = 10;
const TJPARAM_PROGRESSIVE = 12;
const TJPARAM_LOSSLESS = 15;
const TJPARAM_MAXPIXELS = 24;
const TJPF_RGB = 0;
const TJERR_WARNING = 0;

/** TJSAMP_*: chrominance subsampling, as readHeader reports it. */
export const TJSAMP = { S444: 0, S422: 1, S420: 2, GRAY: 3, S440: 4, S411: 5, S441: 6, UNKNOWN: -1 } as const;
/** TJCS_*: the JPEG's colourspace, as readHeader reports it. */
export const TJCS = { RGB: 0, YCbCr: 1, GRAY: 2, CMYK: 3, YCCK: 4 } as const;

/** tjMCUWidth / tjMCUHeight, indexed by TJSAMP_*. */
const MCU_WIDTH = [8, 16, 16, 8, 8, 32, 8];
const MCU_HEIGHT = [8, 8, 16, 8, 16, 8, 32];

export interface TurboHeader {
  width: number;
  height: number;
  /** TJSAMP_* (-1: unusual sampling factors; such a JPEG decodes whole but takes no region). */
  subsampling: number;
  /** TJCS_*. */
  colorspace: number;
  /** Bits per sample: 8 or 12 (lossy), 2–16 (lossless). */
  precision: number;
  /** The iMCU size in stored pixels at full scale; 0 when the subsampling is unknown. */
  mcuWidth: number;
  mcuHeight: number;
  progressive: boolean;
  lossless: boolean;
}

/**
 * A window of the stored (not EXIF-oriented) image: at DCT scale `scaleNum`/8 (1..8), and an
 * optional region in SCALED stored coordinates whose left edge is a multiple of the scaled iMCU
 * width (`scaledSize(mcuWidth, scaleNum)`) — the caller aligns it; `decode` throws a plain Error
 * if it is not.
 */
export interface JpegWindow {
  scaleNum: number;
  region: { left: number; top: number; width: number; height: number } | null;
}

export interface Turbo3 {
  /** Throws DecodeError when the header cannot be read. */
  readHeader(bytes: Uint8Array): TurboHeader;
  /**
   * RGB, 3 bytes a pixel (grayscale JPEGs too), in a fresh ArrayBuffer of its own. Throws
   * DecodeError for the image's faults (corrupt, truncated, over `maxPixels` — 0 for no limit),
   * UnsupportedJpegError for what cannot come out as 8-bit RGB (see `decodableAsRgb`), and a plain
   * Error for a window the caller got wrong.
   */
  decode(bytes: Uint8Array, window: JpegWindow, maxPixels?: number): { data: Uint8Array; width: number; height: number };
}

/**
 * A JPEG this decoder cannot give as 8-bit RGB (12/16-bit, CMYK/YCCK, a scaled or cropped
 * lossless one): not the image's fault, so the caller decodes it with sharp instead. Callers can
 * avoid it up front with `decodableAsRgb(readHeader(bytes), window)`.
 */
export class UnsupportedJpegError extends Error {}

/**
 * How far in from a cut edge of a region (in scaled pixels) its pixels equal the full decode's at
 * the same scale: nearer the cut, fancy upsampling lacks the chroma neighbour beyond it and
 * repeats the edge sample instead. Measured (test/turbojpeg.test.ts; and on the 61×47 4:2:0
 * fixture, every width at full height and every top and height at 5 widths): 4:2:0 at scale 8/8 differs on the pixel next to a cut on any side (by up
 * to 27), and on both pixels of a region 2 wide with a cut on its right; 4:2:2 at 2/8–8/8 on the
 * pixel next to a left or right cut (up to 17). 4:2:0 below 8/8 (its chroma is IDCT-scaled to full
 * size, nothing to upsample), 4:2:2 at 1/8, 4:4:4 and grayscale are exact.
 */
export const REGION_EDGE_MARGIN = 2;

/** Whether `decode` can give this JPEG as 8-bit RGB through `window` (else UnsupportedJpegError). */
export function decodableAsRgb(header: TurboHeader, window: JpegWindow = FULL): boolean {
  if (header.precision !== 8) return false;
  if (header.colorspace !== TJCS.RGB && header.colorspace !== TJCS.YCbCr && header.colorspace !== TJCS.GRAY) return false;
  // Lossless JPEGs have no DCT to scale and libjpeg-turbo refuses to crop them.
  if (header.lossless && (window.scaleNum !== 8 || window.region !== null)) return false;
  return true;
}

const FULL: JpegWindow = { scaleNum: 8, region: null };

/** The signatures turbo3 calls, bound to the loaded library. */
interface Bindings {
  init(initType: number): unknown;
  decompressHeader(handle: unknown, jpeg: Uint8Array, size: number): number;
  get(handle: unknown, param: number): number;
  set(handle: unknown, param: number, value: number): number;
  setScalingFactor(handle: unknown, factor: { num: number; denom: number }): number;
  setCroppingRegion(handle: unknown, region: { x: number; y: number; w: number; h: number }): number;
  decompress8(handle: unknown, jpeg: Uint8Array, size: number, out: Uint8Array, pitch: number, pixelFormat: number): number;
  getErrorStr(handle: unknown): string;
  getErrorCode(handle: unknown): number;
}

const require = createRequire(import.meta.url);
let loaded: Turbo3 | null | undefined;

/** The decoder, or null where koffi or the library cannot load (the caller keeps the old binding). */
export function turbo3(): Turbo3 | null {
  if (loaded === undefined) {
    try {
      loaded = makeTurbo3(bind());
    } catch {
      loaded = null;
    }
  }
  return loaded;
}

/**
 * Where @julusian/jpeg-turbo keeps libturbojpeg for this platform (Linux builds only), found from
 * the package, not a fixed path: the glibc build, then the musl one.
 */
export function libraryPaths(): string[] {
  const dir = join(dirname(require.resolve('@julusian/jpeg-turbo')), 'prebuilds', `jpeg-turbo-${process.platform}-${process.arch}`);
  return [dir, `${dir}-musl`].map((d) => join(d, 'libturbojpeg.so.0')).filter((path) => existsSync(path));
}

function bind(): Bindings {
  const koffi = require('koffi') as typeof import('koffi');
  // The glibc build fails to load on musl (no libc.so.6) and the musl build is tried next: cheaper
  // than asking which libc this is (process.report costs ~5 ms).
  let lib: ReturnType<typeof koffi.load> | null = null;
  for (const path of libraryPaths()) {
    try {
      lib = koffi.load(path);
      break;
    } catch {
      // the next build, if any
    }
  }
  if (!lib) throw new Error('no libturbojpeg loads on this platform');
  // Anonymous types: koffi keeps named ones in one registry, where a second declaration clashes.
  const scaling = koffi.struct({ num: 'int', denom: 'int' });
  const region = koffi.struct({ x: 'int', y: 'int', w: 'int', h: 'int' });
  const handle = koffi.pointer(koffi.opaque());
  return {
    init: lib.func('tj3Init', handle, ['int']),
    decompressHeader: lib.func('tj3DecompressHeader', 'int', [handle, 'const uint8_t *', 'size_t']),
    get: lib.func('tj3Get', 'int', [handle, 'int']),
    set: lib.func('tj3Set', 'int', [handle, 'int', 'int']),
    setScalingFactor: lib.func('tj3SetScalingFactor', 'int', [handle, scaling]),
    setCroppingRegion: lib.func('tj3SetCroppingRegion', 'int', [handle, region]),
    // The output is written where the Uint8Array's memory is: koffi passes typed arrays by pointer.
    decompress8: lib.func('tj3Decompress8', 'int', [handle, 'const uint8_t *', 'size_t', 'uint8_t *', 'int', 'int']),
    getErrorStr: lib.func('tj3GetErrorStr', 'const char *', [handle]),
    getErrorCode: lib.func('tj3GetErrorCode', 'int', [handle]),
  };
}

function makeTurbo3(tj: Bindings): Turbo3 {
  // One handle for this thread (each worker loads this module anew), reused by every call.
  let handle: unknown = null;
  const instance = (): unknown => {
    if (handle) return handle;
    const made = tj.init(TJINIT_DECOMPRESS);
    if (!made) throw new Error(`libjpeg-turbo: tj3Init failed: ${tj.getErrorStr(null)}`);
    // Pillow's (and libjpeg's) defaults: the accurate integer IDCT and smooth ("fancy")
    // upsampling; warnings (extraneous bytes, a bad Huffman code) let the decode go on.
    for (const [param, value] of [[TJPARAM_FASTDCT, 0], [TJPARAM_FASTUPSAMPLE, 0], [TJPARAM_STOPONWARNING, 0]]) {
      if (tj.set(made, param, value) !== 0) throw new Error(`libjpeg-turbo: tj3Set(${param}): ${tj.getErrorStr(made)}`);
    }
    handle = made;
    return handle;
  };

  const readHeader = (bytes: Uint8Array): TurboHeader => {
    const h = instance();
    // A tables-only stream makes tj3DecompressHeader succeed without reading a frame, leaving the
    // last image's parameters in place. Precision 2 with 4:4:1 is a pair no real header sets
    // (precision 2 is lossless, and lossless is 4:4:4), so finding it afterwards means no frame.
    tj.set(h, TJPARAM_PRECISION, 2);
    tj.set(h, TJPARAM_SUBSAMP, TJSAMP.S441);
    if (tj.decompressHeader(h, bytes, bytes.length) !== 0) failUnlessWarning(tj, h, bytes);
    const precision = tj.get(h, TJPARAM_PRECISION);
    const subsampling = tj.get(h, TJPARAM_SUBSAMP);
    if (precision === 2 && subsampling === TJSAMP.S441) throw new DecodeError('libjpeg-turbo: no image in the JPEG data (tables only)');
    const known = subsampling >= 0 && subsampling < MCU_WIDTH.length;
    return {
      width: tj.get(h, TJPARAM_JPEGWIDTH),
      height: tj.get(h, TJPARAM_JPEGHEIGHT),
      subsampling,
      colorspace: tj.get(h, TJPARAM_COLORSPACE),
      precision,
      mcuWidth: known ? MCU_WIDTH[subsampling] : 0,
      mcuHeight: known ? MCU_HEIGHT[subsampling] : 0,
      progressive: tj.get(h, TJPARAM_PROGRESSIVE) === 1,
      lossless: tj.get(h, TJPARAM_LOSSLESS) === 1,
    };
  };

  const decode = (bytes: Uint8Array, window: JpegWindow, maxPixels = 0) => {
    const header = readHeader(bytes);
    if (!decodableAsRgb(header, window)) throw new UnsupportedJpegError(`libjpeg-turbo: cannot decode a ${header.precision}-bit JPEG of colourspace ${header.colorspace}${header.lossless ? ' (lossless)' : ''} to 8-bit RGB through this window`);
    if (maxPixels > 0 && header.width * header.height > maxPixels) throw new DecodeError(`libjpeg-turbo: image of ${header.width}×${header.height} = ${header.width * header.height} pixels is above --max-pixels ${maxPixels}`);
    const out = outputSize(header, window);
    const h = instance();
    // libjpeg-turbo checks this too, before it allocates anything; values past an int mean no limit.
    check(tj, h, tj.set(h, TJPARAM_MAXPIXELS, maxPixels > 0 && maxPixels <= 0x7fffffff ? maxPixels : 0), 'tj3Set(TJPARAM_MAXPIXELS)');
    check(tj, h, tj.setScalingFactor(h, scalingFactor(window.scaleNum)), 'tj3SetScalingFactor');
    const r = window.region;
    // {0, 0, 0, 0} is TJUNCROPPED.
    check(tj, h, tj.setCroppingRegion(h, r ? { x: r.left, y: r.top, w: r.width, h: r.height } : { x: 0, y: 0, w: 0, h: 0 }), 'tj3SetCroppingRegion');
    // Our own ArrayBuffer, so that the pixels can be transferred between threads; a decode that
    // succeeds (or only warns) writes every row of it.
    const data = uninitializedBytes(out.width * out.height * 3);
    if (tj.decompress8(h, bytes, bytes.length, data, 0, TJPF_RGB) !== 0) failUnlessWarning(tj, h, bytes);
    return { data, width: out.width, height: out.height };
  };

  // Made now, on the first turbo3() call of this thread: a library that loads but cannot make a
  // handle is one turbo3() says is not there.
  instance();
  return { readHeader, decode };
}

/** tj3SetScalingFactor accepts only the reduced fractions of its list (1/2, not 4/8). */
export function scalingFactor(scaleNum: number): { num: number; denom: number } {
  if (!Number.isInteger(scaleNum) || scaleNum < 1 || scaleNum > 8) throw new Error(`JPEG scale ${scaleNum}/8: the numerator must be an integer from 1 to 8`);
  const g = gcd(scaleNum, 8);
  return { num: scaleNum / g, denom: 8 / g };
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/**
 * The size `decode` returns for `window`, after checking the window against the header: plain
 * Errors, since a bad window is the caller's fault, not the image's.
 */
export function outputSize(header: TurboHeader, window: JpegWindow): { width: number; height: number } {
  const { scaleNum, region } = window;
  scalingFactor(scaleNum);
  const width = scaledSize(header.width, scaleNum);
  const height = scaledSize(header.height, scaleNum);
  if (!region) return { width, height };
  const { left, top } = region;
  if (![left, top, region.width, region.height].every(Number.isInteger)) throw new Error(`JPEG region ${JSON.stringify(region)}: not whole pixels`);
  if (header.mcuWidth === 0) throw new Error('JPEG region: the image has unusual chroma subsampling, which libjpeg-turbo cannot crop');
  const step = scaledSize(header.mcuWidth, scaleNum);
  if (left % step !== 0) throw new Error(`JPEG region left ${left} is not a multiple of the scaled iMCU width ${step} (scale ${scaleNum}/8)`);
  if (left < 0 || top < 0 || region.width < 1 || region.height < 1 || left + region.width > width || top + region.height > height) {
    throw new Error(`JPEG region ${region.width}×${region.height} at (${left}, ${top}) is not inside the ${width}×${height} image at scale ${scaleNum}/8`);
  }
  return { width: region.width, height: region.height };
}

function check(tj: Bindings, handle: unknown, status: number, what: string): void {
  if (status !== 0) throw new Error(`libjpeg-turbo: ${what}: ${errorOf(tj, handle)}`);
}

/**
 * After a call returned -1: a warning (the pixels are there) is tolerated unless the data ended
 * early, as sharp's failOn 'truncated' and Pillow refuse it; a fatal error is the image's fault.
 */
function failUnlessWarning(tj: Bindings, handle: unknown, bytes: Uint8Array): void {
  // Read both now: the next call on this handle clears them.
  const warning = tj.getErrorCode(handle) === TJERR_WARNING;
  const message = errorOf(tj, handle);
  if (!warning) throw new DecodeError(`libjpeg-turbo: ${message}`);
  // libjpeg reports only the first warning of a decode, so a truncation after another warning
  // (extraneous bytes, say) says nothing: the data itself tells, it has no EOI after the scans.
  if (/premature end of JPEG file/i.test(message) || !reachesEoi(bytes)) {
    throw new DecodeError('libjpeg-turbo: premature end of JPEG data: the image is truncated');
  }
}

/** libjpeg's message for the handle, on one line. */
function errorOf(tj: Bindings, handle: unknown): string {
  return oneLine(tj.getErrorStr(handle)) || 'unknown error';
}

/**
 * Whether an EOI marker follows the first scan's start. In entropy-coded data 0xFF is always
 * followed by 0x00 or a restart marker, so an FF D9 there is the real end of image; bytes after
 * it (trailers some cameras append) do not matter.
 */
export function reachesEoi(bytes: Uint8Array): boolean {
  const scan = firstScan(bytes);
  if (scan < 0) return false;
  for (let i = bytes.length - 2; i > scan; i--) if (bytes[i] === 0xff && bytes[i + 1] === 0xd9) return true;
  return false;
}

/** Offset of the first SOS marker, walking segments as libjpeg does (skipping stray bytes); -1 if none. */
function firstScan(bytes: Uint8Array): number {
  let i = 2;
  while (i + 1 < bytes.length) {
    if (bytes[i] !== 0xff) {
      i++;
      continue;
    }
    const marker = bytes[i + 1];
    if (marker === 0xda) return i;
    if (marker === 0xff) i++;
    else if (marker === 0x00 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd9)) i += 2;
    else if (i + 3 < bytes.length) i += 2 + ((bytes[i + 2] << 8) | bytes[i + 3]);
    else return -1;
  }
  return -1;
}
