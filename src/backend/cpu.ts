import { resampleAxisAligned } from '../../kernels/cpu/resampleAxisAligned.js';
import { isAxisAligned } from '../augment/geometry.js';
import type { AugmentBatch, Backend } from './backend.js';

/**
 * The reference backend: the TypeScript kernels, on the main thread. Pixels are touched once per
 * pass; every sample is independent, so the batch only groups work.
 */
export const cpuBackend: Backend = {
  name: 'cpu',
  async augment(batch: AugmentBatch): Promise<Uint8Array[]> {
    return batch.samples.map((sample) => {
      const image = batch.images[sample.image];
      if (!isAxisAligned(sample.matrix)) {
        throw new Error(`cpu backend: no kernel for a non axis-aligned matrix [${sample.matrix.join(', ')}]`);
      }
      return resampleAxisAligned(image.data, image.width, image.height, sample.matrix, sample.size.width, sample.size.height);
    });
  },
};
