/**
 * The WebGPU backend (kernels/webgpu on tfjs-backend-webgpu, through Dawn) against the CPU
 * reference: every op and program on ragged batches, a batch split over several dispatches, images
 * wider and taller than 4096 px, the `RemuxPixelProgram` kernel, and whole runs. Its own process
 * (node --test runs each file in one): one tfjs backend per process.
 *
 * Without an adapter the suite is skipped and says why, unless REMUX_REQUIRE_WEBGPU=1 (CI, which
 * installs Mesa's lavapipe): then it fails.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import sharp from 'sharp';
import { runBatchComposite } from '../kernels/composite/runBatchComposite.js';
import { runStages } from '../kernels/cpu/runStages.js';
import { PIXEL_PROGRAM, runPixelProgram } from '../kernels/registry.js';
import { groupSamples, type BatchSample } from '../kernels/webgpu/batchLayout.js';
import { runBatch } from '../kernels/webgpu/runBatch.js';
import { parsePipeline, planSample } from '../src/augment/pipeline.js';
import { adapterLine, startWebgpu, type WebgpuRuntime } from '../src/backend/webgpu.js';
import { messageOf } from '../src/errors.js';
import { remux } from '../src/index.js';
import { assertBatchConforms, assertConforms, maxDiff, photo, PROGRAMS } from './helpers/conformance.js';
import { digest, imageBytes, readOutput, tempDir } from './helpers/output.js';
import { writeHfParquet } from './helpers/hfParquet.js';
import { SAMPLE_CLASSES, SAMPLE_PARQUET, samplePhotos } from './helpers/samplePhotos.js';

const required = process.env.REMUX_REQUIRE_WEBGPU === '1';
let runtime: WebgpuRuntime | null = null;
let why = '';
try {
  runtime = await startWebgpu();
  console.log(adapterLine(runtime.adapter));
} catch (error) {
  why = messageOf(error);
}
const skip = runtime || required ? false : `WebGPU tests skipped: ${why} (set REMUX_REQUIRE_WEBGPU=1 to make this a failure)`;
if (skip) console.log(skip);

function gpu(): WebgpuRuntime {
  if (!runtime) throw new Error(`REMUX_REQUIRE_WEBGPU=1 but ${why}`);
  return runtime;
}

/** Each program's samples for `rows` rows of every image, tagged with the program's name. */
function samplesOf(images: Array<{ data: Uint8Array; size: { width: number; height: number } }>, programs: Record<string, object[]>, rows: number) {
  const out: Array<BatchSample & { name: string; where: string }> = [];
  for (const [name, spec] of Object.entries(programs)) {
    const steps = parsePipeline(spec, { size: 48 });
    images.forEach((image, i) => {
      for (let row = 0; row < rows; row++) out.push({ ...image, stages: planSample(steps, 3, row, 0, image.size).stages, name, where: `image ${i}, row ${row}` });
    });
  }
  return out;
}

function assertAllConform(samples: ReturnType<typeof samplesOf>, images: Array<{ data: Uint8Array; size: { width: number; height: number } }>) {
  samples.forEach((s, k) => {
    const reference = runStages(s.data, s.size, s.stages);
    assert.deepEqual(images[k].size, reference.size, `${s.name}, ${s.where}: size`);
    assertConforms(s.name, images[k].data, reference.data, s.where);
  });
}

test('webgpu: every op and program in one ragged batch matches the cpu reference within 1 level', { skip }, async () => {
  const images = [await photo('animal/photo-009.png', 131, 97), await photo('nature/photo-020.jpg', 300, 200), await photo('object/photo-047.png', 64, 256)];
  const samples = samplesOf(images, PROGRAMS, 3);
  const out = await runBatch(gpu().backend, samples);
  assertAllConform(samples, out);
});

test('webgpu: a batch split over several dispatches gives the bytes of one dispatch; oversize samples run on the reference', { skip }, async () => {
  const images = [await photo('animal/photo-009.png', 131, 97), await photo('nature/photo-020.jpg', 300, 200)];
  const samples = samplesOf(images, { 'imagenet-train': PROGRAMS['imagenet-train'], equalize: PROGRAMS.equalize, gaussianBlur: PROGRAMS.gaussianBlur, rotate: PROGRAMS.rotate }, 4);
  const budget = { bytes: 200_000, pixels: 8000 };
  assert.ok(groupSamples(samples, budget).groups.length >= 4, 'several dispatch groups');
  const [whole, split] = [await runBatch(gpu().backend, samples), await runBatch(gpu().backend, samples, budget)];
  for (let k = 0; k < samples.length; k++) assert.deepEqual(split[k].data, whole[k].data, `sample ${k}`);
  assertAllConform(samples, split);
  // Samples over the binding limit on their own run on the CPU reference.
  const some = samples.slice(0, 3);
  const reference = await runBatch(gpu().backend, some, { bytes: 1000, pixels: 1e9 });
  some.forEach((s, k) => assert.deepEqual(reference[k].data, runStages(s.data, s.size, s.stages).data));
});

