import { boxReduce, reducedSize } from '../../kernels/cpu/boxReduce.js';
import { boxReduceWasm } from '../../kernels/wasm/resampleWasm.js';
import { RemuxError } from '../errors.js';
import { DecodeError, oneLine } from './errors.js';
import { isJpeg, readJpegHeader, uprightSize, type JpegHeader } from './jpegHeader.js';
import { FULL_SIZE, storedWindow, type DecodeRequest, type Placement, type Size } from './jpegWindow.js';
import { jpegJs, jpegTurbo, sharpLib, type JpegTurbo } from './libraries.js';
import { REGION_EDGE_MARGIN, turbo3, UnsupportedJpegError, type Turbo3 } from './turbojpeg.js';
import { applyOrientation } from './orientation.js';
import { withOwnVipsErrors } from './vipsErrors.js';

export const CODECS = ['auto', 'jpeg-turbo', 'sharp', 'jpeg-js'] as const;
/** Which JPEG library to use; PNG, WebP and the rest always go through sharp. */
export type CodecName = (typeof CODECS)[number];

export interface DecodeOptions {
  codec: CodecName;
  /** Refuse images with more pixels than this (decompression bombs), like Pillow's limit. */
  maxPixels: number;
  /**
   * For a JPEG: the DCT scale to decode at and the box of the upright image that is needed (a
   * decoder that cannot crop decodes all of it; one that cannot scale by eighths reduces by the
   * largest power of two within the scale); null for the whole image at full size.
   */
  request: DecodeRequest | null;
}

/** An RGB image, `height × width × 3` bytes. */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

export interface DecodedImage extends RgbImage {
  /** Upright size of the full image, before any down-scaling: the size ops sample against. */
  sourceWidth: number;
  sourceHeight: number;
  /**
   * Where the decoded pixels lie on the full upright image (`FULL_SIZE` for a full-size decode of
   * all of it). A libjpeg-turbo decode at scale n/8 (DCT-scaled, or box-reduced through the old
   * binding) has scale n/8, an offset where it is a region, and one on an axis that orientation
   * flipped when the image's last block along it was partial (that block ends up first); sharp's
   * scaled decode spans the whole image.
   */
  placement: Placement;
}

export { DecodeError, ImageError } from './errors.js';

/** Decodes JPEG, PNG, WebP (and what else libvips reads) to upright 8-bit RGB. */
export async function decodeImage(bytes: Uint8Array, options: DecodeOptions): Promise<DecodedImage> {
  if (bytes.length === 0) throw new DecodeError('empty image bytes');
  if (isJpeg(bytes)) return decodeJpeg(bytes, options);
  return decodeWithSharp(bytes, options, null, 1);
}

async function decodeJpeg(bytes: Uint8Array, options: DecodeOptions): Promise<DecodedImage> {
  const header = readJpegHeader(bytes);
  if (!header) throw new DecodeError('not a valid JPEG: no frame header before the first scan');
  checkPixels(header.width, header.height, options.maxPixels);
  const upright = uprightSize(header);
  const request = options.request ?? { scaleNum: 8, box: null };
  // What the decoders without eighths do instead: a power-of-two reduction within the scale.
  const divisor = [8, 4, 2].find((d) => d * request.scaleNum <= 8) ?? 1;

  if (options.codec === 'jpeg-js') return decodeWithJpegJs(bytes, header);
  const rgbLike = header.precision === 8 && (header.components === 3 || header.components === 1);
  // libjpeg-turbo 3's own API where it loads (accurate IDCT, DCT-scaled decodes), else the binding.
  const t3 = turbo3();
  if (t3 && (options.codec === 'jpeg-turbo' || (options.codec === 'auto' && rgbLike))) {
    try {
      return decodeWithTurbo3(t3, bytes, header, upright, request, options.maxPixels);
    } catch (error) {
      // Its DecodeErrors are final: it tolerates the warnings sharp tolerates and refuses the
      // truncation sharp refuses, so sharp would only say the same again. What it cannot give as
      // 8-bit RGB (12-bit, CMYK, a scaled lossless JPEG) goes where it went before.
      if (!(error instanceof UnsupportedJpegError)) throw error;
    }
  }
  const turbo = jpegTurbo();
  const turboCanDoIt = turbo && rgbLike;
  if (options.codec === 'jpeg-turbo' || (options.codec === 'auto' && turboCanDoIt)) {
    if (!turbo) throw new RemuxError('ERR_REMUX_CODEC', '--codec jpeg-turbo: @julusian/jpeg-turbo is not installed or has no build for this platform');
    try {
      return await decodeWithTurbo(turbo, bytes, header, upright, divisor);
    } catch (error) {
      // libjpeg-turbo stops at any warning; sharp tolerates harmless ones (extraneous bytes)
      // and still fails on truncation, as Pillow does.
      if (options.codec === 'jpeg-turbo') throw new DecodeError(`libjpeg-turbo: ${turboMessage(error)}`);
    }
  }
  return decodeWithSharp(bytes, options, upright, divisor);
}

