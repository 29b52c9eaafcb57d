import type { Size } from '../augment/geometry.js';
import { isJpeg, readJpegHeader, type JpegHeader } from './jpegHeader.js';
import { jpegJs, jpegTurbo, sharpLib } from './libraries.js';
import { applyOrientation } from './orientation.js';

export const CODECS = ['auto', 'jpeg-turbo', 'sharp', 'jpeg-js'] as const;
/** Which JPEG library to use; PNG, WebP and the rest always go through sharp. */
export type CodecName = (typeof CODECS)[number];

export interface DecodeOptions {
  codec: CodecName;
  /** Refuse images with more pixels than this (decompression bombs), like Pillow's limit. */
  maxPixels: number;
  /** The JPEG DCT down-scale divisor (1, 2, 4 or 8) the pipeline allows for this upright size. */
  divisorFor: (upright: Size) => number;
}

/** An RGB image, `height × width × 3` bytes. */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

export interface DecodedImage extends RgbImage {
  /** Upright size of the full image, before any DCT down-scaling: the size ops sample against. */
  sourceWidth: number;
  sourceHeight: number;
}

/** A decode failure that is the image's fault (not remux's): the row is skipped and recorded. */
export class DecodeError extends Error {}

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
  const swap = header.orientation >= 5;
  const upright = { width: swap ? header.height : header.width, height: swap ? header.width : header.height };
  const divisor = options.divisorFor(upright);

  if (options.codec === 'jpeg-js') return decodeWithJpegJs(bytes, header);
  const turbo = jpegTurbo();
  const turboCanDoIt = turbo && header.precision === 8 && (header.components === 3 || header.components === 1);
  if (options.codec === 'jpeg-turbo' || (options.codec === 'auto' && divisor === 1 && turboCanDoIt)) {
    if (!turbo) throw new Error('--codec jpeg-turbo: @julusian/jpeg-turbo is not installed or has no build for this platform');
    try {
      return decodeWithTurbo(turbo, bytes, header);
    } catch (error) {
      // libjpeg-turbo stops at any warning; sharp tolerates harmless ones (extraneous bytes)
      // and still fails on truncation, as Pillow does.
      if (options.codec === 'jpeg-turbo') throw new DecodeError(`libjpeg-turbo: ${turboMessage(error)}`);
    }
  }
  return decodeWithSharp(bytes, options, upright, divisor);
}

function decodeWithTurbo(turbo: NonNullable<ReturnType<typeof jpegTurbo>>, bytes: Uint8Array, header: JpegHeader): DecodedImage {
  // Our own ArrayBuffer, so the pixels can be transferred to the main thread without a copy.
  const out = Buffer.from(new ArrayBuffer(header.width * header.height * 3));
  const input = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const result = turbo.decompressSync(input, out, { format: turbo.FORMAT_RGB });
  const rgb = new Uint8Array(out.buffer, 0, result.width * result.height * 3);
  return upright(applyOrientation(rgb, result.width, result.height, header.orientation));
}

/** The binding reports libjpeg-turbo's warnings (truncation, corrupt data) as "No error". */
function turboMessage(error: unknown): string {
  const message = (error as Error).message;
  return /^no error$/i.test(message) ? 'corrupt or truncated JPEG data' : message;
}

function decodeWithJpegJs(bytes: Uint8Array, header: JpegHeader): DecodedImage {
  const lib = jpegJs();
  if (!lib) throw new Error('--codec jpeg-js: jpeg-js is not installed');
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
  if (!sharp) throw new Error('sharp is not installed: it is needed to decode PNG, WebP and scaled JPEG');
  let pipeline = sharp(bytes, { failOn: 'truncated', limitInputPixels: options.maxPixels, ignoreIcc: true, autoOrient: true });
  if (divisor > 1 && uprightSize) {
    // Asking for exactly 1/divisor makes libvips decode at that DCT scale (shrink-on-load).
    const width = Math.max(1, Math.floor(uprightSize.width / divisor));
    const height = Math.max(1, Math.floor(uprightSize.height / divisor));
    pipeline = pipeline.resize({ width, height, fit: 'fill', kernel: 'linear' });
  }
  let result: { data: Buffer; info: { width: number; height: number; channels: number } };
  try {
    result = await pipeline.removeAlpha().toColourspace('srgb').raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  } catch (error) {
    const message = (error as Error).message;
    if (/pixel limit/i.test(message)) throw new DecodeError(`image has more than --max-pixels ${options.maxPixels} pixels`);
    throw new DecodeError(message.replace(/^Input buffer contains unsupported image format$/, 'not an image (unsupported or unknown format)'));
  }
  const { info } = result;
  if (info.channels !== 3) throw new DecodeError(`expected 3 channels after conversion but got ${info.channels}`);
  // sharp's buffers may be external memory that cannot be transferred: copy into our own.
  const data = new Uint8Array(result.data.byteLength);
  data.set(result.data);
  const source = uprightSize ?? { width: info.width, height: info.height };
  if (!uprightSize) checkPixels(info.width, info.height, options.maxPixels);
  return { data, width: info.width, height: info.height, sourceWidth: source.width, sourceHeight: source.height };
}

function upright(image: RgbImage): DecodedImage {
  return { ...image, sourceWidth: image.width, sourceHeight: image.height };
}

function checkPixels(width: number, height: number, maxPixels: number): void {
  if (width * height > maxPixels) throw new DecodeError(`image of ${width}×${height} = ${width * height} pixels is above --max-pixels ${maxPixels}`);
  if (width === 0 || height === 0) throw new DecodeError(`image has no pixels (${width}×${height})`);
}
