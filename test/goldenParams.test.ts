/**
 * Seeded golden parameters of every op: what each sampler draws for (seed 7, rows 0–2, copy 1) on a
 * 320×240 image. A change here changes every output anyone has written with that op: if it is
 * intended, regenerate with `REMUX_UPDATE_GOLDEN=1 npm test` and say so in the commit.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { test } from 'node:test';
import { parsePipeline, planSample } from '../src/augment/pipeline.js';
import { MINIMAL_SPECS } from './helpers/opSpecs.js';

const GOLDEN = 'test/golden/params.json';

/** Rounded so that the file does not depend on the last bits of floating point. */
const rounded = (value: unknown): unknown =>
  typeof value === 'number' ? Number(value.toPrecision(10)) : Array.isArray(value) ? value.map(rounded) : value && typeof value === 'object' ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rounded(v)])) : value;

test('every op draws its seeded golden parameters', async () => {
  const actual: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(MINIMAL_SPECS)) {
    const steps = parsePipeline([spec], { size: 64 });
    actual[name] = [0, 1, 2].map((row) => rounded(planSample(steps, 7, row, 1, { width: 320, height: 240 }).params));
  }
  if (process.env.REMUX_UPDATE_GOLDEN) await writeFile(GOLDEN, `${JSON.stringify(actual, null, 1)}\n`);
  const golden = JSON.parse(await readFile(GOLDEN, 'utf8'));
  for (const name of Object.keys(MINIMAL_SPECS)) assert.deepEqual(actual[name], golden[name], name);
});
