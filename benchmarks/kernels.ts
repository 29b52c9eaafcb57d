/**
 * Images/s of the kernels alone (no decode, encode or I/O): batches of 256×256
 * photos through a pipeline, by default randomResizedCrop 224 + flip + colorJitter 0.4. The CPU
 * backends run image by image on one thread; webgpu runs ragged batches of --batch-size, read
 * back included.
 *   npm run build && node dist/benchmarks/kernels.js [photo dir] [--repeats R] [--preset NAME] [--backend cpu|wasm|webgpu] [--batch-size N]
 */
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { runStages, type Kernels } from '../kernels/cpu/runStages.js';
import { runBatch } from '../kernels/webgpu/runBatch.js';
import { choosePipeline, planSample } from '../src/augment/pipeline.js';
import { adapterLine, startWebgpu } from '../src/backend/webgpu.js';
import { listFiles } from '../src/source/files.js';
import { isImagePath } from '../src/source/folder.js';
import { machine, median } from './common.js';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { repeats: { type: 'string', default: '5' }, preset: { type: 'string', default: 'imagenet-train' }, backend: { type: 'string', default: 'cpu' }, 'batch-size': { type: 'string', default: '64' } } });
const dir = positionals[0] ?? 'sample/photos';
const files = (await listFiles(dir)).filter(isImagePath);
// 256×256 RGB inputs, whatever the photos' sizes, so the figure is per 256² image.
const images = await Promise.all(files.map(async (f) => new Uint8Array(await sharp(`${dir}/${f}`).resize(256, 256, { fit: 'cover' }).removeAlpha().raw().toBuffer())));
const steps = await choosePipeline({ preset: values.preset, size: 224 });
const size = { width: 256, height: 256 };
console.log(`machine: ${machine()}\npipeline: --preset ${values.preset}, ${images.length} images of 256×256 from ${dir}`);
const gpu = values.backend === 'webgpu' ? await startWebgpu() : null;
if (gpu) console.log(adapterLine(gpu.adapter));
const batchSize = Number(values['batch-size']);
const rates: number[] = [];
for (let r = 0; r < Number(values.repeats) + 1; r++) {
  const n = 640;
  const samples = Array.from({ length: n }, (_, i) => ({ data: images[i % images.length], size, stages: planSample(steps, 0, i, r, size).stages }));
  const started = performance.now();
  if (gpu) for (let i = 0; i < n; i += batchSize) await runBatch(gpu.backend, samples.slice(i, i + batchSize));
  else for (const s of samples) runStages(s.data, size, s.stages, values.backend as Kernels);
  const rate = n / ((performance.now() - started) / 1000);
  if (r > 0) rates.push(rate); // the first round warms the JIT (and compiles the shaders)
}
const how = gpu ? `batches of ${batchSize}, read back included` : 'one thread';
console.log(`${values.backend} kernels: ${median(rates).toFixed(0)} images/s median (${Math.min(...rates).toFixed(0)}–${Math.max(...rates).toFixed(0)}), ${how}`);
