/**
 * What remux needs from a JPEG before decoding it: size, components, EXIF orientation and
 * whether it is Adobe-CMYK. Reads markers up to the first scan; never decodes entropy data.
 */
export interface JpegHeader {
  width: number;
  height: number;
  components: number;
  precision: number;
  /** EXIF orientation 1–8; 1 when absent. */
  orientation: number;
}

/** The size the image has once its EXIF orientation is applied: orientations 5–8 swap width and height. */
export function uprightSize(header: JpegHeader): { width: number; height: number } {
  const swap = header.orientation >= 5;
  return { width: swap ? header.height : header.width, height: swap ? header.width : header.height };
}

export function isJpeg(bytes: Uint8Array): boolean {
  return bytes.length > 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
}

const SOF_MARKERS = new Set([0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf]);

/** Returns null when the markers before the first scan are malformed or no frame header is found. */
export function readJpegHeader(bytes: Uint8Array): JpegHeader | null {
  if (!isJpeg(bytes)) return null;
  let orientation = 1;
  let i = 2;
  while (i + 4 <= bytes.length) {
    if (bytes[i] !== 0xff) return null;
    const marker = bytes[i + 1];
    if (marker === 0xff) {
      i++; // fill byte
      continue;
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      i += 2;
      continue;
    }
    if (marker === 0xda || marker === 0xd9) return null; // scan or end before any frame header
    const length = (bytes[i + 2] << 8) | bytes[i + 3];
    const start = i + 4;
    const end = i + 2 + length;
    if (length < 2 || end > bytes.length) return null;
    if (marker === 0xe1) orientation = exifOrientation(bytes.subarray(start, end)) ?? orientation;
    if (SOF_MARKERS.has(marker)) {
      if (end - start < 6) return null;
      return {
        precision: bytes[start],
        height: (bytes[start + 1] << 8) | bytes[start + 2],
        width: (bytes[start + 3] << 8) | bytes[start + 4],
        components: bytes[start + 5],
        orientation,
      };
    }
    i = end;
  }
  return null;
}

/** Tag 0x0112 of IFD0 in an APP1 `Exif\0\0` segment; undefined when absent or malformed. */
function exifOrientation(segment: Uint8Array): number | undefined {
  if (segment.length < 14 || String.fromCharCode(...segment.subarray(0, 4)) !== 'Exif') return undefined;
  const tiff = segment.subarray(6);
  const little = tiff[0] === 0x49 && tiff[1] === 0x49;
  if (!little && !(tiff[0] === 0x4d && tiff[1] === 0x4d)) return undefined;
  const view = new DataView(tiff.buffer, tiff.byteOffset, tiff.byteLength);
  const ifd = view.getUint32(4, little);
  if (ifd + 2 > tiff.length) return undefined;
  const entries = view.getUint16(ifd, little);
  for (let e = 0; e < entries; e++) {
    const at = ifd + 2 + e * 12;
    if (at + 12 > tiff.length) return undefined;
    if (view.getUint16(at, little) === 0x0112) {
      const value = view.getUint16(at + 8, little);
      return value >= 1 && value <= 8 ? value : undefined;
    }
  }
  return undefined;
}
