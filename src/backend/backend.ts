import type { Size } from '../augment/geometry.js';
import type { Stage } from '../augment/stages.js';

/** A decoded RGB image, `height × width × 3` bytes. */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

/**
 * A ragged batch: images of any sizes, and the samples to produce from them (several samples
 * may read one image: `--copies`). Each sample's first stage is a warp whose matrix is in the
 * decoded image's pixel coordinates.
 */
export interface AugmentBatch {
  images: RgbImage[];
  samples: Array<{ image: number; stages: Stage[]; size: Size }>;
}

/** Runs the kernel passes of a batch; one output image per sample, in order. */
export interface Backend {
  readonly name: string;
  augment(batch: AugmentBatch): Promise<Uint8Array[]>;
}
