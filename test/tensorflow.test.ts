/**
 * The `tensorflow` backend and `--backend auto`. Neither @tensorflow/tfjs-node-gpu nor
 * @tensorflow/tfjs-node installs on the development machines, so the backend module runs here on a
 * stand-in: tfjs's cpu backend registered under the name `tensorflow`, with the flag tfjs-node's
 * backend carries. Where one of the packages is installed, the same suite runs on it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import type * as tfjs from '@tensorflow/tfjs-core';
import { cudaLibraryNames, missingForTensorflow } from '../src/backend/cuda.js';
import { autoLine, startBackend, type Probes } from '../src/backend/select.js';
import { cpuReason, installedTensorflow, NOT_INSTALLED, startTensorflow, type PackageLoader, type TensorflowRuntime } from '../src/backend/tensorflow.js';
import { parseProbe, type AdapterReport, type WebgpuRuntime } from '../src/backend/webgpu.js';
import { RemuxError } from '../src/errors.js';
import { assertBatchConforms } from './helpers/conformance.js';
import { tempDir } from './helpers/output.js';
import { SAMPLE_PARQUET } from './helpers/samplePhotos.js';

const installed = installedTensorflow();

let standInKernels = false;

/** tfjs with its cpu backend also registered as `tensorflow`, flagged the way tfjs-node flags its own. */
async function standIn(usingGpu: boolean): Promise<typeof tfjs> {
  const tf = await import('@tensorflow/tfjs-core');
  const { MathBackendCPU } = await import('@tensorflow/tfjs-backend-cpu');
  if (standInKernels) tf.removeBackend('tensorflow');
  else for (const kernel of tf.getKernelsForBackend('cpu')) tf.registerKernel({ ...kernel, backendName: 'tensorflow' });
  standInKernels = true;
  tf.registerBackend('tensorflow', () => Object.assign(new MathBackendCPU(), { isUsingGpuDevice: usingGpu, binding: { TF_Version: '2.9.1' } }));
  await tf.setBackend('tensorflow');
  return tf;
}

const loader = (name: string, tf: typeof tfjs): PackageLoader => ({ version: (n) => (n === name ? '4.22.0' : null), load: async () => tf });

test('without tfjs-node-gpu or tfjs-node, the loader says so in one line', { skip: installed.length > 0 ? `installed here: ${installed.map((p) => p.name).join(', ')}` : false }, async () => {
  await assert.rejects(startTensorflow(), (error: unknown) => {
    assert.ok(error instanceof RemuxError);
    assert.equal(error.code, 'ERR_REMUX_TENSORFLOW');
    assert.equal(error.message, `--backend tensorflow cannot start: ${NOT_INSTALLED}`);
    return true;
  });
});