test('webgpu: images wider and taller than 4096 px', { skip }, async () => {
  const wide = await photo('nature/photo-020.jpg', 4500, 40);
  const tall = await photo('object/photo-047.png', 30, 4200);
  const programs = {
    resize: [{ op: 'resize', size: [20, 96] }],
    crop: [{ op: 'randomResizedCrop', size: [24, 32] }, { op: 'colorJitter', brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.1 }],
    rotate: [{ op: 'centerCrop', size: [30, 40] }, { op: 'rotate', degrees: 30 }, { op: 'equalize', p: 1 }],
  };
  const samples = samplesOf([wide, tall], programs, 2);
  assertAllConform(samples, await runBatch(gpu().backend, samples));
});

test('webgpu: device memory stays flat over many batches of different sizes (the pool reuses every buffer)', { skip }, async () => {
  const { backend } = gpu();
  const steps = parsePipeline(PROGRAMS['imagenet-train'], { size: 40 });
  const allocated: number[] = [];
  for (let batch = 0; batch < 40; batch++) {
    // Every batch's total differs, as a real run's ragged batches do.
    const samples = Array.from({ length: 6 }, (_, i) => {
      const size = { width: 60 + ((batch * 37 + i * 11) % 90), height: 50 + ((batch * 13 + i * 7) % 70) };
      return { data: new Uint8Array(size.width * size.height * 3).fill(90 + i), size, stages: planSample(steps, 1, batch * 6 + i, 0, size).stages };
    });
    const out = await runBatch(backend, samples);
    assert.equal(out.length, samples.length);
    allocated.push(backend.bufferManager.numBytesAllocated);
  }
  // Before size classes every batch left ~0.3 MB more in the pool: 40 batches held 3.5× what 10 did.
  assert.ok(allocated[39] <= allocated[9] * 1.1, `allocated after 10 batches ${allocated[9]} B, after 40 ${allocated[39]} B`);
});

test('webgpu: RemuxPixelProgram runs the registered WGSL kernel and leaks no tensors', { skip }, async () => {
  const { tf } = gpu();
  assert.ok(tf.getKernel(PIXEL_PROGRAM, 'webgpu'));
  const image = await photo('animal/photo-009.png', 131, 97);
  const before = tf.memory().numTensors;
  for (const name of ['imagenet-train', 'colour before geometry', 'gaussianBlur', 'autoContrast']) {
    const plan = planSample(parsePipeline(PROGRAMS[name], { size: 48 }), 3, 1, 0, image.size);
    const reference = runStages(image.data, image.size, plan.stages);
    const out = await runPixelProgram(tf, image.data, image.size, plan.stages);
    assert.equal(out.via, 'kernel');
    assert.deepEqual(out.size, reference.size);
    assert.ok(maxDiff(out.data, reference.data) <= 1, name);
  }
  assert.equal(tf.memory().numTensors, before);
});

test('webgpu: the composite (stock tfjs ops) batch runner of the tensorflow backend matches the cpu reference within 1 level, on tfjs\'s webgpu backend', { skip }, async () => {
  const { tf } = gpu();
  const before = tf.memory().numTensors;
  await assertBatchConforms((samples) => runBatchComposite(tf, samples));
  assert.equal(tf.memory().numTensors, before, 'the composite path leaks no tensors');
});

test('webgpu: a whole run gives the decoded pixels of --backend cpu (raw within 1 level, JPEG within JPEG noise)', { skip }, async () => {
  gpu();
  const options = { source: SAMPLE_PARQUET, preset: 'imagenet-train' as const, size: 56, copies: 2, limit: 12, workers: 2 };
  for (const format of ['raw', 'jpeg'] as const) {
    const outs = { cpu: await tempDir('gpu-cpu'), gpu: await tempDir('gpu-webgpu') };
    await remux({ ...options, format, out: outs.cpu, backend: 'cpu' });
    await remux({ ...options, format, out: outs.gpu, backend: 'webgpu' });
    const [a, b] = [(await readOutput(outs.cpu)).rows, (await readOutput(outs.gpu)).rows];
    assert.equal(b.length, 24);
    for (let i = 0; i < a.length; i++) {
      if (format === 'raw') {
        assert.ok(maxDiff(imageBytes(a[i]), imageBytes(b[i])) <= 1, `row ${i}`);
        continue;
      }
      const [x, y] = await Promise.all([a[i], b[i]].map(async (r) => new Uint8Array(await sharp(imageBytes(r)).raw().toBuffer())));
      let total = 0;
      for (let k = 0; k < x.length; k++) total += Math.abs(x[k] - y[k]);
      // Inputs 1 level apart can round to other DCT coefficients: small on average, a few levels at most.
      assert.ok(total / x.length < 0.5 && maxDiff(x, y) <= 8, `row ${i}: mean ${total / x.length}, max ${maxDiff(x, y)}`);
    }
  }
});