/**
 * libjpeg-turbo 3 through turbojpeg.ts, synchronously: the stored region the request needs at its
 * DCT scale, then turned upright; its placement says where it lies on the full upright image,
 * whose size is `source`.
 */
function decodeWithTurbo3(t3: Turbo3, bytes: Uint8Array, header: JpegHeader, source: Size, request: DecodeRequest, maxPixels: number): DecodedImage {
  // The iMCU width (a crop's left edge lies on it) is libjpeg's to know; unusual sampling: no crop.
  const mcuWidth = request.box ? t3.readHeader(bytes).mcuWidth : 0;
  const window = storedWindow({ ...header, mcuWidth }, mcuWidth ? request : { ...request, box: null }, REGION_EDGE_MARGIN);
  const decoded = t3.decode(bytes, { scaleNum: window.scaleNum, region: window.region }, maxPixels);
  const image = applyOrientation(decoded.data, decoded.width, decoded.height, header.orientation);
  return { ...image, sourceWidth: source.width, sourceHeight: source.height, placement: window.placement };
}

/**
 * The old binding (where turbojpeg.ts cannot load): libjpeg-turbo at full size (the binding has
 * no DCT-scaled decode); with `divisor` > 1 then the d×d box average a scaled decode
 * approximates, in stored orientation, before orienting, as a scaled decode and autorotation would. That costs less CPU than sharp's shrink-on-load, which
 * halves the DCT factor and resizes after it. `source` is the full image's upright size.
 */
async function decodeWithTurbo(turbo: JpegTurbo, bytes: Uint8Array, header: JpegHeader, source: Size, divisor: number): Promise<DecodedImage> {
  const { width, height } = header;
  const input = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const checkSize = (result: { width: number; height: number }) => {
    if (result.width !== width || result.height !== height) throw new DecodeError(`libjpeg-turbo decoded ${result.width}×${result.height}, the header says ${width}×${height}`);
  };
  if (divisor === 1) {
    // Our own ArrayBuffer, so the pixels can be transferred to the main thread without a copy.
    const rgb = new Uint8Array(width * height * 3);
    checkSize(turbo.decompressSync(input, Buffer.from(rgb.buffer), { format: turbo.FORMAT_RGB }));
    return upright(applyOrientation(rgb, width, height, header.orientation));
  }
  // Large photos: decoded on libuv's thread pool, as sharp's scaled decode was, so that the
  // worker's thread goes on with its other images meanwhile (decoding straight into the WASM
  // kernel's memory would save a copy, but must not run beside the kernels that use it).
  await fullDecodes.acquire();
  const full = takeScratch(width * height * 3);
  let reduced: Uint8Array;
  try {
    checkSize(await turbo.decompress(input, full, { format: turbo.FORMAT_RGB }));
    const rgb = new Uint8Array(full.buffer, full.byteOffset, width * height * 3);
    reduced = boxReduceWasm(rgb, width, height, 3, divisor) ?? boxReduce(rgb, width, height, 3, divisor);
  } finally {
    giveBackScratch(full);
    fullDecodes.release();
  }
  const size = reducedSize(width, height, divisor);
  const image = applyOrientation(reduced, size.width, size.height, header.orientation);
  return { ...image, sourceWidth: source.width, sourceHeight: source.height, placement: storedWindow({ ...header, mcuWidth: 0 }, { scaleNum: 8 / divisor, box: null }, 0).placement };
}

/**
 * Full-size decodes of reduced photos in flight at once on this thread. Each holds a full-size
 * buffer, and libuv's pool runs four for the whole process: more would only hold memory while
 * they queue (a worker is sent up to 16 rows ahead).
 */
const MAX_FULL_DECODES = 2;

/** A counting semaphore: `acquire` waits while `limit` holders are in. */
class Slots {
  private held = 0;
  private readonly waiting: Array<() => void> = [];
  constructor(private readonly limit: number) {}

