import type { Size } from '../augment/geometry.js';
import { planSample, toDecodedPixels, type PipelineStep, type SamplePlan } from '../augment/pipeline.js';
import { ImageError, type DecodedImage } from '../codec/decode.js';

/**
 * The pixel programs of an image's `copies` samples, drawn against its full upright `source` size
 * (known from a JPEG's header before decoding, so the decode can be limited to what they read).
 * Each is a pure function of (seed, row, copy), so every backend, batch size and worker count
 * runs the same programs.
 */
export function planSamples(source: Size, steps: readonly PipelineStep[], seed: number, sourceIndex: number, copies: number): SamplePlan[] {
  return Array.from({ length: copies }, (_, copy) => planSample(steps, seed, sourceIndex, copy, source));
}

/** The plans against the decoded pixels: a reduced or cropped decode folds its placement into the first warp. */
export function onDecodedPixels(plans: readonly SamplePlan[], image: Pick<DecodedImage, 'placement'>): SamplePlan[] {
  return plans.map((plan) => ({ ...plan, stages: toDecodedPixels(plan.stages, image) }));
}

/** `planSamples` for an image already decoded, against its pixels. */
export function planCopies(image: DecodedImage, steps: readonly PipelineStep[], seed: number, sourceIndex: number, copies: number): SamplePlan[] {
  return onDecodedPixels(planSamples({ width: image.sourceWidth, height: image.sourceHeight }, steps, seed, sourceIndex, copies), image);
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