test('webgpu: a user --augment function runs on the GPU backend and gives the pixels of --backend cpu', { skip }, async () => {
  gpu();
  const options = { source: SAMPLE_PARQUET, augment: 'examples/randomGamma.ts', size: 40, copies: 2, limit: 8, workers: 2, format: 'raw' as const };
  const outs = { cpu: await tempDir('gpu-user-cpu'), gpu: await tempDir('gpu-user') };
  // The GPU run first: the cpu run prepares tfjs for user code, and must not be what makes the GPU run work.
  await remux({ ...options, out: outs.gpu, backend: 'webgpu' });
  await remux({ ...options, out: outs.cpu, backend: 'cpu' });
  const [a, b] = [(await readOutput(outs.cpu)).rows, (await readOutput(outs.gpu)).rows];
  assert.equal(b.length, 16);
  // The sizing pass may differ by 1 level and the gamma curve can stretch that to a few.
  for (let i = 0; i < a.length; i++) assert.ok(maxDiff(imageBytes(a[i]), imageBytes(b[i])) <= 3, `row ${i}: ${maxDiff(imageBytes(a[i]), imageBytes(b[i]))}`);
});

test('webgpu: output bytes do not depend on batch size or worker count', { skip }, async () => {
  gpu();
  const runs: string[][] = [];
  for (const [batchSize, workers] of [[64, 2], [1, 1], [7, 2]]) {
    const out = await tempDir('gpu-same');
    await remux({ source: SAMPLE_PARQUET, out, size: 48, copies: 2, batchSize, workers, backend: 'webgpu', pipeline: [{ op: 'randomResizedCrop' }, { op: 'horizontalFlip' }, { op: 'colorJitter', brightness: 0.4, contrast: 0.4 }, { op: 'gaussianNoise' }] });
    runs.push(digest((await readOutput(out)).rows));
  }
  for (const run of runs.slice(1)) assert.deepEqual(run, runs[0]);
});

test('webgpu: undecodable rows are skipped and recorded, the others written in source order', { skip }, async () => {
  gpu();
  const dir = await tempDir('gpu-bad-src');
  const photos = (await samplePhotos()).slice(0, 6);
  const rows = photos.map((p) => ({ bytes: p.bytes as Uint8Array | null, label: p.label }));
  rows[1].bytes = new TextEncoder().encode('not an image');
  rows[4].bytes = null;
  await writeHfParquet(`${dir}/data.parquet`, rows, { labelNames: SAMPLE_CLASSES });
  const out = await tempDir('gpu-bad-out');
  const summary = await remux({ source: `${dir}/data.parquet`, out, size: 32, copies: 2, batchSize: 3, workers: 2, backend: 'webgpu' });
  assert.deepEqual([summary.rowsIn, summary.rowsOut, summary.skipped], [6, 8, 2]);
  assert.deepEqual((await readOutput(out)).rows.map((r) => `${r.source_index}/${r.copy}`), ['0/0', '0/1', '2/0', '2/1', '3/0', '3/1', '5/0', '5/1']);
});

// Hiding the Vulkan drivers hides every adapter only where Dawn uses Vulkan alone.
const vulkanOnly = process.platform === 'linux' ? false : 'only Linux adapters can be hidden (through the Vulkan loader)';

test('--backend webgpu without an adapter is a one-line error naming why, and writes nothing', { skip: vulkanOnly }, async () => {
  const out = `${await tempDir('gpu-none')}/out`;
  // A Vulkan loader pointed at no driver: Dawn finds no adapter.
  const run = spawnSync(process.execPath, ['dist/src/cli/main.js', 'run', SAMPLE_PARQUET, '--out', out, '--backend', 'webgpu'], { env: { ...process.env, VK_ICD_FILENAMES: '/nonexistent-icd.json' }, encoding: 'utf8' });
  assert.equal(run.status, 1);
  const line = run.stderr.split('\n').find((l) => l.startsWith('remux: '));
  assert.equal(line, 'remux: --backend webgpu cannot start: no WebGPU adapter found (Dawn found no Vulkan, Metal or D3D12 device; on Linux without a GPU, Mesa’s lavapipe from mesa-vulkan-drivers 25 or later provides one)');
  assert.equal(existsSync(out), false, 'no output directory');
});
