/**
 * Which backend runs. An explicit `--backend` starts that one or fails with the reason; `auto`
 * takes the first that works of: tensorflow computing on a GPU, webgpu on a hardware adapter,
 * wasm, cpu, and says in one line which runs and why each one before it was not taken.
 */
import { wasmResampler } from '../../kernels/wasm/resampleWasm.js';
import { runBatch } from '../../kernels/webgpu/runBatch.js';
import type * as tfjs from '@tensorflow/tfjs-core';
import { messageOf } from '../errors.js';
import type { BackendName, ConcreteBackend } from '../options.js';
import type { BusyClock } from '../util/stageTime.js';
import type { DeviceRunner } from './device.js';
import { cpuReason, NOT_INSTALLED, startTensorflow, tensorflowLine, type TensorflowRuntime } from './tensorflow.js';
import { adapterLine, probeAdapter, startWebgpu, type AdapterReport, type WebgpuRuntime } from './webgpu.js';

export interface StartedBackend {
  name: ConcreteBackend;
  /** The batch runner of a batched (GPU) backend; null for the CPU backends, which augment in the workers. */
  run: DeviceRunner | null;
  /** What to tell the user: the adapter or library in use, and for `auto` the choice and why. */
  note: string | null;
  /** TensorFlow.js on the device, for a user's `--augment` function; null for the CPU backends. */
  tf: typeof tfjs | null;
}

/** How each backend is started or asked about; tests pass fakes. */
export interface Probes {
  tensorflow: () => Promise<TensorflowRuntime>;
  /** The adapter, without taking tfjs's backend (auto asks before choosing). */
  adapter: () => Promise<AdapterReport>;
  webgpu: () => Promise<WebgpuRuntime>;
  wasm: () => boolean;
}

export const PROBES: Probes = { tensorflow: () => startTensorflow(), adapter: probeAdapter, webgpu: startWebgpu, wasm: () => wasmResampler() !== null };

const why = (error: unknown) => messageOf(error).replace(/^--backend \w+ cannot start: /, '');
/** A reason's first clause, for the one-line choice of `auto` (`remux doctor` prints the whole of it). */
const brief = (reason: string) => (reason === NOT_INSTALLED ? 'not installed' : reason.split(/ \(|: /)[0]);

/** Starts the requested backend; `auto` resolves to a concrete one. */
export async function startBackend(requested: BackendName, probes: Probes = PROBES): Promise<StartedBackend> {
  if (requested === 'auto') return startAuto(probes);
  if (requested === 'tensorflow') {
    const tf = await probes.tensorflow();
    return { name: 'tensorflow', run: tf.run, tf: tf.tf, note: `tensorflow: ${tensorflowLine(tf.report)}` };
  }
  if (requested === 'webgpu') return webgpuBackend(await probes.webgpu());
  return { name: requested, run: null, tf: null, note: null };
}

function webgpuBackend(gpu: WebgpuRuntime): StartedBackend {
  return { name: 'webgpu', run: (samples) => runBatch(gpu.backend, samples), tf: gpu.tf, note: adapterLine(gpu.adapter) };
}

async function startAuto(probes: Probes): Promise<StartedBackend> {
  const skipped: string[] = [];
  try {
    const tf = await probes.tensorflow();
    const reason = cpuReason(tf.report);
    if (!reason) return { name: 'tensorflow', run: tf.run, tf: tf.tf, note: autoLine('tensorflow', skipped, `${tf.report.package} ${tf.report.version} on the GPU`) };
    skipped.push(`tensorflow: ${tf.report.package} computes on the CPU`);
  } catch (error) {
    skipped.push(`tensorflow: ${brief(why(error))}`);
  }
  try {
    const adapter = await probes.adapter();
    if (!adapter.software) return { ...webgpuBackend(await probes.webgpu()), note: autoLine('webgpu', skipped, adapter.name || adapter.description) };
    skipped.push('webgpu: software adapter, slower than wasm');
  } catch (error) {
    skipped.push(`webgpu: ${brief(why(error))}`);
  }
  if (probes.wasm()) return { name: 'wasm', run: null, tf: null, note: autoLine('wasm', skipped, null) };
  skipped.push('wasm: kernels missing or no WebAssembly SIMD');
  return { name: 'cpu', run: null, tf: null, note: autoLine('cpu', skipped, null) };
}

/**
 * One short line: `backend wasm (auto; not taken: tensorflow: not installed, webgpu: software
 * adapter, slower than wasm; remux doctor says why)`, with what the chosen one runs on.
 */
export function autoLine(chosen: ConcreteBackend, skipped: readonly string[], detail: string | null): string {
  const parts = [detail, skipped.length > 0 ? `not taken: ${skipped.join(', ')}; remux doctor says why` : null].filter((p) => p !== null);
  return `backend ${chosen} (auto${parts.length > 0 ? `; ${parts.join('; ')}` : ''})`;
}

/** The runner, timed on `clock` (overlapping batches counted once) with the pixel bytes it read and wrote. */
export function meteredRunner(run: DeviceRunner, clock: BusyClock): DeviceRunner {
  return (samples) =>
    clock.time(async () => {
      const images = await run(samples);
      for (const s of samples) clock.bytes += s.data.length;
      for (const image of images) clock.bytes += image.data.length;
      return images;
    });
}
