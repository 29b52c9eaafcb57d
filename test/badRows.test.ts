/**
 * One bad image never takes a run down: whatever fails while one row is decoded, augmented or
 * encoded is that row's recorded skip, with its own reason, on every backend path.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { test } from 'node:test';
import sharp from 'sharp';
import type { OpStepSpec } from '../src/index.js';
import { startWebgpu } from '../src/backend/webgpu.js';
import { remux, type RemuxOptions } from '../src/index.js';
import { claimPngSize } from './helpers/badImages.js';
import { writeHfParquet } from './helpers/hfParquet.js';
import { readOutput, tempDir } from './helpers/output.js';

const CLI = 'dist/src/cli/main.js';

async function noise(width: number, height: number, format: 'jpeg' | 'png'): Promise<Uint8Array> {
  const image = sharp({ create: { width, height, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 128, sigma: 40 } } });
  return new Uint8Array(await image[format]().toBuffer());
}

async function errorsOf(out: string): Promise<Array<{ source_index: number; reason: string }>> {
  const text = await readFile(`${out}/errors.jsonl`, 'utf8').catch(() => '');
  return text.trim().split('\n').filter(Boolean).map((line) => JSON.parse(line));
}

/** The batched paths: WebGPU when this machine has an adapter, and a user's function (tfjs on the CPU) always. */
const identity: RemuxOptions['augment'] = (batch) => batch;
const webgpu = await startWebgpu().then(
  () => true,
  () => false,
);
const PATHS: Array<[string, Partial<RemuxOptions>]> = [
  ['wasm', { backend: 'wasm' }],
  ['cpu', { backend: 'cpu' }],
  ['batched (--augment)', { backend: 'wasm', augment: identity }],
  ...(webgpu ? [['webgpu', { backend: 'webgpu' }] as [string, Partial<RemuxOptions>]] : []),
];

test('slivers (5000×1, 1×5000) and a 1×1 image under resize, randomResizedCrop and rotate: the run completes, the others are intact, a skip says why', async () => {
  const dir = await tempDir('slivers');
  const kinds = ['good jpeg', '5000×1 jpeg', '1×5000 png', '1×1 jpeg', '5000×1 png', 'good png'];
  const images = [await noise(40, 30, 'jpeg'), await noise(5000, 1, 'jpeg'), await noise(1, 5000, 'png'), await noise(1, 1, 'jpeg'), await noise(5000, 1, 'png'), await noise(30, 40, 'png')];
  await writeHfParquet(`${dir}/slivers.parquet`, images.map((bytes) => ({ bytes })));
  const slivers = [1, 2, 4];
  // The shorter side to 224 makes a 1120000×224 copy, over --max-pixels; to 32, a 160000×32 one, under it but wider than a JPEG can be.
  const pipelines: Array<[string, OpStepSpec[], RegExp | null]> = [
    ['resize 224', [{ op: 'resize', size: 224 }], /^copy 0 needs a (1120000×224|224×1120000) image = 250880000 pixels, above --max-pixels 89478485$/],
    ['resize 32', [{ op: 'resize', size: 32 }], /^a (160000×32|32×160000) copy is too large for --format jpeg \(at most 65500 pixels a side\)$/],
    ['randomResizedCrop', [{ op: 'randomResizedCrop', size: 32 }], null],
    ['rotate', [{ op: 'rotate', degrees: 30 }], null],
    // The crop after a colour op is a second warp: the first one's 1120000×224 image is refused.
    ['resize 224, colorJitter, centerCrop', [{ op: 'resize', size: 224 }, { op: 'colorJitter', brightness: 0.2 }, { op: 'centerCrop', size: 32 }], /^copy 0 needs a (1120000×224|224×1120000) image = 250880000 pixels/],
  ];
  for (const [path, backend] of PATHS) {
    // A user's function takes a batch of one size: only the pipelines that end at one.
    const fixedSize = (name: string) => !backend.augment || /randomResizedCrop|centerCrop/.test(name);
    for (const [name, pipeline, reason] of pipelines.filter(([name]) => fixedSize(name))) {
      const what = `${path}, ${name}`;
      const out = await tempDir('slivers-out');
      const summary = await remux({ source: `${dir}/slivers.parquet`, out, workers: 2, size: 32, pipeline, ...backend });
      const kept = kinds.map((_, i) => i).filter((i) => !reason || !slivers.includes(i));
      assert.deepEqual([summary.rowsIn, summary.rowsOut], [kinds.length, kept.length], what);
      assert.deepEqual((await readOutput(out)).rows.map((r) => Number(r.source_index)), kept, what);
      const errors = await errorsOf(out);
      assert.deepEqual(errors.map((e) => e.source_index), reason ? slivers : [], what);
      for (const e of errors) assert.match(e.reason, reason!, `${what}: ${kinds[e.source_index]}`);
    }
  }
});

