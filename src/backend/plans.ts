import { planSample, toDecodedPixels, type PipelineStep, type SamplePlan } from '../augment/pipeline.js';
import type { DecodedImage } from '../codec/decode.js';

/**
 * The pixel programs of an image's `copies` samples, against the decoded pixels (a reduced decode
 * folds its placement into the first warp). Each is a pure function of (seed, row, copy), so every
 * backend, batch size and worker count runs the same programs.
 */
export function planCopies(image: DecodedImage, steps: readonly PipelineStep[], seed: number, sourceIndex: number, copies: number): SamplePlan[] {
  return Array.from({ length: copies }, (_, copy) => {
    const plan = planSample(steps, seed, sourceIndex, copy, { width: image.sourceWidth, height: image.sourceHeight });
    return { ...plan, stages: toDecodedPixels(plan.stages, image) };
  });
}