test('tfjs-node-gpu that found no GPU device is reported as computing on the CPU; tfjs-node as the CPU build', async () => {
  const onCpu = await startTensorflow(loader('@tensorflow/tfjs-node-gpu', await standIn(false)));
  assert.deepEqual(onCpu.report, { package: '@tensorflow/tfjs-node-gpu', version: '4.22.0', tensorflow: '2.9.1', gpu: false });
  assert.match(cpuReason(onCpu.report) ?? '', /^loads but computes on the CPU: TensorFlow found no GPU device \(it needs CUDA 11\.2 and cuDNN 8\.1/);
  const onGpu = await startTensorflow(loader('@tensorflow/tfjs-node-gpu', await standIn(true)));
  assert.equal(onGpu.report.gpu, true);
  assert.equal(cpuReason(onGpu.report), null);
  const cpuBuild = await startTensorflow(loader('@tensorflow/tfjs-node', await standIn(false)));
  assert.equal(cpuReason(cpuBuild.report), 'the CPU build of libtensorflow');
  const broken: PackageLoader = { version: () => '4.22.0', load: async () => Promise.reject(new Error('libtensorflow.so.2: cannot open shared object file\nmore')) };
  await assert.rejects(startTensorflow(broken), { message: '--backend tensorflow cannot start: @tensorflow/tfjs-node-gpu 4.22.0 did not load: libtensorflow.so.2: cannot open shared object file' });
});

test('the tensorflow backend module runs every program as one ragged batch within 1 level of the reference (stand-in: tfjs cpu)', async () => {
  const runtime = await startTensorflow(loader('@tensorflow/tfjs-node-gpu', await standIn(true)));
  const before = runtime.tf.memory().numTensors;
  await assertBatchConforms(runtime.run);
  assert.equal(runtime.tf.memory().numTensors, before, 'no tensors leak');
});

test('the same suite on the installed tensorflow package', { skip: installed.length === 0 ? 'neither @tensorflow/tfjs-node-gpu nor @tensorflow/tfjs-node is installed' : false }, async () => {
  const runtime = await startTensorflow();
  console.log(`tensorflow: ${runtime.report.package} ${runtime.report.version}, gpu ${runtime.report.gpu}`);
  await assertBatchConforms(runtime.run);
});

const adapter = (software: boolean): AdapterReport => ({ vendor: 'v', architecture: software ? 'software' : 'ampere', name: software ? 'llvmpipe' : 'NVIDIA H100', description: '', isFallbackAdapter: software, software, limits: { maxStorageBufferBindingSize: 2 ** 27 } });
const tfRuntime = (pkg: '@tensorflow/tfjs-node-gpu' | '@tensorflow/tfjs-node', gpu: boolean) => ({ tf: {}, report: { package: pkg, version: '4.22.0', tensorflow: '2.9.1', gpu }, run: async () => [] }) as unknown as TensorflowRuntime;

function probes(p: { tensorflow?: TensorflowRuntime; adapter?: AdapterReport; wasm?: boolean }): Probes & { started: string[] } {
  const started: string[] = [];
  return {
    started,
    tensorflow: async () => p.tensorflow ?? Promise.reject(new RemuxError('ERR_REMUX_TENSORFLOW', `--backend tensorflow cannot start: ${NOT_INSTALLED}`)),
    adapter: async () => p.adapter ?? Promise.reject(new RemuxError('ERR_REMUX_WEBGPU', '--backend webgpu cannot start: no WebGPU adapter found')),
    webgpu: async () => {
      started.push('webgpu');
      return { adapter: p.adapter, backend: {} } as unknown as WebgpuRuntime;
    },
    wasm: () => p.wasm ?? true,
  };
}

test('--backend auto: tensorflow on a GPU, then webgpu on a hardware adapter, then wasm, then cpu, in one line saying why', async () => {
  const notInstalled = 'tensorflow: not installed';
  const here = await startBackend('auto', probes({ adapter: adapter(true) }));
  assert.equal(here.name, 'wasm');
  assert.equal(here.run, null);
  assert.equal(here.note, `backend wasm (auto; not taken: ${notInstalled}, webgpu: software adapter, slower than wasm; remux doctor says why)`);

  const noAdapter = await startBackend('auto', probes({ wasm: false }));
  assert.equal(noAdapter.name, 'cpu');
  assert.equal(noAdapter.note, `backend cpu (auto; not taken: ${notInstalled}, webgpu: no WebGPU adapter found, wasm: kernels missing or no WebAssembly SIMD; remux doctor says why)`);

  const wrongCuda = probes({ tensorflow: tfRuntime('@tensorflow/tfjs-node-gpu', false), adapter: adapter(false) });
  const gpu = await startBackend('auto', wrongCuda);
  assert.equal(gpu.name, 'webgpu');
  assert.deepEqual(wrongCuda.started, ['webgpu']);
  assert.ok(gpu.run);
  assert.match(gpu.note ?? '', /^backend webgpu \(auto; NVIDIA H100[^;]*; not taken: tensorflow: @tensorflow\/tfjs-node-gpu computes on the CPU; remux doctor says why\)$/);

  const cuda = await startBackend('auto', probes({ tensorflow: tfRuntime('@tensorflow/tfjs-node-gpu', true), adapter: adapter(false) }));
  assert.equal(cuda.name, 'tensorflow');
  assert.equal(cuda.note, 'backend tensorflow (auto; @tensorflow/tfjs-node-gpu 4.22.0 on the GPU)');

  const cpuBuild = await startBackend('auto', probes({ tensorflow: tfRuntime('@tensorflow/tfjs-node', false), adapter: adapter(true) }));
  assert.equal(cpuBuild.name, 'wasm');
  assert.match(cpuBuild.note ?? '', /not taken: tensorflow: @tensorflow\/tfjs-node computes on the CPU, webgpu: software adapter/);
  assert.equal(autoLine('cpu', [], null), 'backend cpu (auto)');
});

test('an explicit backend starts that one or fails: --backend tensorflow here is an error naming why, not a fallback', async () => {
  await assert.rejects(startBackend('tensorflow', probes({})), { message: `--backend tensorflow cannot start: ${NOT_INSTALLED}` });
  const explicitCpu = await startBackend('tensorflow', probes({ tensorflow: tfRuntime('@tensorflow/tfjs-node-gpu', false) }));
  assert.equal(explicitCpu.name, 'tensorflow');
  assert.match(explicitCpu.note ?? '', /^tensorflow: @tensorflow\/tfjs-node-gpu 4\.22\.0 \(TensorFlow 2\.9\.1\): loads but computes on the CPU/);
  assert.deepEqual(await startBackend('wasm', probes({})), { name: 'wasm', run: null, tf: null, note: null });
});

test('remux run: --backend tensorflow is a one-line error when it cannot start; the default (auto) says what it chose, and remux.json records it', { skip: installed.length > 0 ? 'tensorflow is installed here' : false }, async () => {
  const out = `${await tempDir('tf-cli')}/out`;
  const cli = (...args: string[]) => spawnSync(process.execPath, ['dist/src/cli/main.js', 'run', SAMPLE_PARQUET, '--limit', '3', '--size', '32', ...args], { encoding: 'utf8' });
  const failed = cli('--out', out, '--backend', 'tensorflow', '--quiet');
  assert.equal(failed.status, 1);
  assert.equal(failed.stderr, `remux: --backend tensorflow cannot start: ${NOT_INSTALLED}\n`);
  assert.equal(existsSync(out), false, 'no output directory');
  const auto = cli('--out', out);
  assert.equal(auto.status, 0, auto.stderr);
  const line = auto.stderr.split('\n').find((l) => l.startsWith('remux: backend '));
  assert.ok((line ?? '').length <= 160, `one short line: ${line}`);
  assert.match(line ?? '', /^remux: backend (wasm|cpu|webgpu) \(auto; .*not taken: tensorflow: not installed/);
  const { readFile } = await import('node:fs/promises');
  const manifest = JSON.parse(await readFile(`${out}/remux.json`, 'utf8')) as { options: { backend: string } };
  assert.equal(manifest.options.backend, /^remux: backend (\w+)/.exec(line ?? '')?.[1]);
});

test('remux doctor\'s CUDA probe: library names from ldconfig and LD_LIBRARY_PATH, and which tfjs-node-gpu needs are missing', () => {
  const ldconfig = '3 libs found in cache\n\tlibcudart.so.12 (libc6,x86-64) => /usr/lib/libcudart.so.12\n\tlibz.so.1 (libc6,x86-64) => /lib/libz.so.1\n\tlibcudnn.so.8 (libc6,x86-64) => /usr/lib/libcudnn.so.8\n';
  const found = cudaLibraryNames(ldconfig, ['libcublas.so.11', 'libcudnn.so.8', 'libcudart.so.12.1.55', 'README']);
  assert.deepEqual(found, ['libcublas.so.11', 'libcudart.so.12', 'libcudart.so.12.1.55', 'libcudnn.so.8']);
  assert.deepEqual(missingForTensorflow(found), ['libcudart.so.11.0']);
  assert.deepEqual(missingForTensorflow(['libcudart.so.11.0', 'libcudnn.so.8']), []);
});

test('the adapter probe\'s answer: its last stdout line, an adapter or why there is none', () => {
  const report = adapter(false);
  assert.deepEqual(parseProbe(`Warning: something\n${JSON.stringify({ adapter: report })}\n`), { adapter: report });
  assert.deepEqual(parseProbe('{"error": "--backend webgpu cannot start: no WebGPU adapter found"}\n'), { error: '--backend webgpu cannot start: no WebGPU adapter found' });
  assert.deepEqual(parseProbe(''), { error: null });
});
