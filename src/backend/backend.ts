import type { Mat3, Size } from '../augment/geometry.js';

/** A decoded RGB image, `height × width × 3` bytes. */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

/**
 * A ragged batch: images of any sizes, and the samples to produce from them (several samples
 * may read one image: `--copies`). Matrices are in the decoded image's pixel coordinates.
 */
export interface AugmentBatch {
  images: RgbImage[];
  samples: Array<{ image: number; matrix: Mat3; size: Size }>;
}

/** Runs the kernel passes of a batch; one output image per sample, in order. */
export interface Backend {
  readonly name: string;
  augment(batch: AugmentBatch): Promise<Uint8Array[]>;
}
