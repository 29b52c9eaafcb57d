import type { CodecName, RgbImage } from './decode.js';
import { jpegJs, jpegTurbo, sharpLib } from './libraries.js';

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

export async function encodeImage(image: RgbImage, options: EncodeOptions): Promise<Uint8Array> {
  switch (options.format) {
    case 'raw':
      return image.data;
    case 'jpeg':
      return encodeJpeg(image, options);
    case 'png':
      return (await sharpOf(image)).png({ compressionLevel: 6 }).toBuffer();
    case 'webp':
      return (await sharpOf(image)).webp({ quality: options.quality }).toBuffer();
  }
}

async function encodeJpeg(image: RgbImage, options: EncodeOptions): Promise<Uint8Array> {
  const turbo = jpegTurbo();
  if ((options.codec === 'auto' || options.codec === 'jpeg-turbo') && turbo) {
    const raw = Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength);
    // 4:2:0 chroma, as Pillow and OpenCV write by default.
    return turbo.compressSync(raw, { format: turbo.FORMAT_RGB, width: image.width, height: image.height, quality: options.quality, subsampling: turbo.SAMP_420 });
  }
  if (options.codec === 'jpeg-turbo') throw new Error('--codec jpeg-turbo: @julusian/jpeg-turbo is not installed or has no build for this platform');
  if (options.codec === 'jpeg-js') {
    const lib = jpegJs();
    if (!lib) throw new Error('--codec jpeg-js: jpeg-js is not installed');
    const rgba = new Uint8Array(image.width * image.height * 4);
    for (let s = 0, d = 0; s < image.data.length; s += 3, d += 4) {
      rgba[d] = image.data[s];
      rgba[d + 1] = image.data[s + 1];
      rgba[d + 2] = image.data[s + 2];
      rgba[d + 3] = 255;
    }
    return lib.encode({ data: rgba, width: image.width, height: image.height }, options.quality).data;
  }
  return (await sharpOf(image)).jpeg({ quality: options.quality, chromaSubsampling: '4:2:0' }).toBuffer();
}

async function sharpOf(image: RgbImage) {
  const sharp = sharpLib();
  if (!sharp) throw new Error('sharp is not installed: it is needed to encode PNG and WebP');
  return sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } });
}
