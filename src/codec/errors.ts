/**
 * The image-error classes, on their own so that the decoders decode.ts chooses between
 * (turbojpeg.ts) can throw them without importing decode.ts back.
 */

/**
 * A failure that is the image's fault, not remux's (it cannot be decoded, or its copies cannot be
 * made or encoded): the row is skipped and recorded.
 */
export class ImageError extends Error {}

/** An image that cannot be decoded. */
export class DecodeError extends ImageError {}
