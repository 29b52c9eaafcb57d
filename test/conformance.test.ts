/**
 * One suite for every implementation: each op of the registry (and a few long programs) runs
 * through the `wasm` kernels and must match the `cpu` reference within 1 level, on images of
 * several sizes. Known answers of the reference itself are in stages.test.ts; the WebGPU kernels
 * run the same programs in webgpu.test.ts (a process of their own: one tfjs backend per process).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runStages, type Kernels } from '../kernels/cpu/runStages.js';
import { compositeCovers, runStagesComposite } from '../kernels/composite/runStagesComposite.js';
import { PIXEL_PROGRAM, registerRemuxKernels, runPixelProgram } from '../kernels/registry.js';
import { wasmResampler } from '../kernels/wasm/resampleWasm.js';
import { parsePipeline, planSample } from '../src/augment/pipeline.js';
import { remux } from '../src/index.js';
import { assertConforms, flat, maxDiff, photo, PROGRAMS } from './helpers/conformance.js';
import { imageBytes, readOutput, tempDir } from './helpers/output.js';
import { SAMPLE_PARQUET } from './helpers/samplePhotos.js';

/** Implementations checked against `cpu`, with the reason for any skip. */
const IMPLEMENTATIONS: Array<{ kernels: Kernels; skip: string | false }> = [
  { kernels: 'wasm', skip: wasmResampler() ? false : 'the WASM kernels are not built or this Node lacks WebAssembly SIMD' },
];

for (const { kernels, skip } of IMPLEMENTATIONS) {
  test(`${kernels} matches the cpu reference within 1 level for every op and program`, { skip }, async () => {
    const images = [await photo('animal/photo-009.png', 131, 97), await photo('nature/photo-020.jpg', 300, 200), await photo('object/photo-047.png', 64, 256), flat(53, 41, [170, 51, 3])];
    for (const [name, spec] of Object.entries(PROGRAMS)) {
      const steps = parsePipeline(spec, { size: 48 });
      for (const [i, image] of images.entries()) {
        for (let row = 0; row < 4; row++) {
          const plan = planSample(steps, 3, row, 0, image.size);
          const reference = runStages(image.data, image.size, plan.stages, 'cpu');
          const other = runStages(image.data, image.size, plan.stages, kernels);
          assert.deepEqual(other.size, reference.size);
          assertConforms(name, other.data, reference.data, `image ${i}, row ${row}`);
        }
      }
    }
  });

  test(`a whole run on --backend ${kernels} gives the pixels of --backend cpu within 1 level`, { skip }, async () => {
    const outs = { cpu: await tempDir('conf-cpu'), other: await tempDir(`conf-${kernels}`) };
    const options = { source: SAMPLE_PARQUET, preset: 'imagenet-train' as const, size: 56, copies: 2, format: 'raw' as const, limit: 12 };
    await remux({ ...options, out: outs.cpu, backend: 'cpu' });
    await remux({ ...options, out: outs.other, backend: kernels });
    const [a, b] = [(await readOutput(outs.cpu)).rows, (await readOutput(outs.other)).rows];
    assert.equal(a.length, 24);
    for (let i = 0; i < a.length; i++) assert.ok(maxDiff(imageBytes(a[i]), imageBytes(b[i])) <= 1, `row ${i}`);
  });
}

for (const tfBackend of ['cpu', 'wasm']) test(`the composite (stock tfjs ops) path matches the cpu reference within 1 level, on tfjs's ${tfBackend} backend`, async () => {
  const tf = await import('@tensorflow/tfjs-core');
  await import('@tensorflow/tfjs-backend-cpu');
  await import('@tensorflow/tfjs-backend-wasm');
  assert.ok(await tf.setBackend(tfBackend), `tfjs ${tfBackend} backend`);
  const images = [await photo('animal/photo-009.png', 131, 97), await photo('object/photo-047.png', 64, 150), flat(53, 41, [170, 51, 3])];
  const covered: string[] = [];
  const skipped: string[] = [];
  const before = tf.memory().numTensors;
  for (const [name, spec] of Object.entries(PROGRAMS)) {
    const steps = parsePipeline(spec, { size: 48 });
    for (const [i, image] of images.entries()) {
      for (let row = 0; row < 3; row++) {
        const plan = planSample(steps, 3, row, 0, image.size);
        if (!compositeCovers(plan.stages)) {
          skipped.push(name);
          continue;
        }
        covered.push(name);
        const reference = runStages(image.data, image.size, plan.stages, 'cpu');
        const composite = await runStagesComposite(tf, image.data, image.size, plan.stages);
        assert.deepEqual(composite.size, reference.size);
        assertConforms(name, composite.data, reference.data, `image ${i}, row ${row}`);
      }
    }
  }
  assert.equal(tf.memory().numTensors, before, 'the composite path leaks no tensors');
  // Every stage is covered: no program may be skipped.
  assert.deepEqual(skipped, [] as string[]);
  for (const name of ['equalize', 'randomResizedCrop', 'resize', 'centerCrop', 'randomCrop', 'rotate', 'affine', 'perspective', 'imagenet-train', 'colour with hue', 'enlarge', 'colour before geometry', 'autoContrast', 'posterize', 'solarize', 'invert', 'grayscale', 'gaussianBlur', 'sharpness', 'gaussianNoise', 'randomErasing']) {
    assert.ok(covered.includes(name) && !skipped.includes(name), `${name} was skipped`);
  }
});

test('RemuxPixelProgram: one kernel name; the registered cpu kernel gives the reference exactly, an unregistered backend the composite', async () => {
  const tf = await import('@tensorflow/tfjs-core');
  await import('@tensorflow/tfjs-backend-cpu');
  await tf.setBackend('cpu');
  const image = await photo('animal/photo-009.png', 131, 97);
  const steps = parsePipeline(PROGRAMS['imagenet-train'], { size: 48 });
  const plan = planSample(steps, 3, 1, 0, image.size);
  const reference = runStages(image.data, image.size, plan.stages, 'cpu');
  const before = tf.memory().numTensors;

  if (tf.getKernel(PIXEL_PROGRAM, 'cpu')) tf.unregisterKernel(PIXEL_PROGRAM, 'cpu');
  const composite = await runPixelProgram(tf, image.data, image.size, plan.stages);
  assert.equal(composite.via, 'composite');
  assert.ok(maxDiff(composite.data, reference.data) <= 1);

  registerRemuxKernels(tf);
  registerRemuxKernels(tf); // idempotent
  const kernel = await runPixelProgram(tf, image.data, image.size, plan.stages);
  assert.equal(kernel.via, 'kernel');
  assert.deepEqual(kernel.size, reference.size);
  assert.deepEqual(kernel.data, reference.data);
  assert.equal(tf.memory().numTensors, before, 'no tensors leak');
});
