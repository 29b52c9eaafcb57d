/**
 * The library's types catch what a user's TypeScript should: an op, option or preset name that
 * does not exist. Checked at compile time: `npm run build` fails when a line marked
 * `@ts-expect-error` compiles. The runtime test checks that the typed specs are the valid ones.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OPS } from '../src/augment/ops/index.js';
import { PRESETS } from '../src/augment/presets.js';
import { parsePipeline, type OpName, type OpStepSpec, type PresetName, type RemuxOptions } from '../src/index.js';

const PIPELINE: OpStepSpec[] = [
  { op: 'randomResizedCrop', size: [224, 192], scale: [0.08, 1] },
  { op: 'rotate', degrees: 30, fill: 0 },
  { op: 'randomApply', p: 0.8, ops: [{ op: 'colorJitter', brightness: 0.4, hue: [-0.1, 0.1] }] },
  { op: 'randomErasing', value: 'random' },
];

const REFUSED: OpStepSpec[] = [
  // @ts-expect-error: no op is called resise
  { op: 'resise', size: 256 },
  // @ts-expect-error: resize has no option szie
  { op: 'resize', szie: 256 },
  // @ts-expect-error: horizontalFlip's p is a number
  { op: 'horizontalFlip', p: 'half' },
  // @ts-expect-error: a wrapper's steps are typed too
  { op: 'randomApply', ops: [{ op: 'invertt' }] },
];

const OPTIONS: RemuxOptions[] = [
  { source: 'data', out: 'out', preset: 'imagenet-train' },
  { source: 'data', out: 'out', pipeline: PIPELINE },
  // @ts-expect-error: no preset is called imagenet
  { source: 'data', out: 'out', preset: 'imagenet' },
  // @ts-expect-error: the pipeline's steps are typed
  { source: 'data', out: 'out', pipeline: [{ op: 'centreCrop' }] },
];

// @ts-expect-error: OpName is the registry's names only
const NOT_AN_OP: OpName = 'blur';
// @ts-expect-error: PresetName is the presets' names only
const NOT_A_PRESET: PresetName = 'randAugment';

test('the typed names are the registry\'s, and the specs the types accept are the ones parsePipeline accepts', () => {
  for (const [name, op] of OPS) assert.equal(op.name, name, 'each op is registered under its own name');
  assert.equal(parsePipeline(PIPELINE, { size: 224 }).length, PIPELINE.length);
  assert.deepEqual(Object.keys(PRESETS), ['imagenet-train', 'imagenet-eval', 'randaugment', 'trivialaugment']);
  // The refused ones fail at run time too, for JavaScript callers.
  for (const spec of REFUSED) assert.throws(() => parsePipeline([spec], { size: 224 }), /^UsageError: expected /, JSON.stringify(spec));
  assert.equal(OPTIONS.length, 4);
  assert.equal(OPS.has(NOT_AN_OP), false);
  assert.equal(Object.hasOwn(PRESETS, NOT_A_PRESET), false);
});
