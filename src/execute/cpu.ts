import { runStages, type Kernels } from '../../kernels/cpu/runStages.js';
import type { PipelineStep, SamplePlan } from '../augment/pipeline.js';
import type { DecodedImage, RgbImage } from '../codec/decode.js';
import { planCopies } from './plans.js';

export interface AugmentedCopy extends RgbImage {
  params: SamplePlan['params'];
}

/**
 * The CPU backends: the `copies` augmented samples of one decoded image through the TypeScript
 * kernels (`cpu`) or with their warp passes in WASM SIMD (`wasm`). They run inside the worker
 * that decoded the image, so pixels never cross threads and the kernels use every core; each
 * sample is a pure function of (seed, row, copy).
 */
export function augmentImage(image: DecodedImage, steps: readonly PipelineStep[], seed: number, sourceIndex: number, copies: number, kernels: Kernels = 'cpu'): AugmentedCopy[] {
  return augmentPlanned(image, planCopies(image, steps, seed, sourceIndex, copies), kernels);
}

/** The copies of `augmentImage` from plans already made (and checked) by the caller. */
export function augmentPlanned(image: DecodedImage, plans: readonly SamplePlan[], kernels: Kernels): AugmentedCopy[] {
  return plans.map((plan) => {
    const out = runStages(image.data, image, plan.stages, kernels);
    return { data: out.data, width: out.size.width, height: out.size.height, params: plan.params };
  });
}