  async acquire(): Promise<void> {
    if (this.held < this.limit) {
      this.held++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  /** Hands the slot to the next waiter, if any. */
  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.held--;
  }
}

const fullDecodes = new Slots(MAX_FULL_DECODES);

/**
 * The full-size pixels of a reduced decode go through reused buffers: a fresh one costs its page
 * faults every time (~20 ms for a 16 MP photo). Up to one per decode in flight is kept, the
 * largest seen up to `KEEP_BYTES` (a rare huge photo should not stay resident for the rest of
 * the run).
 */
const kept: Buffer[] = [];
const KEEP_BYTES = 64 << 20;

function takeScratch(bytes: number): Buffer {
  const at = kept.findIndex((b) => b.byteLength >= bytes);
  return at >= 0 ? kept.splice(at, 1)[0] : Buffer.allocUnsafeSlow(bytes);
}

function giveBackScratch(buffer: Buffer): void {
  if (buffer.byteLength > KEEP_BYTES) return;
  kept.push(buffer);
  kept.sort((a, b) => b.byteLength - a.byteLength);
  kept.length = Math.min(kept.length, MAX_FULL_DECODES);
}

/**
 * The binding (@julusian/jpeg-turbo, src/*.cc) destroys its handle and then reads the thread's
 * global error string, but libjpeg's own errors (truncation, corrupt data, a size over 65500) are
 * written only into the handle's: they all come out as "No error".
 */
function turboMessage(error: unknown): string {
  const message = (error as Error).message;
  return /^no error$/i.test(message) ? 'corrupt or truncated JPEG data' : message;
}

function decodeWithJpegJs(bytes: Uint8Array, header: JpegHeader): DecodedImage {
  const lib = jpegJs();
  if (!lib) throw new RemuxError('ERR_REMUX_CODEC', '--codec jpeg-js: jpeg-js is not installed');
  let decoded: { width: number; height: number; data: Uint8Array };
  try {
    decoded = lib.decode(bytes, { useTArray: true, formatAsRGBA: false, maxMemoryUsageInMB: 4096 });
  } catch (error) {
    throw new DecodeError(`jpeg-js: ${(error as Error).message}`);
  }
  const rgb = new Uint8Array(decoded.data.buffer, decoded.data.byteOffset, decoded.width * decoded.height * 3);
  return upright(applyOrientation(rgb, decoded.width, decoded.height, header.orientation));
}

async function decodeWithSharp(bytes: Uint8Array, options: DecodeOptions, uprightSize: Size | null, divisor: number): Promise<DecodedImage> {
  const sharp = sharpLib();
  if (!sharp) throw new RemuxError('ERR_REMUX_CODEC', 'sharp is not installed: it is needed to decode PNG, WebP and the JPEGs libjpeg-turbo does not');
  const decode = () => {
    let pipeline = sharp(bytes, { failOn: 'truncated', limitInputPixels: options.maxPixels, ignoreIcc: true, autoOrient: true });
    if (divisor > 1 && uprightSize) {
      // Asking for 1/divisor lets libvips shrink on load (at half that DCT factor: see
      // benchmarks/codecs.md), then resize to the target: the result spans the whole image.
      const width = Math.max(1, Math.floor(uprightSize.width / divisor));
      const height = Math.max(1, Math.floor(uprightSize.height / divisor));
      pipeline = pipeline.resize({ width, height, fit: 'fill', kernel: 'linear' });
    }
    return pipeline.removeAlpha().toColourspace('srgb').raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  };
  let result: { data: Buffer; info: { width: number; height: number; channels: number } };
  try {
    result = await withOwnVipsErrors(decode);
  } catch (error) {
    const message = (error as Error).message;
    if (/pixel limit/i.test(message)) throw new DecodeError(`image has more than --max-pixels ${options.maxPixels} pixels`);
    throw new DecodeError(oneLine(message).replace(/^Input buffer contains unsupported image format$/, 'not an image (unsupported or unknown format)'));
  }
  const { info } = result;
  if (info.channels !== 3) throw new DecodeError(`expected 3 channels after conversion but got ${info.channels}`);
  // sharp's buffer is external memory, which cannot be transferred: the worker copies what it
  // sends (a decode task), and the kernels read it where it is (copying would hold it twice).
  const data = new Uint8Array(result.data.buffer, result.data.byteOffset, result.data.byteLength);
  const source = uprightSize ?? { width: info.width, height: info.height };
  if (!uprightSize) checkPixels(info.width, info.height, options.maxPixels);
  // Resized to the target, so the decoded pixels span the whole image.
  const placement = { scaleX: info.width / source.width, scaleY: info.height / source.height, offsetX: 0, offsetY: 0 };
  return { data, width: info.width, height: info.height, sourceWidth: source.width, sourceHeight: source.height, placement };
}

function upright(image: RgbImage): DecodedImage {
  return { ...image, sourceWidth: image.width, sourceHeight: image.height, placement: FULL_SIZE };
}

function checkPixels(width: number, height: number, maxPixels: number): void {
  if (width * height > maxPixels) throw new DecodeError(`image of ${width}×${height} = ${width * height} pixels is above --max-pixels ${maxPixels}`);
  if (width === 0 || height === 0) throw new DecodeError(`image has no pixels (${width}×${height})`);
}
