import { runStages } from '../../kernels/cpu/runStages.js';
import type { AugmentBatch, Backend } from './backend.js';

/**
 * The reference backend: the TypeScript kernels, on the main thread. Every sample is
 * independent, so the batch only groups work.
 */
export const cpuBackend: Backend = {
  name: 'cpu',
  async augment(batch: AugmentBatch): Promise<Uint8Array[]> {
    return batch.samples.map((sample) => {
      const image = batch.images[sample.image];
      return runStages(image.data, image, sample.stages).data;
    });
  },
};
