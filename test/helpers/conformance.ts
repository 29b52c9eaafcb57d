/** What the conformance suites share: the programs, the test images and the tolerances. */
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { runStages } from '../../kernels/cpu/runStages.js';
import { parsePipeline, planSample } from '../../src/augment/pipeline.js';
import type { Stage } from '../../src/augment/stages.js';
import { OPS } from '../../src/augment/ops/index.js';
import { MINIMAL_SPECS } from './opSpecs.js';
import { SAMPLE_PHOTOS } from './samplePhotos.js';

/** A sample photo resized to `width × height`, as RGB bytes. */
export async function photo(path: string, width: number, height: number) {
  const data = new Uint8Array(await sharp(`${SAMPLE_PHOTOS}/${path}`).resize(width, height, { fit: 'fill' }).removeAlpha().raw().toBuffer());
  return { data, size: { width, height } };
}

/**
 * One colour all over: resampling leaves float noise (±1e-5) around its level, which statistics
 * ops must not stretch (autoContrast on a flat channel is the identity).
 */
export function flat(width: number, height: number, rgb: [number, number, number]) {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i += 3) data.set(rgb, i);
  return { data, size: { width, height } };
}

export function maxDiff(a: Uint8Array, b: Uint8Array): number {
  assert.equal(a.length, b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

/** Share of values allowed to differ by more than 1 level. Zero except for ops with thresholds on
 * whole levels (a value 1e-5 either side of a level boundary can land in another histogram bin or
 * posterize step): there, at most 0.5% of values. */
export const DISCONTINUOUS: Record<string, number> = { equalize: 0.005, posterize: 0.005, solarize: 0.005, randAugment: 0.005, trivialAugmentWide: 0.005, autoAugment: 0.005 };

export function shareOverOne(a: Uint8Array, b: Uint8Array): number {
  let over = 0;
  for (let i = 0; i < a.length; i++) if (Math.abs(a[i] - b[i]) > 1) over++;
  return over / a.length;
}

/** Asserts `other` is within the tolerance of `name` of the reference (see DISCONTINUOUS). */
export function assertConforms(name: string, other: Uint8Array, reference: Uint8Array, where: string): void {
  const allowed = DISCONTINUOUS[name] ?? 0;
  if (allowed === 0) assert.ok(maxDiff(other, reference) <= 1, `${name}, ${where}: max difference ${maxDiff(other, reference)}`);
  else assert.ok(shareOverOne(other, reference) <= allowed, `${name}, ${where}: ${shareOverOne(other, reference)} of values differ by more than 1`);
}

/** Every op of the registry after a crop (its minimal spec), and a few long programs. */
export const PROGRAMS: Record<string, object[]> = {
  ...Object.fromEntries([...OPS.keys()].map((name) => [name, [{ op: 'randomResizedCrop', size: [60, 80] }, MINIMAL_SPECS[name]]])),
  'imagenet-train': [{ op: 'randomResizedCrop', size: 64 }, { op: 'horizontalFlip' }, { op: 'colorJitter', brightness: 0.4, contrast: 0.4, saturation: 0.4 }],
  'colour with hue': [{ op: 'randomResizedCrop', size: 64 }, { op: 'colorJitter', brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.1 }],
  // One WASM colour pass per contrast stage: contrast after other stages takes the mean the pass before returns.
  'colour chain': [{ op: 'randomResizedCrop', size: 61 }, { op: 'colorJitter', brightness: 0.5, contrast: 0.5, saturation: 0.5, hue: 0.5 }, { op: 'grayscale', p: 0.3 }, { op: 'invert', p: 0.7 }, { op: 'colorJitter', brightness: 0.3, contrast: 0.3, hue: 0.2 }],
  'colour before geometry': [{ op: 'colorJitter', brightness: 0.6, contrast: 0.6 }, { op: 'resize', size: 50 }, { op: 'rotate', degrees: 30 }],
  'enlarge': [{ op: 'centerCrop', size: 20 }, { op: 'resize', size: [97, 131] }],
};

/** A batch runner (`BatchRunner`: ragged samples in, images out in order). */
type Runner = (samples: Array<{ data: Uint8Array; size: { width: number; height: number }; stages: readonly Stage[] }>) => Promise<Array<{ data: Uint8Array; size: { width: number; height: number } }>>;

/**
 * Every program on two images of different sizes, as ONE ragged batch through `run`, against the
 * CPU reference: the suite of the batched backends (tensorflow's composite runner on whatever
 * tfjs backend the caller set, webgpu's runBatch).
 */
export async function assertBatchConforms(run: Runner): Promise<void> {
  const images = [await photo('animal/photo-009.png', 131, 97), await photo('object/photo-047.png', 64, 150), flat(53, 41, [170, 51, 3])];
  const samples = Object.entries(PROGRAMS).flatMap(([name, spec]) => {
    const steps = parsePipeline(spec, { size: 48 });
    return images.map((image, i) => ({ ...image, stages: planSample(steps, 3, i, 0, image.size).stages, name, where: `image ${i}` }));
  });
  const out = await run(samples);
  assert.equal(out.length, samples.length);
  samples.forEach((s, k) => {
    const reference = runStages(s.data, s.size, s.stages);
    assert.deepEqual(out[k].size, reference.size, `${s.name}, ${s.where}`);
    assertConforms(s.name, out[k].data, reference.data, s.where);
  });
}
