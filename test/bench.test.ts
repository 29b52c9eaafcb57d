/**
 * `remux bench` on a few sample rows: the structure of bench.json, that every backend ran the same
 * rows, that the SVG is well-formed XML with one bar per measured item and that the markdown lists
 * them. No timing assertions: the machines are shared.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import type { BenchResult } from '../src/bench/bench.js';
import { bars, describeSources } from '../src/bench/report.js';
import { STAGES } from '../src/util/stageTime.js';
import { tempDir } from './helpers/output.js';
import { SAMPLE_PARQUET } from './helpers/samplePhotos.js';

const webgpu = process.env.REMUX_REQUIRE_WEBGPU === '1';

/** Tags open and close in order (a small well-formedness check: no XML parser among the dependencies). */
function assertWellFormed(xml: string): void {
  const stack: string[] = [];
  for (const [, closing, name, selfClosing] of xml.matchAll(/<(\/?)([a-zA-Z][\w:-]*)[^>]*?(\/?)>/g)) {
    if (selfClosing) continue;
    if (closing) assert.equal(stack.pop(), name, `</${name}> closes what it did not open`);
    else stack.push(name);
  }
  assert.deepEqual(stack, [], 'every element is closed');
  assert.doesNotMatch(xml.replace(/<[^>]*>/g, ''), /[<>]|&(?!amp;|lt;|gt;|quot;)/, 'text is escaped');
}