test('the CLI: a sliver under resize is a recorded skip (exit 0), --resume over it finishes, --on-error fail names its row and reason in one line', async () => {
  const dir = await tempDir('sliver-cli');
  await writeHfParquet(`${dir}/train.parquet`, [{ bytes: await noise(40, 30, 'jpeg') }, { bytes: await noise(5000, 1, 'jpeg') }, { bytes: await noise(40, 30, 'jpeg') }]);
  await writeFile(`${dir}/resize.json`, JSON.stringify([{ op: 'resize', size: 224 }]));
  const run = (out: string, extra: string[]) => spawnSync(process.execPath, [CLI, 'run', `${dir}/train.parquet`, '--out', out, '--pipeline', `${dir}/resize.json`, '--backend', 'wasm', '--quiet', ...extra], { encoding: 'utf8' });
  const out = await tempDir('sliver-cli-out');
  const skipped = run(out, []);
  assert.equal(skipped.status, 0, skipped.stderr);
  assert.deepEqual((await errorsOf(out)).map((e) => [e.source_index, e.reason]), [[1, 'copy 0 needs a 1120000×224 image = 250880000 pixels, above --max-pixels 89478485']]);
  const resumed = run(out, ['--resume']);
  assert.equal(resumed.status, 0, resumed.stderr);
  const failed = run(await tempDir('sliver-cli-fail'), ['--on-error', 'fail']);
  assert.equal(failed.status, 1);
  assert.match(failed.stderr, /^remux: source .*train\.parquet row 1: copy 0 needs a 1120000×224 image = 250880000 pixels, above --max-pixels 89478485 \(--on-error fail\)\n$/);
});

test('many bad rows of different kinds in flight at once on several workers: each skip reason is its own row’s', async () => {
  const photo = await noise(640, 480, 'jpeg');
  const png = await noise(64, 48, 'png');
  const badCrc = png.slice();
  badCrc[40] ^= 0xff; // inside the IDAT chunk
  const bad: Record<string, [Uint8Array, RegExp]> = {
    truncated: [photo.subarray(0, photo.length >> 1), /premature end of JPEG/],
    garbage: [new Uint8Array(2000).map((_, i) => (i * 7919 + 13) & 255), /^not an image \(unsupported or unknown format\)$/],
    'bad CRC': [badCrc, /^Input buffer has corrupt header/],
    'over --max-pixels': [claimPngSize(png, 20000, 20000), /more than --max-pixels 89478485/],
    sliver: [await noise(5000, 1, 'png'), /^copy 0 needs a 1120000×224 image = 250880000 pixels, above --max-pixels 89478485$/],
  };
  const good = await noise(64, 48, 'jpeg');
  const kinds = Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? 'good' : Object.keys(bad)[(i >> 1) % 5]));
  const dir = await tempDir('mixed');
  await writeHfParquet(`${dir}/mixed.parquet`, kinds.map((kind) => ({ bytes: kind === 'good' ? good : bad[kind][0] })));
  for (const [path, backend] of PATHS.filter(([name]) => name !== 'cpu')) {
    const out = await tempDir('mixed-out');
    const summary = await remux({ source: `${dir}/mixed.parquet`, out, workers: 4, size: 32, pipeline: [{ op: 'resize', size: 224 }], ...backend });
    assert.equal(summary.skipped, 100, path);
    const errors = await errorsOf(out);
    assert.deepEqual(errors.map((e) => e.source_index), kinds.flatMap((kind, i) => (kind === 'good' ? [] : [i])), path);
    for (const e of errors) assert.match(e.reason, bad[kinds[e.source_index]][1], `${path}: row ${e.source_index} (${kinds[e.source_index]})`);
  }
});
