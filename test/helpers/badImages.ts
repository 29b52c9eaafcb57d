import { crc32 } from 'node:zlib';

/** `bytes` with the PNG's IHDR claiming `width`×`height` (and a valid CRC, so decoders trust it). */
export function claimPngSize(bytes: Uint8Array, width: number, height: number): Uint8Array {
  const out = Buffer.from(bytes);
  out.writeUInt32BE(width, 16);
  out.writeUInt32BE(height, 20);
  out.writeUInt32BE(crc32(out.subarray(12, 29)), 29);
  return out;
}