test('remux bench: bench.json with every figure for each backend on the same rows, a markdown table and an SVG with one bar per item', async () => {
  const out = await tempDir('bench');
  const backends = webgpu ? 'cpu,wasm,webgpu,tensorflow' : 'cpu,wasm,tensorflow';
  const run = spawnSync(process.execPath, ['dist/src/cli/main.js', 'bench', SAMPLE_PARQUET, '--out', out, '--limit', '6', '--size', '64', '--workers', '2', '--backends', backends, '--batch-sizes', '4,8', '--composite-images', '2'], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  const result = JSON.parse(await readFile(`${out}/bench.json`, 'utf8')) as BenchResult;

  const expected = ['cpu', 'identity, cpu', 'wasm', 'identity, wasm', ...(webgpu ? ['webgpu, batch 4', 'webgpu, batch 8', 'identity, webgpu, batch 8'] : [])];
  assert.deepEqual(result.runs.map((r) => r.name), expected);
  // tensorflow does not install here: listed with the reason, not measured.
  assert.match(result.skipped.find((s) => s.name === 'tensorflow')?.reason ?? '', /^--backend tensorflow cannot start: neither @tensorflow\/tfjs-node-gpu nor @tensorflow\/tfjs-node is installed/);
  assert.equal(result.floor.images, 6);
  assert.ok(result.floor.codecMsPerImage > 0 && result.floor.imagesPerSecond > 0);
  // The floor runs the identity runs' worker path: their pipeline (so their decode scale), and its
  // ratio is CPU over CPU, so that it is the floor of the identity runs by construction.
  for (const r of result.runs.filter((run) => run.kind === 'identity')) {
    const manifest = JSON.parse(await readFile(`${out}/runs/${r.name.replace(/[^a-z0-9]+/g, '-')}/remux.json`, 'utf8')) as { pipeline: unknown };
    assert.deepEqual(result.floor.pipeline, manifest.pipeline, `${r.name}: the floor's pipeline`);
  }
  for (const r of result.runs) assert.equal(r.cpuRatioToCodecFloor, r.cpuSecondsPer1000 / result.floor.cpuSecondsPer1000, r.name);
  assert.doesNotMatch(run.stderr, /install our node backend/, "tfjs's banner for tfjs-node is not printed");
  for (const r of result.runs) {
    assert.deepEqual([r.rowsIn, r.rowsOut, r.skipped], [6, 6, 0], `${r.name}: the same rows`);
    for (const stage of STAGES) assert.ok(r.stages[stage].seconds > 0 && (r.stages[stage].imagesPerSecond ?? 0) > 0, `${r.name}: ${stage}`);
    for (const key of ['imagesPerSecond', 'cpuSecondsPer1000', 'augmentShareOfWall', 'cpuRatioToCodecFloor', 'wallSeconds'] as const) assert.ok(Number.isFinite(r[key]) && r[key] > 0, `${r.name}: ${key}`);
    assert.equal(r.batchSize === null, r.backend !== 'webgpu');
    assert.equal(r.augmentGBps === null, r.backend !== 'webgpu', `${r.name}: augment GB/s on batched backends only`);
  }
  if (webgpu) assert.match(result.runs.find((r) => r.backend === 'webgpu')?.note ?? '', /^webgpu adapter: /);
  assert.equal(result.machine.gpuCopyGBps === null, !webgpu);
  assert.deepEqual(result.composite.map((c) => c.tfBackend), ['cpu', 'wasm', ...(webgpu ? ['webgpu'] : [])]);
  for (const c of result.composite) assert.ok(c.images === 2 && c.imagesPerSecond > 0, c.name);
  assert.equal(result.target.cpuRatioToCodecFloor, 1.25);
  assert.match(result.date, /^\d{4}-\d\d-\d\dT/);
  assert.equal(result.machine.node, process.versions.node);

  const svg = await readFile(`${out}/bench.svg`, 'utf8');
  assertWellFormed(svg);
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  const items = bars(result);
  assert.equal(items.length, 1 + result.runs.length + result.composite.length);
  assert.equal([...svg.matchAll(/<rect class="bar"/g)].length, items.length);
  for (const item of items) assert.ok(svg.includes(`<title>${item.name}: `), item.name);

  const markdown = await readFile(`${out}/bench.md`, 'utf8');
  assert.equal(run.stdout.startsWith(markdown), true, 'the table is printed too');
  for (const r of result.runs) assert.match(markdown, new RegExp(`^\\| ${r.name} \\| [\\d.]+ \\|`, 'm'));
  for (const c of result.composite) assert.match(markdown, new RegExp(`^\\| ${c.tfBackend} \\| 2 \\| [\\d.]+ \\|$`, 'm'));
  assert.match(markdown, /^Codec floor \(decode \+ encode alone/m);
  assert.match(markdown, new RegExp(`^Source: ${SAMPLE_PARQUET}, 6 images \\(--limit 6\\)`, 'm'));
  assert.equal(describeSources(['a.parquet', 'b.parquet', 'a.parquet']), 'a.parquet ×2, b.parquet');
  assert.match(markdown, /^- tensorflow: --backend tensorflow cannot start/m);
});

test('remux bench: bad flags are one line naming the flag', () => {
  const cli = (...args: string[]) => spawnSync(process.execPath, ['dist/src/cli/main.js', 'bench', ...args], { encoding: 'utf8' });
  const cases: Array<[string[], string]> = [
    [[SAMPLE_PARQUET, '--out', 'x', '--backends', 'cpu,gpu'], 'remux: expected one of cpu, wasm, webgpu, tensorflow for --backends but received "gpu"\n'],
    [[SAMPLE_PARQUET, '--out', 'x', '--batch-sizes', '32,0'], 'remux: expected positive integer for --batch-sizes but received 0\n'],
    [[SAMPLE_PARQUET, '--out', 'x', '--backend', 'cpu'], "remux: Unknown option '--backend'. See remux bench --help\n"],
    [[SAMPLE_PARQUET], 'remux: missing --out: the directory for bench.json, bench.md, bench.svg and the runs\n'],
  ];
  for (const [args, stderr] of cases) {
    const result = cli(...args);
    assert.equal(result.stderr, stderr, args.join(' '));
    assert.equal(result.status, 2, args.join(' '));
  }
  assert.match(cli('--help').stdout, /--backends A,B +backends to measure/);
});
