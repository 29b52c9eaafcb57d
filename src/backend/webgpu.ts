/**
 * Starts TensorFlow.js's webgpu backend on Dawn (the `webgpu` package: Vulkan, Metal or D3D12),
 * with remux's kernels registered, and says which adapter it got. Nothing here falls back: a
 * machine without an adapter is an error that says why.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import type * as tfjs from '@tensorflow/tfjs-core';
import { registerRemuxKernels } from '../../kernels/registry.js';
import { RemuxError, messageOf } from '../errors.js';

export interface AdapterReport {
  vendor: string;
  architecture: string;
  /** The device name Dawn reports, e.g. `llvmpipe-llvm-15-0-6-256-bits`. */
  name: string;
  description: string;
  isFallbackAdapter: boolean;
  /** A CPU rasteriser (lavapipe/llvmpipe, SwiftShader): correct, but timings mean nothing. */
  software: boolean;
  limits: Record<string, number>;
}

export interface WebgpuRuntime {
  tf: typeof tfjs;
  backend: WebGPUBackend;
  adapter: AdapterReport;
}

const SOFTWARE = /llvmpipe|lavapipe|swiftshader/i;

let started: Promise<WebgpuRuntime> | undefined;

/** The webgpu backend of this process (one per process: tfjs holds one current backend). */
export function startWebgpu(): Promise<WebgpuRuntime> {
  started ??= start();
  return started;
}

const fail = (why: string, cause?: unknown) => new RemuxError('ERR_REMUX_WEBGPU', `--backend webgpu cannot start: ${why}`, { cause });

/** Dawn and its high-performance adapter; no device yet, so nothing keeps the process alive. */
export async function requestAdapter(): Promise<{ gpu: GPU; adapter: GPUAdapter }> {
  let gpu: GPU;
  try {
    const dawn = await import('webgpu');
    Object.assign(globalThis, dawn.globals);
    gpu = dawn.create([]);
  } catch (error) {
    throw fail(`the webgpu package (Dawn) did not load: ${messageOf(error)}`, error);
  }
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw fail('no WebGPU adapter found (Dawn found no Vulkan, Metal or D3D12 device; on Linux without a GPU, Mesa’s lavapipe from mesa-vulkan-drivers 25 or later provides one)');
  return { gpu, adapter };
}

let probed: Promise<AdapterReport> | undefined;

/**
 * The adapter this machine offers, asked in a child process: `--backend auto` must know whether
 * it is a hardware one before choosing, without Dawn printing its driver warnings on our stderr
 * or taking tfjs's one backend in this process. Rejects with the reason when there is none.
 */
export function probeAdapter(): Promise<AdapterReport> {
  probed ??= new Promise((resolve, reject) => {
    execFile(process.execPath, [fileURLToPath(new URL('./adapterProbe.js', import.meta.url))], { encoding: 'utf8', timeout: 60_000 }, (error, stdout) => {
      const answer = parseProbe(stdout);
      if ('adapter' in answer) resolve(answer.adapter);
      else reject(new RemuxError('ERR_REMUX_WEBGPU', answer.error ?? `the adapter probe failed: ${messageOf(error)}`));
    });
  });
  return probed;
}

/** The probe's last stdout line: `{"adapter": …}` or `{"error": "…"}`. */
export function parseProbe(stdout: string): { adapter: AdapterReport } | { error: string | null } {
  try {
    const answer = JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as { adapter?: AdapterReport; error?: string };
    return answer.adapter ? { adapter: answer.adapter } : { error: answer.error ?? null };
  } catch {
    return { error: null };
  }
}

async function start(): Promise<WebgpuRuntime> {
  const { gpu, adapter } = await requestAdapter();
  // tfjs-backend-webgpu registers itself on import only when navigator.gpu exists (Node 20 has
  // no navigator; Node 21+ has one without gpu).
  if (globalThis.navigator) Object.defineProperty(globalThis.navigator, 'gpu', { value: gpu, configurable: true });
  else Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true });
  const tf = await import('@tensorflow/tfjs-core');
  await import('@tensorflow/tfjs-backend-webgpu');
  registerRemuxKernels(tf);
  try {
    if (!(await tf.setBackend('webgpu'))) throw new Error('tfjs could not initialise it');
  } catch (error) {
    throw fail(`the tfjs webgpu backend did not start: ${messageOf(error)}`, error);
  }
  return { tf, backend: tf.backend() as WebGPUBackend, adapter: describeAdapter(adapter) };
}

export function describeAdapter(adapter: GPUAdapter): AdapterReport {
  const info = adapter.info;
  const limits: Record<string, number> = {};
  for (const key in adapter.limits) {
    const value = adapter.limits[key as keyof GPUSupportedLimits];
    if (typeof value === 'number') limits[key] = value;
  }
  const text = `${info.vendor} ${info.device} ${info.description}`;
  // Dawn reports isFallbackAdapter on the info (the spec moved it there from the adapter).
  const isFallbackAdapter = Boolean((info as GPUAdapterInfo & { isFallbackAdapter?: boolean }).isFallbackAdapter);
  return { vendor: info.vendor, architecture: info.architecture, name: info.device, description: info.description, isFallbackAdapter, software: SOFTWARE.test(text) || info.architecture === 'software', limits };
}

/** One line about the adapter, for notes and test output. */
export function adapterLine(a: AdapterReport): string {
  const kind = a.software ? 'software adapter: correct, but timings mean nothing for GPUs' : 'hardware adapter';
  const binding = Math.round(a.limits.maxStorageBufferBindingSize / 2 ** 20);
  return `webgpu adapter: ${a.name || a.description} (vendor ${a.vendor}, architecture ${a.architecture}${a.isFallbackAdapter ? ', fallback adapter' : ''}, storage bindings up to ${binding} MiB; ${kind})`;
}
