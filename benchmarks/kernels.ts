/**
 * Images/s of the kernels alone (no decode, encode or I/O): batches of 256×256
 * photos through a pipeline, by default randomResizedCrop 224 + flip + colorJitter 0.4.
 *   npm run build && node dist/benchmarks/kernels.js [photo dir] [--repeats R] [--preset NAME] [--backend cpu|wasm]
 */
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { runStages, type Kernels } from '../kernels/cpu/runStages.js';
import { choosePipeline, planSample } from '../src/augment/pipeline.js';
import { listFiles } from '../src/source/files.js';
import { isImagePath } from '../src/source/folder.js';
import { machine, median } from './common.js';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { repeats: { type: 'string', default: '5' }, preset: { type: 'string', default: 'imagenet-train' }, backend: { type: 'string', default: 'cpu' } } });
const dir = positionals[0] ?? 'sample/photos';
const files = (await listFiles(dir)).filter(isImagePath);
// 256×256 RGB inputs, whatever the photos' sizes, so the figure is per 256² image.
const images = await Promise.all(files.map(async (f) => new Uint8Array(await sharp(`${dir}/${f}`).resize(256, 256, { fit: 'cover' }).removeAlpha().raw().toBuffer())));
const steps = await choosePipeline({ preset: values.preset, size: 224 });
const size = { width: 256, height: 256 };
console.log(`machine: ${machine()}\npipeline: --preset ${values.preset}, ${images.length} images of 256×256 from ${dir}`);
const rates: number[] = [];
for (let r = 0; r < Number(values.repeats) + 1; r++) {
  const n = 640;
  const started = performance.now();
  for (let i = 0; i < n; i++) runStages(images[i % images.length], size, planSample(steps, 0, i, r, size).stages, values.backend as Kernels);
  const rate = n / ((performance.now() - started) / 1000);
  if (r > 0) rates.push(rate); // the first round warms the JIT
}
console.log(`${values.backend} kernels: ${median(rates).toFixed(0)} images/s median (${Math.min(...rates).toFixed(0)}–${Math.max(...rates).toFixed(0)}), one thread`);
