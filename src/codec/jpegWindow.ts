/**
 * Which part of a JPEG's stored pixels to decode for a box of its upright image, and where the
 * decoded pixels then lie on that upright image. Pure geometry: the decoder (turbojpeg.ts) decodes
 * the window, `applyOrientation` turns it upright, and the placement tells the kernels where it is.
 */

export interface Size {
  readonly width: number;
  readonly height: number;
}

/**
 * Where a decoded image lies on the full-size upright image it was decoded from, per axis:
 * decoded x = source x · scaleX + offsetX (and so for y), in continuous coordinates where pixel i
 * covers [i, i + 1).
 */
export interface Placement {
  readonly scaleX: number;
  readonly scaleY: number;
  readonly offsetX: number;
  readonly offsetY: number;
}

export const FULL_SIZE: Placement = { scaleX: 1, scaleY: 1, offsetX: 0, offsetY: 0 };

/** A box of the upright full-size image, in continuous source coordinates. */
export interface Box {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/** A rectangle of pixels. */
export interface Rect {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** What the caller asks of a JPEG: its DCT scale (`scaleNum`/8) and the upright box it reads (null: all of it). */
export interface DecodeRequest {
  scaleNum: number;
  box: Box | null;
}

export interface JpegGeometry {
  /** Stored size, as the frame header gives it. */
  width: number;
  height: number;
  /** EXIF orientation 1–8. */
  orientation: number;
  /** The iMCU's size in stored pixels (8 × the largest sampling factor): a cropped decode's left edge lies on it. */
  mcuWidth: number;
}

/** The decode of a request: a region of the stored image at the scale (null: all of it), and where its upright pixels lie. */
export interface StoredWindow {
  scaleNum: number;
  region: Rect | null;
  placement: Placement;
}

/** libjpeg's size of a `size`-pixel side decoded at `scaleNum`/8 (TJSCALED: a ceiling). */
export function scaledSize(size: number, scaleNum: number): number {
  return Math.ceil((size * scaleNum) / 8);
}

/** Orientations that flip the upright x axis against the stored image (2, 3, 6, 7), and the y axis (3, 4, 7, 8). */
const FLIPS_X = new Set([2, 3, 6, 7]);
const FLIPS_Y = new Set([3, 4, 7, 8]);

/**
 * The stored region to decode so that the upright pixels cover `request.box` at the scale, with
 * `edgeMargin` more decoded pixels on each side that is not the image's edge (a cut edge's pixels
 * may differ from a full decode's: fancy upsampling reads past it), its left edge moved out to the
 * scaled iMCU as libjpeg-turbo requires. A region that covers everything is decoded whole.
 */
export function storedWindow(jpeg: JpegGeometry, request: DecodeRequest, edgeMargin: number): StoredWindow {
  const s = request.scaleNum / 8;
  const swap = jpeg.orientation >= 5;
  const flipX = FLIPS_X.has(jpeg.orientation);
  const flipY = FLIPS_Y.has(jpeg.orientation);
  // The whole stored image at the scale, and upright: decoded = s · source + offset, where an axis
  // the orientation flips starts with the last (partial) block's pixels.
  const stored = { width: scaledSize(jpeg.width, request.scaleNum), height: scaledSize(jpeg.height, request.scaleNum) };
  const upright = swap ? { width: stored.height, height: stored.width } : stored;
  const source = swap ? { width: jpeg.height, height: jpeg.width } : { width: jpeg.width, height: jpeg.height };
  const offsetX = flipX ? upright.width - s * source.width : 0;
  const offsetY = flipY ? upright.height - s * source.height : 0;
  const whole: StoredWindow = { scaleNum: request.scaleNum, region: null, placement: { scaleX: s, scaleY: s, offsetX, offsetY } };
  if (!request.box) return whole;

  // The box in upright decoded pixels, widened by the margin and clamped to the image.
  const clamp = (v: number, max: number) => Math.min(max, Math.max(0, v));
  const ux0 = clamp(Math.floor(s * request.box.left + offsetX) - edgeMargin, upright.width);
  const ux1 = clamp(Math.ceil(s * request.box.right + offsetX) + edgeMargin, upright.width);
  const uy0 = clamp(Math.floor(s * request.box.top + offsetY) - edgeMargin, upright.height);
  const uy1 = clamp(Math.ceil(s * request.box.bottom + offsetY) + edgeMargin, upright.height);
  if (ux1 <= ux0 || uy1 <= uy0) return whole;

  // Upright x runs along stored x (or stored y when the orientation swaps axes), reversed when flipped.
  const along = (from: number, to: number, size: number, flipped: boolean) => (flipped ? [size - to, size - from] : [from, to]);
  const [sx0, sx1] = swap ? along(uy0, uy1, stored.width, flipY) : along(ux0, ux1, stored.width, flipX);
  const [sy0, sy1] = swap ? along(ux0, ux1, stored.height, flipX) : along(uy0, uy1, stored.height, flipY);
  const mcu = Math.ceil((jpeg.mcuWidth * request.scaleNum) / 8);
  const left = Math.floor(sx0 / mcu) * mcu;
  const region = { left, top: sy0, width: sx1 - left, height: sy1 - sy0 };
  if (region.width === stored.width && region.height === stored.height) return whole;

  // Where the region's first upright pixel lies on the whole upright decode.
  const rx = swap ? (flipX ? stored.height - (region.top + region.height) : region.top) : flipX ? stored.width - (region.left + region.width) : region.left;
  const ry = swap ? (flipY ? stored.width - (region.left + region.width) : region.left) : flipY ? stored.height - (region.top + region.height) : region.top;
  return { scaleNum: request.scaleNum, region, placement: { scaleX: s, scaleY: s, offsetX: offsetX - rx, offsetY: offsetY - ry } };
}
