/**
 * What decoding and augmenting one image holds in memory, known from its header before any pixel
 * exists, so that the rows in flight can be bounded by their pixels (`--memory`) instead of their
 * compressed bytes: a 1.7 MB PNG can decode to 81 megapixels.
 */
import type { Size } from './jpegWindow.js';
import { readJpegHeader, uprightSize } from './jpegHeader.js';

/**
 * Bytes per pixel held at once: the source's full-size raster at 3 (libjpeg-turbo's full decode,
 * or libvips' output, which for other formats is the decoded image itself), and the decoded image
 * at 6 (the kernels' copy of it in WASM memory and libvips' working buffers, or the copies a
 * batched backend's worker sends and its main thread gathers). A reduced JPEG decode holds its
 * full-size raster only until the box average. Measured: one 81 MP PNG under the default pipeline
 * takes a run's peak RSS ~500 MB (~6 bytes a pixel) above a run of small images; the weight is
 * kept at 9, the peak's margin for a larger working set (several at once, another format).
 */
const SOURCE_BYTES_PER_PIXEL = 3;
const DECODED_BYTES_PER_PIXEL = 6;

export interface DecodeMemoryOptions {
  /** The JPEG down-scale divisor the pipeline allows for this upright size. */
  divisorFor: (upright: Size) => number;
  /** An image whose header remux cannot read weighs as the largest one it would decode. */
  maxPixels: number;
}

/** The bytes that decoding and augmenting `bytes` holds at its peak, compressed bytes included. */
export function decodeMemory(bytes: Uint8Array, options: DecodeMemoryOptions): number {
  const jpeg = readJpegHeader(bytes);
  if (jpeg) {
    const divisor = options.divisorFor(uprightSize(jpeg));
    // Above --max-pixels the image is refused before it is decoded.
    const pixels = Math.min(jpeg.width * jpeg.height, options.maxPixels);
    return bytes.byteLength + pixels * SOURCE_BYTES_PER_PIXEL + Math.ceil(pixels / (divisor * divisor)) * DECODED_BYTES_PER_PIXEL;
  }
  const size = headerSize(bytes);
  const pixels = size ? Math.min(size.width * size.height, options.maxPixels) : options.maxPixels;
  return bytes.byteLength + pixels * (SOURCE_BYTES_PER_PIXEL + DECODED_BYTES_PER_PIXEL);
}

/** The size a PNG, WebP or GIF header declares; null for other formats or a header too short. */
export function headerSize(bytes: Uint8Array): Size | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const ascii = (at: number, length: number) => String.fromCharCode(...bytes.subarray(at, at + length));
  if (bytes.length >= 24 && view.getUint32(0) === 0x89504e47 && ascii(12, 4) === 'IHDR') return { width: view.getUint32(16), height: view.getUint32(20) };
  if (bytes.length >= 10 && ascii(0, 4) === 'GIF8') return { width: view.getUint16(6, true), height: view.getUint16(8, true) };
  if (bytes.length >= 32 && ascii(0, 4) === 'RIFF' && ascii(8, 4) === 'WEBP') {
    const chunk = ascii(12, 4);
    // Lossy: a key frame's 14-bit sizes after its start code 9d 01 2a.
    if (chunk === 'VP8 ') return { width: view.getUint16(26, true) & 0x3fff, height: view.getUint16(28, true) & 0x3fff };
    // Lossless: after the signature byte 0x2f, width − 1 and height − 1 in 14 bits each.
    if (chunk === 'VP8L') {
      const bits = view.getUint32(21, true);
      return { width: (bits & 0x3fff) + 1, height: ((bits >> 14) & 0x3fff) + 1 };
    }
    // Extended: the canvas's width − 1 and height − 1 in 24 bits each.
    if (chunk === 'VP8X') return { width: (view.getUint32(24, true) & 0xffffff) + 1, height: (view.getUint32(27, true) & 0xffffff) + 1 };
  }
  return null;
}
