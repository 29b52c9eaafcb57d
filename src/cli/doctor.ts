import { createRequire } from 'node:module';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { wasmResampler } from '../../kernels/wasm/resampleWasm.js';
import { adapterLine, startWebgpu } from '../backend/webgpu.js';
import { codecVersions } from '../codec/libraries.js';
import { messageOf } from '../errors.js';

const require = createRequire(import.meta.url);

/** The installed version of an optional package, or null. */
function installedVersion(name: string): string | null {
  try {
    return (require(`${name}/package.json`) as { version: string }).version;
  } catch {
    return null;
  }
}

/** One line per backend: whether it can run here, and if not, why. */
async function backendLines(): Promise<string[]> {
  const tensorflow = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'].map((name) => [name, installedVersion(name)] as const).filter(([, v]) => v);
  const lines = [
    `  tensorflow  ${tensorflow.length > 0 ? `installed: ${tensorflow.map(([n, v]) => `${n} ${v}`).join(', ')} (not used by this version yet)` : 'not installed (optional: npm install @tensorflow/tfjs-node-gpu, for CUDA 11.2 / cuDNN 8.1)'}`,
  ];
  try {
    lines.push(`  webgpu      ${adapterLine((await startWebgpu()).adapter)}`);
  } catch (error) {
    lines.push(`  webgpu      unavailable: ${messageOf(error).replace(/^--backend webgpu cannot start: /, '')}`);
  }
  lines.push(`  wasm        ${wasmResampler() ? 'ready (WASM SIMD kernels)' : 'unavailable: the WASM kernels are missing (npm run build) or this Node has no WebAssembly SIMD'}`);
  lines.push('  cpu         ready (TypeScript reference kernels)');
  return lines;
}

/** `remux doctor`: what this machine offers remux. Returns the exit code. */
export async function doctorCommand(version: string): Promise<number> {
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
