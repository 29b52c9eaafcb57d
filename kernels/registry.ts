/**
 * The pixel program as ONE TensorFlow.js kernel name, `RemuxPixelProgram`: backends that take
 * custom kernels get remux's own implementation registered for it (from the explicit list below);
 * on any other backend (tfjs-node-gpu takes none) `runPixelProgram` falls back to the composite
 * of stock ops. The caller calls one name and the backend decides.
 */
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import type * as tfjs from '@tensorflow/tfjs-core';
import type { Size } from '../src/augment/geometry.js';
import type { Stage } from '../src/augment/stages.js';
import { runStagesComposite } from './composite/runStagesComposite.js';
import { runStages } from './cpu/runStages.js';
import { runPixelProgramWebgpu } from './webgpu/runBatch.js';

type Tf = typeof tfjs;

export const PIXEL_PROGRAM = 'RemuxPixelProgram';

/** The parts of tfjs's cpu backend the reference kernel uses. */
interface CpuBackend {
  readSync(dataId: object): ArrayLike<number>;
  makeTensorInfo(shape: number[], dtype: 'int32', values: Int32Array): tfjs.TensorInfo;
}

/** What a backend runs for `RemuxPixelProgram`: uint8-valued image [h, w, 3] in, int32 [h', w', 3] out. */
interface PixelKernel {
  backendName: string;
  /** `backend` is the registered backend of that name (tfjs passes it untyped). */
  run(backend: tfjs.KernelBackend, image: tfjs.TensorInfo, stages: Stage[]): tfjs.TensorInfo;
}

/**
 * The registrations, explicitly: tfjs's `cpu` backend runs the TypeScript reference kernels
 * (reading its tensor synchronously); `webgpu` queues the WGSL passes (kernels/webgpu).
 */
const KERNELS: PixelKernel[] = [
  {
    backendName: 'cpu',
    run(kernelBackend, image, stages) {
      const backend = kernelBackend as unknown as CpuBackend;
      const [height, width] = image.shape;
      const values = backend.readSync(image.dataId);
      const out = runStages(Uint8Array.from(values), { width, height }, stages);
      return backend.makeTensorInfo([out.size.height, out.size.width, 3], 'int32', Int32Array.from(out.data));
    },
  },
  {
    backendName: 'webgpu',
    run: (backend, image, stages) => runPixelProgramWebgpu(backend as WebGPUBackend, image, stages),
  },
];

/** Registers remux's kernels with this tfjs instance (idempotent). */
export function registerRemuxKernels(tf: Tf): void {
  for (const kernel of KERNELS) {
    if (tf.getKernel(PIXEL_PROGRAM, kernel.backendName)) continue;
    tf.registerKernel({
      kernelName: PIXEL_PROGRAM,
      backendName: kernel.backendName,
      kernelFunc: ({ inputs, backend, attrs }) => kernel.run(backend as tfjs.KernelBackend, inputs.image as tfjs.TensorInfo, (attrs as unknown as { stages: Stage[] }).stages),
    });
  }
}

/** Runs a sample's program on tf's current backend: its registered kernel, else the composite. */
export async function runPixelProgram(tf: Tf, src: Uint8Array, size: Size, stages: readonly Stage[]): Promise<{ data: Uint8Array; size: Size; via: 'kernel' | 'composite' }> {
  if (!tf.getKernel(PIXEL_PROGRAM, tf.getBackend())) return { ...(await runStagesComposite(tf, src, size, stages)), via: 'composite' };
  const image = tf.tensor3d(Int32Array.from(src), [size.height, size.width, 3], 'int32');
  const out = tf.engine().runKernel(PIXEL_PROGRAM, { image }, { stages } as unknown as tfjs.NamedAttrMap) as tfjs.Tensor;
  image.dispose();
  const [height, width] = out.shape;
  const data = Uint8Array.from(await out.data());
  out.dispose();
  return { data, size: { width, height }, via: 'kernel' };
}
