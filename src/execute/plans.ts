import { planSample, toDecodedPixels, type PipelineStep, type SamplePlan } from '../augment/pipeline.js';
import { ImageError, type DecodedImage } from '../codec/decode.js';

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

/**
 * Refuses copies that would hold an image of more than `maxPixels` at any stage, before a kernel
 * allocates it: a sliver (5000×1) resized to 224 on its shorter side would be 1120000×224,
 * gigabytes of float pixels.
 */
export function checkCopySizes(plans: readonly SamplePlan[], maxPixels: number): void {
  for (const [copy, plan] of plans.entries()) {
    for (const stage of plan.stages) {
      if (stage.type !== 'warp') continue;
      const { width, height } = stage.size;
      if (width * height > maxPixels) throw new ImageError(`copy ${copy} needs a ${width}×${height} image = ${width * height} pixels, above --max-pixels ${maxPixels}`);
    }
  }
}
