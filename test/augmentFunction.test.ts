import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdir, writeFile } from 'node:fs/promises';
import { test } from 'node:test';
import { remux, type OpStepSpec, type RemuxOptions } from '../src/index.js';
import { GAMMA_RANGE } from '../examples/randomGamma.js';
import { SIDE_RANGE } from '../examples/cutout.js';
import { MILD, RARE_CLASSES, STRONG } from '../examples/rareClassBoost.js';
import { digest, imageBytes, readOutput, tempDir } from './helpers/output.js';
import { SAMPLE_CLASSES, SAMPLE_PARQUET } from './helpers/samplePhotos.js';

const SIZE = 40;
const base: RemuxOptions = { source: SAMPLE_PARQUET, out: '', size: SIZE, copies: 2, format: 'raw', workers: 2 };
/** What `--augment` runs first when no pipeline is given: the images sized, nothing random. */
const SIZE_ONLY: OpStepSpec[] = [{ op: 'resize', size: SIZE }, { op: 'centerCrop', size: [SIZE, SIZE] }];

async function rows(options: Partial<RemuxOptions>) {
  const out = await tempDir('user-fn');
  await remux({ ...base, ...options, out });
  return (await readOutput(out)).rows;
}

/** Per image: the pixels the pipeline alone gives, and those after the user's function. */
async function beforeAndAfter(augment: string, limit?: number) {
  const plain = await rows({ pipeline: SIZE_ONLY, limit });
  const augmented = await rows({ augment, limit });
  assert.equal(augmented.length, plain.length);
  return plain.map((row, i) => ({ row, before: imageBytes(row), after: imageBytes(augmented[i]), label: Number(row.label) }));
}

const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];

test('examples/randomGamma.ts (TypeScript, no build step): each image gets its own gamma curve, reproducibly', async () => {
  const gammas: number[] = [];
  for (const { before, after } of await beforeAndAfter('examples/randomGamma.ts', 10)) {
    const estimates: number[] = [];
    for (let p = 0; p < before.length; p++) if (before[p] > 40 && before[p] < 215 && after[p] > 5) estimates.push(Math.log(after[p] / 255) / Math.log(before[p] / 255));
    const gamma = median(estimates);
    assert.ok(gamma >= GAMMA_RANGE[0] - 0.02 && gamma < GAMMA_RANGE[1] + 0.02, `gamma ${gamma}`);
    for (let p = 0; p < before.length; p++) assert.ok(Math.abs(after[p] - 255 * (before[p] / 255) ** gamma) <= 2.5, `pixel ${p}: ${before[p]} → ${after[p]} with gamma ${gamma}`);
    gammas.push(gamma);
  }
  assert.ok(new Set(gammas.map((g) => g.toFixed(2))).size >= gammas.length * 0.6, `images have their own gammas: ${gammas.map((g) => g.toFixed(2)).join(' ')}`);
  // Same bytes whatever the batch size or worker count: the draws are per sample.
  const a = digest(await rows({ augment: 'examples/randomGamma.ts', limit: 10, batchSize: 64 }));
  const b = digest(await rows({ augment: 'examples/randomGamma.ts', limit: 10, batchSize: 3, workers: 1 }));
  assert.deepEqual(a, b);
});

test('examples/cutout.ts: one black rectangle per image, 10–40 % of a side, its size and place drawn per image', async () => {
  const boxes: string[] = [];
  for (const { before, after } of await beforeAndAfter('examples/cutout.ts', 10)) {
    let [top, left, bottom, right] = [SIZE, SIZE, -1, -1];
    for (let p = 0; p < SIZE * SIZE; p++) {
      const changed = [0, 1, 2].some((c) => after[p * 3 + c] !== before[p * 3 + c]);
      if (!changed) continue;
      const [y, x] = [Math.floor(p / SIZE), p % SIZE];
      [top, left, bottom, right] = [Math.min(top, y), Math.min(left, x), Math.max(bottom, y), Math.max(right, x)];
    }
    assert.ok(bottom >= 0, 'something was cut out');
    for (let y = top; y <= bottom; y++) for (let x = left; x <= right; x++) for (let c = 0; c < 3; c++) assert.equal(after[(y * SIZE + x) * 3 + c], 0, `(${y}, ${x}) inside the box is black`);
    const [h, w] = [bottom - top + 1, right - left + 1];
    // A box that runs off the edge is clipped, so only its upper bound holds everywhere.
    assert.ok(h <= Math.round(SIDE_RANGE[1] * SIZE) + 1 && w <= Math.round(SIDE_RANGE[1] * SIZE) + 1, `box ${h}×${w}`);
    boxes.push(`${top},${left},${h},${w}`);
  }
  assert.ok(new Set(boxes).size >= boxes.length - 1, 'each image has its own box');
});

