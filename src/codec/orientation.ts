import { uninitializedBytes } from '../util/bytes.js';

/**
 * Applies an EXIF orientation (1–8) to an RGB image so that it reads upright, as Pillow's
 * `ImageOps.exif_transpose` and sharp's `autoOrient` do. Orientations 5–8 swap width and height.
 */
export function applyOrientation(src: Uint8Array, width: number, height: number, orientation: number): { data: Uint8Array; width: number; height: number } {
  if (orientation <= 1 || orientation > 8) return { data: src, width, height };
  const swap = orientation >= 5;
  const outW = swap ? height : width;
  const outH = swap ? width : height;
  // Every output pixel is written below.
  const out = uninitializedBytes(src.length);
  for (let y = 0; y < outH; y++) {
    for (let x = 0; x < outW; x++) {
      let sx: number;
      let sy: number;
      switch (orientation) {
        case 2: sx = width - 1 - x; sy = y; break;
        case 3: sx = width - 1 - x; sy = height - 1 - y; break;
        case 4: sx = x; sy = height - 1 - y; break;
        case 5: sx = y; sy = x; break;
        case 6: sx = y; sy = height - 1 - x; break;
        case 7: sx = width - 1 - y; sy = height - 1 - x; break;
        default: sx = width - 1 - y; sy = x; break; // 8
      }
      const s = (sy * width + sx) * 3;
      const o = (y * outW + x) * 3;
      out[o] = src[s];
      out[o + 1] = src[s + 1];
      out[o + 2] = src[s + 2];
    }
  }
  return { data: out, width: outW, height: outH };
}
