/**
 * The JPEG with an EXIF orientation tag inserted right after SOI, its compressed data untouched
 * (re-encoding through sharp's withMetadata would change its sampling and pixels).
 */
export function withExifOrientation(jpeg: Uint8Array, orientation: number): Uint8Array {
  // TIFF, little-endian: header, IFD0 with one entry (0x0112 SHORT 1 = orientation), no next IFD.
  const tiff = [0x49, 0x49, 0x2a, 0x00, 0x08, 0x00, 0x00, 0x00, 0x01, 0x00, 0x12, 0x01, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, orientation, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00];
  const payload = [0x45, 0x78, 0x69, 0x66, 0x00, 0x00, ...tiff];
  const length = payload.length + 2;
  const app1 = [0xff, 0xe1, length >> 8, length & 0xff, ...payload];
  const out = new Uint8Array(jpeg.length + app1.length);
  out.set(jpeg.subarray(0, 2));
  out.set(app1, 2);
  out.set(jpeg.subarray(2), 2 + app1.length);
  return out;
}
