/**
 * One source image decoded for its samples: a JPEG's copies are planned from its header first, so
 * that only the region they read is decoded, at the smallest DCT scale that keeps a decoded pixel
 * per output pixel; other formats are decoded whole and planned after.
 */
import { decodeDivisor, type PipelineStep, type SamplePlan } from '../augment/pipeline.js';
import { decodeImage, type CodecName, type DecodedImage } from '../codec/decode.js';
import { readJpegHeader, uprightSize } from '../codec/jpegHeader.js';
import { decodeRequest } from './decodeRequest.js';
import { checkCopySizes, onDecodedPixels, planCopies, planSamples } from './plans.js';

export interface SampleJob {
  steps: readonly PipelineStep[];
  codec: CodecName;
  maxPixels: number;
  seed: number;
  copies: number;
  /** Decode all of the image even where the samples read less (preview shows it). */
  whole?: boolean;
}

/** The decoded pixels and the programs of the row's copies against them; an `ImageError` when the image is at fault. */
export async function decodeSamples(bytes: Uint8Array, sourceIndex: number, job: SampleJob): Promise<{ image: DecodedImage; plans: SamplePlan[] }> {
  const header = readJpegHeader(bytes);
  if (!header) {
    const image = await decodeImage(bytes, { codec: job.codec, maxPixels: job.maxPixels, request: null });
    return { image, plans: checked(planCopies(image, job.steps, job.seed, sourceIndex, job.copies), job.maxPixels) };
  }
  const source = uprightSize(header);
  const planned = planSamples(source, job.steps, job.seed, sourceIndex, job.copies);
  const needed = decodeRequest(planned, source, 8 / decodeDivisor(job.steps, source));
  const request = job.whole ? { ...needed, box: null } : needed;
  const image = await decodeImage(bytes, { codec: job.codec, maxPixels: job.maxPixels, request });
  return { image, plans: checked(onDecodedPixels(planned, image), job.maxPixels) };
}

function checked(plans: SamplePlan[], maxPixels: number): SamplePlan[] {
  checkCopySizes(plans, maxPixels);
  return plans;
}
