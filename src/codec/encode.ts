import { RemuxError } from '../errors.js';
import type { CodecName, RgbImage } from './decode.js';
import { ImageError, oneLine } from './errors.js';
import { jpegJs, jpegTurbo, sharpLib } from './libraries.js';
import { withOwnVipsErrors } from './vipsErrors.js';

export const FORMATS = ['jpeg', 'png', 'webp', 'raw'] as const;
export type OutputFormat = (typeof FORMATS)[number];

export interface EncodeOptions {
  format: OutputFormat;
  /** 1–100, for JPEG and WebP. */
  quality: number;
  codec: CodecName;
}

/** File extension of the generated `image.path` names. */
export const EXTENSIONS: Record<OutputFormat, string> = { jpeg: 'jpg', png: 'png', webp: 'webp', raw: 'rgb' };

/**
 * The most pixels a side each format stores. Checked before encoding: libjpeg-turbo's binding
 * reports a JPEG over its limit as "No error" (see decode.ts), and every image of a run would
 * meet the same limit, so the row's reason should say so.
 */
const MAX_SIDE: Record<OutputFormat, number> = { jpeg: 65500, png: 0x7fffffff, webp: 16383, raw: Infinity };

/** Encodes one augmented copy; an `ImageError` when the copy cannot be stored in the format. */
export async function encodeImage(image: RgbImage, options: EncodeOptions): Promise<Uint8Array> {
  const maxSide = MAX_SIDE[options.format];
  if (image.width > maxSide || image.height > maxSide) throw new ImageError(`a ${image.width}×${image.height} copy is too large for --format ${options.format} (at most ${maxSide} pixels a side)`);
  switch (options.format) {
    case 'raw':
      return image.data;
    case 'jpeg':
      return encodeJpeg(image, options);
    case 'png':
      return encodeWithSharp(image, (s) => s.png({ compressionLevel: 6 }));
    case 'webp':
      return encodeWithSharp(image, (s) => s.webp({ quality: options.quality }));
  }
}

async function encodeJpeg(image: RgbImage, options: EncodeOptions): Promise<Uint8Array> {
  const turbo = jpegTurbo();
  if ((options.codec === 'auto' || options.codec === 'jpeg-turbo') && turbo) {
    const raw = Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength);
    // 4:2:0 chroma, as Pillow and OpenCV write by default.
    return turbo.compressSync(raw, { format: turbo.FORMAT_RGB, width: image.width, height: image.height, quality: options.quality, subsampling: turbo.SAMP_420 });
  }
  if (options.codec === 'jpeg-turbo') throw new RemuxError('ERR_REMUX_CODEC', '--codec jpeg-turbo: @julusian/jpeg-turbo is not installed or has no build for this platform');
  if (options.codec === 'jpeg-js') {
    const lib = jpegJs();
    if (!lib) throw new RemuxError('ERR_REMUX_CODEC', '--codec jpeg-js: jpeg-js is not installed');
    const rgba = new Uint8Array(image.width * image.height * 4);
    for (let s = 0, d = 0; s < image.data.length; s += 3, d += 4) {
      rgba[d] = image.data[s];
      rgba[d + 1] = image.data[s + 1];
      rgba[d + 2] = image.data[s + 2];
      rgba[d + 3] = 255;
    }
    return lib.encode({ data: rgba, width: image.width, height: image.height }, options.quality).data;
  }
  return encodeWithSharp(image, (s) => s.jpeg({ quality: options.quality, chromaSubsampling: '4:2:0' }));
}

type SharpPipeline = ReturnType<NonNullable<ReturnType<typeof sharpLib>>>;

async function encodeWithSharp(image: RgbImage, format: (input: SharpPipeline) => SharpPipeline): Promise<Uint8Array> {
  const sharp = sharpLib();
  if (!sharp) throw new RemuxError('ERR_REMUX_CODEC', 'sharp is not installed: it is needed to encode PNG and WebP');
  try {
    return await withOwnVipsErrors(() => format(sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })).toBuffer());
  } catch (error) {
    throw new ImageError(oneLine((error as Error).message));
  }
}
