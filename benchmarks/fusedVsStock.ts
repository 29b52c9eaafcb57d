/**
 * The fused pixel program (remux's kernels) against the same program composed from stock
 * TensorFlow.js ops (kernels/composite), on tfjs's `cpu` and `wasm` backends: 256×256 photos →
 * randomResizedCrop 224 + flip + colorJitter 0.4, images/s on one thread, median of R rounds.
 *   npm run build && node dist/benchmarks/fusedVsStock.js <photo dir> [--repeats R] [--images N]
 */
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { runStagesComposite } from '../kernels/composite/runStagesComposite.js';
import { runStages } from '../kernels/cpu/runStages.js';
import { choosePipeline, planSample } from '../src/augment/pipeline.js';
import { listFiles } from '../src/source/files.js';
import { isImagePath } from '../src/source/folder.js';
import { machine, median } from './common.js';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { repeats: { type: 'string', default: '3' }, images: { type: 'string', default: '64' } } });
const dir = positionals[0] ?? 'sample/photos';
const files = (await listFiles(dir)).filter(isImagePath);
const images = await Promise.all(files.map(async (f) => new Uint8Array(await sharp(`${dir}/${f}`).resize(256, 256, { fit: 'cover' }).removeAlpha().raw().toBuffer())));
const steps = await choosePipeline({ preset: 'imagenet-train', size: 224 });
const size = { width: 256, height: 256 };
const n = Number(values.images);
const plans = Array.from({ length: n }, (_, i) => planSample(steps, 0, i, 0, size).stages);

const tf = await import('@tensorflow/tfjs-core');
await import('@tensorflow/tfjs-backend-cpu');
await import('@tensorflow/tfjs-backend-wasm');
console.log(`machine: ${machine()}\n${n} images of 256×256 from ${dir}, --preset imagenet-train, one thread`);

async function rate(run: (i: number) => Promise<unknown> | unknown): Promise<number[]> {
  await run(0); // warm up
  const rates = [];
  for (let r = 0; r < Number(values.repeats); r++) {
    const started = performance.now();
    for (let i = 0; i < n; i++) await run(i);
    rates.push(n / ((performance.now() - started) / 1000));
  }
  return rates;
}

const rows: Array<[string, number[]]> = [];
rows.push(['fused, TypeScript (--backend cpu)', await rate((i) => runStages(images[i % images.length], size, plans[i], 'cpu'))]);
rows.push(['fused, WASM SIMD (--backend wasm)', await rate((i) => runStages(images[i % images.length], size, plans[i], 'wasm'))]);
for (const backend of ['cpu', 'wasm']) {
  await tf.setBackend(backend);
  rows.push([`stock tfjs ops on tfjs ${backend}`, await rate((i) => runStagesComposite(tf, images[i % images.length], size, plans[i]))]);
}
console.log('\n| implementation | images/s, median (min–max) |\n|---|---|');
for (const [name, r] of rows) console.log(`| ${name} | ${median(r).toFixed(1)} (${Math.min(...r).toFixed(1)}–${Math.max(...r).toFixed(1)}) |`);
