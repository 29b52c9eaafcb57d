/**
 * TensorFlow.js for a user's `--augment` function: the GPU backend's own, or on the CPU backends
 * tfjs's own `wasm` backend for `--backend wasm`, its `cpu` backend for `--backend cpu`.
 * tfjs-core's Node build leaves out the chained ops (`t.mul(…)`) that user code expects; the ones
 * whose chained form is `op(this, …args)` are added here, as `@tensorflow/tfjs` would.
 */
import type * as tfjs from '@tensorflow/tfjs-core';
import { RemuxError, messageOf } from '../errors.js';

const CHAINED = ['abs', 'add', 'sub', 'mul', 'div', 'divNoNan', 'pow', 'sqrt', 'square', 'exp', 'log', 'neg', 'round', 'floor', 'ceil', 'sign', 'clipByValue', 'minimum', 'maximum', 'mod', 'reshape', 'slice', 'tile', 'transpose', 'expandDims', 'squeeze', 'cast', 'sum', 'mean', 'max', 'min', 'prod', 'argMax', 'argMin', 'all', 'any', 'cumsum', 'greater', 'greaterEqual', 'less', 'lessEqual', 'equal', 'notEqual', 'logicalAnd', 'logicalOr', 'logicalNot', 'reverse', 'relu', 'sigmoid', 'tanh', 'matMul', 'resizeBilinear', 'resizeNearestNeighbor', 'pad', 'mirrorPad', 'gather', 'stridedSlice', 'split', 'unstack'] as const;

function registerChainedOps(tf: typeof tfjs): void {
  const prototype = tf.Tensor.prototype as unknown as Record<string, unknown>;
  const ops = tf as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const name of CHAINED) {
    if (typeof prototype[name] === 'function' || typeof ops[name] !== 'function') continue;
    prototype[name] = function (this: tfjs.Tensor, ...args: unknown[]) {
      return ops[name](this, ...args);
    };
  }
}

/**
 * tfjs's cpu backend greets Node users with a banner recommending tfjs-node on its first tensor
 * (when `firstUse` is set and the `IS_NODE` flag holds): not our users' concern. Call it once
 * the cpu backend is the current one; on any other backend it does nothing.
 */
export function skipNodeBanner(core: typeof tfjs): void {
  if (core.getBackend() === 'cpu') (core.backend() as unknown as { firstUse: boolean }).firstUse = false;
}

/**
 * The TensorFlow.js a user's function gets: the device's own (`device`, already started by a GPU
 * backend), else tfjs's `cpuBackend` started here; the chained ops are added either way.
 */
export async function startTfjs(cpuBackend: 'cpu' | 'wasm', device: typeof tfjs | null = null): Promise<typeof tfjs> {
  const core = device ?? (await import('@tensorflow/tfjs-core'));
  registerChainedOps(core);
  if (device) return core;
  try {
    await (cpuBackend === 'wasm' ? import('@tensorflow/tfjs-backend-wasm') : import('@tensorflow/tfjs-backend-cpu'));
    if (!(await core.setBackend(cpuBackend))) throw new Error('setBackend returned false');
    skipNodeBanner(core);
  } catch (error) {
    throw new RemuxError('ERR_REMUX_TFJS', `TensorFlow.js ${cpuBackend} backend did not start: ${messageOf(error)}`, { cause: error });
  }
  return core;
}
