import type { BatchImage } from '../../kernels/webgpu/runBatch.js';
import type { BatchSample } from '../../kernels/webgpu/batchLayout.js';

/** A device's passes over one ragged batch (a GPU backend): queued on call, resolved when read back. */
export type DeviceRunner = (samples: BatchSample[]) => Promise<BatchImage[]>;
