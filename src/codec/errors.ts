/**
 * The image-error classes and how a codec's message becomes one line, on their own so that the
 * decoders decode.ts chooses between (turbojpeg.ts) can use them without importing decode.ts back.
 */

/**
 * A failure that is the image's fault, not remux's (it cannot be decoded, or its copies cannot be
 * made or encoded): the row is skipped and recorded.
 */
export class ImageError extends Error {}

/** An image that cannot be decoded. */
export class DecodeError extends ImageError {}

/** A codec's message can span lines (libvips: one per warning, often the same one again): each distinct line once. */
export function oneLine(message: string): string {
  return [...new Set(message.split('\n').map((line) => line.trim()).filter(Boolean))].join('; ');
}
