/**
 * The `tensorflow` backend: `@tensorflow/tfjs-node-gpu` (libtensorflow with CUDA), else
 * `@tensorflow/tfjs-node` (libtensorflow on the CPU), both optional peer dependencies loaded with a
 * dynamic import. They take no custom kernels, so batches run the composite passes
 * (kernels/composite), the same function the conformance suites run on tfjs's other backends.
 *
 * The trap it guards against: tfjs-node-gpu 4.22 is libtensorflow 2.9.1 for CUDA 11.2 / cuDNN 8.1;
 * with another CUDA it loads, logs a warning nobody reads and computes on the CPU. Its binding
 * lists TensorFlow's devices when it starts and tells the JS side whether one is a GPU
 * (`NodeJSKernelBackend.isUsingGpuDevice`): that is what decides "computes on the GPU" here.
 */
import { createRequire } from 'node:module';
import type * as tfjs from '@tensorflow/tfjs-core';
import { runBatchComposite } from '../../kernels/composite/runBatchComposite.js';
import { RemuxError, messageOf } from '../errors.js';
import type { DeviceRunner } from './device.js';

/** In the order tried: the CUDA build first. */
export const TENSORFLOW_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;
export type TensorflowPackage = (typeof TENSORFLOW_PACKAGES)[number];

export interface TensorflowReport {
  package: TensorflowPackage;
  version: string;
  /** libtensorflow's own version, as the binding reports it. */
  tensorflow: string | null;
  /** Whether TensorFlow found a GPU device when it started: ops then run on it. */
  gpu: boolean;
}

export interface TensorflowRuntime {
  tf: typeof tfjs;
  report: TensorflowReport;
  /** One ragged batch through the composite passes. */
  run: DeviceRunner;
}

/** How packages are found and loaded; tests pass fakes (neither package installs here). */
export interface PackageLoader {
  /** The installed version, or null when the package is not installed. */
  version(name: string): string | null;
  load(name: string): Promise<unknown>;
}

const require = createRequire(import.meta.url);

export const NODE_LOADER: PackageLoader = {
  version(name) {
    try {
      return (require(`${name}/package.json`) as { version: string }).version;
    } catch {
      return null;
    }
  },
  load: (name) => import(name),
};

/** What tfjs-node's backend object exposes (its class is not exported with types we can import). */
interface NodeBackend {
  isUsingGpuDevice?: boolean;
  binding?: { TF_Version?: string };
}

const fail = (why: string, cause?: unknown) => new RemuxError('ERR_REMUX_TENSORFLOW', `--backend tensorflow cannot start: ${why}`, { cause });

export const NOT_INSTALLED = 'neither @tensorflow/tfjs-node-gpu nor @tensorflow/tfjs-node is installed (optional: npm install @tensorflow/tfjs-node-gpu on a machine with CUDA 11.2 and cuDNN 8.1)';

/** The installed tensorflow packages with their versions, CUDA build first. */
export function installedTensorflow(loader: PackageLoader = NODE_LOADER): Array<{ name: TensorflowPackage; version: string }> {
  return TENSORFLOW_PACKAGES.flatMap((name) => {
    const version = loader.version(name);
    return version ? [{ name, version }] : [];
  });
}

let started: Promise<TensorflowRuntime> | undefined;

/** The tensorflow backend of this process (tfjs holds one current backend per process). */
export function startTensorflow(loader: PackageLoader = NODE_LOADER): Promise<TensorflowRuntime> {
  if (loader !== NODE_LOADER) return start(loader);
  started ??= start(loader);
  return started;
}

async function start(loader: PackageLoader): Promise<TensorflowRuntime> {
  const [first] = installedTensorflow(loader);
  if (!first) throw fail(NOT_INSTALLED);
  let tf: typeof tfjs;
  try {
    const module = (await loader.load(first.name)) as { default?: typeof tfjs } & typeof tfjs;
    // A CommonJS package imported from ESM: its exports may sit under `default`.
    tf = typeof module.backend === 'function' ? module : (module.default as typeof tfjs);
    await tf.ready();
  } catch (error) {
    throw fail(`${first.name} ${first.version} did not load: ${messageOf(error).split('\n')[0]}`, error);
  }
  if (tf.getBackend() !== 'tensorflow') throw fail(`${first.name} ${first.version} loaded but tfjs's current backend is ${tf.getBackend()}, not tensorflow`);
  const backend = tf.backend() as unknown as NodeBackend;
  const report: TensorflowReport = { package: first.name, version: first.version, tensorflow: backend.binding?.TF_Version ?? null, gpu: backend.isUsingGpuDevice === true };
  return { tf, report, run: (samples) => runBatchComposite(tf, samples) };
}

/** Why a loaded tensorflow backend computes on the CPU, or null when it uses a GPU. */
export function cpuReason(report: TensorflowReport): string | null {
  if (report.gpu) return null;
  if (report.package === '@tensorflow/tfjs-node') return 'the CPU build of libtensorflow';
  return 'loads but computes on the CPU: TensorFlow found no GPU device (it needs CUDA 11.2 and cuDNN 8.1; with another CUDA it falls back to the CPU silently)';
}

/** One line about the loaded backend, for notes and `remux doctor`. */
export function tensorflowLine(report: TensorflowReport): string {
  const where = cpuReason(report) ?? 'computes on the GPU';
  return `${report.package} ${report.version}${report.tensorflow ? ` (TensorFlow ${report.tensorflow})` : ''}: ${where}`;
}