test('examples/rareClassBoost.ts: images of the rare class get a strong brightness change, the others a mild one', async () => {
  const factors: Record<string, number[]> = {};
  for (const { before, after, label } of await beforeAndAfter('examples/rareClassBoost.ts')) {
    const ratios: number[] = [];
    for (let p = 0; p < before.length; p++) if (before[p] > 30 && before[p] < 160) ratios.push(after[p] / before[p]);
    (factors[SAMPLE_CLASSES[label]] ??= []).push(median(ratios));
  }
  for (const [name, list] of Object.entries(factors)) {
    const [low, high] = RARE_CLASSES.includes(name) ? STRONG : MILD;
    for (const f of list) assert.ok(f >= low - 0.03 && f <= high + 0.03, `${name}: factor ${f}`);
  }
  const rare = RARE_CLASSES.flatMap((name) => factors[name] ?? []);
  assert.ok(rare.some((f) => f < MILD[0] - 0.05 || f > MILD[1] + 0.05), `a rare image changed more than a mild change can: ${rare.join(', ')}`);
});

async function userModule(source: string): Promise<string> {
  const dir = await tempDir('user-mod');
  await writeFile(`${dir}/augment.mjs`, source);
  return `${dir}/augment.mjs`;
}

test('a function may return new labels; they are checked against the ClassLabel names', async () => {
  const shift = await userModule('export default (batch, ctx) => ({ images: batch, labels: ctx.labels.map((l) => (l + 1) % 3) });');
  const plain = await rows({ pipeline: SIZE_ONLY, limit: 6 });
  const shifted = await rows({ augment: shift, limit: 6 });
  assert.deepEqual(shifted.map((r) => Number(r.label)), plain.map((r) => (Number(r.label) + 1) % 3));
  assert.deepEqual(shifted.map(imageBytes), plain.map(imageBytes), 'the images pass through unchanged');
});

test('a function that throws, returns the wrong shape or dtype, bad labels, or leaks tensors stops the run before any shard, naming the module', async () => {
  const cases: Array<[string, RegExp]> = [
    ['export default () => { throw new Error("boom"); };', /the function threw: boom$/],
    ['export default (batch) => batch.slice([0, 0, 0, 0], [1, -1, -1, -1]);', /expected a tensor \[\d+, height, width, 3\] \(or \{ images, labels \}\) but the function returned shape \[1, 40, 40, 3\]$/],
    ['export default (batch) => batch.mean(3);', /but the function returned shape \[\d+, 40, 40\]$/],
    ['export default (batch) => batch.greater(100);', /expected float32 or int32 images but the function returned bool$/],
    ['export default (batch, ctx) => ({ images: batch, labels: ctx.labels.map(() => 7) });', /expected integer labels in \[0, 3\) but label 0 is 7$/],
    ['export default (batch, ctx) => { ctx.tf.keep(batch.add(1)); return batch; };', /the function leaks 1 tensor\(s\) per batch/],
    ['export default (batch) => 42;', /expected the function to return a tensor \[n, height, width, 3\] or \{ images, labels \} but it returned a number$/],
  ];
  for (const [source, message] of cases) {
    const module = await userModule(source);
    const out = await tempDir('user-bad');
    await assert.rejects(remux({ ...base, out, limit: 4, augment: module }), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'ERR_REMUX_AUGMENT', error.message);
      assert.ok(error.message.startsWith(`--augment ${module}: `), error.message);
      assert.match(error.message, message);
      return true;
    }, source);
    assert.deepEqual((await readdir(`${out}/data`)).filter((f) => f.endsWith('.parquet')), [], 'nothing committed');
  }
});

test('--augment on the command line: a missing file, a module without a default export, a syntax error are one-line usage errors', async () => {
  const cli = (augment: string) => spawnSync(process.execPath, ['dist/src/cli/main.js', 'run', SAMPLE_PARQUET, '--out', `${augment}.out`, '--augment', augment], { encoding: 'utf8' });
  const noDefault = await userModule('export const augment = (b) => b;');
  const broken = await userModule('export default (b) => { return b;;; ) };');
  assert.equal(cli('no/such/augment.ts').stderr, 'remux: --augment no/such/augment.ts: no such file (expected a .ts, .mts, .js or .mjs module whose default export is the function)\n');
  assert.equal(cli(noDefault).stderr, `remux: --augment ${noDefault}: expected a default export (batch, ctx) => batch but the module's default export is missing\n`);
  const syntax = cli(broken);
  assert.equal(syntax.status, 2);
  assert.match(syntax.stderr, new RegExp(`^remux: --augment ${broken}: the module did not load: .*\\n$`));
});
