import { availableParallelism, cpus, totalmem } from 'node:os';
import { wasmResampler } from '../../kernels/wasm/resampleWasm.js';
import { cudaLibraries, missingForTensorflow, nvidiaGpus } from '../backend/cuda.js';
import { installedTensorflow, startTensorflow, tensorflowLine } from '../backend/tensorflow.js';
import { adapterLine, probeAdapter } from '../backend/webgpu.js';
import { codecVersions } from '../codec/libraries.js';
import { messageOf, UsageError } from '../errors.js';
import { parseFlags } from './args.js';

export const DOCTOR_HELP = `Usage: remux doctor

Prints Node, cores, codecs, and for each backend whether it can run here (the WebGPU adapter:
name, vendor, architecture, software or not).
`;

/** The adapter limits that decide how remux splits a batch into dispatches. */
const LIMITS = ['maxBufferSize', 'maxStorageBufferBindingSize', 'maxComputeWorkgroupsPerDimension', 'maxComputeInvocationsPerWorkgroup'];

/** The tensorflow backend: installed packages, whether it computes on a GPU, and the CUDA it would see. */
async function tensorflowLines(): Promise<string[]> {
  const cuda = cudaLibraries();
  const missing = missingForTensorflow(cuda);
  const gpus = nvidiaGpus();
  const lines = [
    `              CUDA libraries: ${cuda.length > 0 ? cuda.join(', ') : 'none found'}${missing.length > 0 ? ` (tfjs-node-gpu 4.22 needs ${missing.join(' and ')})` : ''}`,
    `              NVIDIA GPUs: ${gpus.length > 0 ? gpus.join('; ') : 'none (no nvidia-smi, or it lists none)'}`,
  ];
  if (installedTensorflow().length === 0) return [`  tensorflow  not installed (optional: npm install @tensorflow/tfjs-node-gpu, for CUDA 11.2 / cuDNN 8.1)`, ...lines];
  try {
    return [`  tensorflow  ${tensorflowLine((await startTensorflow()).report)}`, ...lines];
  } catch (error) {
    return [`  tensorflow  unavailable: ${messageOf(error).replace(/^--backend tensorflow cannot start: /, '')}`, ...lines];
  }
}

/** One line per backend (more for tensorflow): whether it can run here, and if not, why. */
async function backendLines(): Promise<string[]> {
  const lines = await tensorflowLines();
  try {
    // Asked in a child process, as --backend auto does: Dawn's driver warnings stay off our stderr.
    const adapter = await probeAdapter();
    lines.push(`  webgpu      ${adapterLine(adapter)}`, `              limits: ${LIMITS.map((name) => `${name} ${adapter.limits[name]}`).join(', ')}`);
  } catch (error) {
    lines.push(`  webgpu      unavailable: ${messageOf(error).replace(/^--backend webgpu cannot start: /, '')}`);
  }
  lines.push(`  wasm        ${wasmResampler() ? 'ready (WASM SIMD kernels)' : 'unavailable: the WASM kernels are missing (npm run build) or this Node has no WebAssembly SIMD'}`);
  lines.push('  cpu         ready (TypeScript reference kernels)');
  return lines;
}

/** `remux doctor`: what this machine offers remux. Returns the exit code. */
export async function doctorCommand(argv: string[], version: string): Promise<number> {
  const { values, positionals } = parseFlags(argv, [{ name: 'help', type: 'boolean', help: 'show this help' }], 'doctor');
  if (values.help) {
    process.stdout.write(DOCTOR_HELP);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`remux doctor takes no arguments, but was given ${positionals.join(' ')} (see remux doctor --help)`);
  const codecs = Object.entries(codecVersions()).map(([name, v]) => `${name} ${v ?? 'missing'}`).join(', ');
  const lines = [
    `remux ${version}`,
    `node        ${process.versions.node} (${process.platform}-${process.arch})`,
    `cores       ${availableParallelism()} (${cpus()[0]?.model.trim() ?? 'unknown CPU'}), memory ${Math.round(totalmem() / 2 ** 30)} GiB`,
    `codecs      ${codecs}`,
    'backends, in the order a GPU user would want them:',
    ...(await backendLines()),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}
