import { runStages, type Kernels } from '../../kernels/cpu/runStages.js';
import type { SamplePlan } from '../augment/pipeline.js';
import type { DecodedImage } from '../codec/decode.js';
import type { AugmentedCopy } from './protocol.js';

/**
 * The CPU backends: the augmented copies of one decoded image through the TypeScript kernels
 * (`cpu`) or with their warp passes in WASM SIMD (`wasm`), from plans already made (and checked)
 * by the caller. They run inside the worker that decoded the image, so pixels never cross threads
 * and the kernels use every core; each sample is a pure function of (seed, row, copy).
 */
export function augmentPlanned(image: DecodedImage, plans: readonly SamplePlan[], kernels: Kernels): AugmentedCopy[] {
  return plans.map((plan) => {
    const out = runStages(image.data, image, plan.stages, kernels);
    return { data: out.data, width: out.size.width, height: out.size.height, params: plan.params };
  });
}
