import assert from 'node:assert/strict';
import { test } from 'node:test';
import { multiply, type Mat3 } from '../src/augment/geometry.js';
import { decodeDivisor, defaultPipelineSpec, parsePipeline, pipelineToSpec, planSample } from '../src/augment/pipeline.js';
import { centerCrop } from '../src/augment/ops/centerCrop.js';
import { horizontalFlip } from '../src/augment/ops/horizontalFlip.js';
import { OPS } from '../src/augment/ops/index.js';
import { randomResizedCrop } from '../src/augment/ops/randomResizedCrop.js';
import { MINIMAL_SPECS } from './helpers/opSpecs.js';
import { resize } from '../src/augment/ops/resize.js';
import type { Stage } from '../src/augment/stages.js';
import { SampleRng } from '../src/augment/rng.js';

const defaults = { size: 224 as number | [number, number] };
const apply = (m: Mat3, u: number, v: number) => [m[0] * u + m[1] * v + m[2], m[3] * u + m[4] * v + m[5]];
const warpOf = (stages: Stage[]) => {
  assert.equal(stages[0].type, 'warp');
  return (stages[0] as Extract<Stage, { type: 'warp' }>).matrix;
};

test('every op in the registry has a minimal spec, parses it and round-trips', () => {
  assert.deepEqual(Object.keys(MINIMAL_SPECS).sort(), [...OPS.keys()].sort());
  for (const spec of Object.values(MINIMAL_SPECS)) {
    const steps = parsePipeline([spec], defaults);
    const saved = pipelineToSpec(steps);
    assert.deepEqual(pipelineToSpec(parsePipeline(JSON.parse(JSON.stringify(saved)), { size: 7 })), saved, spec.op);
  }
});

test('validation names the step, the option, what was expected and what was received', () => {
  const cases: Array<[unknown, string]> = [
    [[{ op: 'randomResizedCrop', size: -1 }], 'expected positive integer or [height, width] for pipeline[0] randomResizedCrop.size but received -1'],
    [[{ op: 'horizontalFlip' }, { op: 'horizontalFlip', p: 2 }], 'expected number in [0, 1] for pipeline[1] horizontalFlip.p but received 2'],
    [[{ op: 'randomResizedCrop', scale: [0.9, 0.1] }], 'expected [min, max] with 0.000001 <= min <= max <= 1 for pipeline[0] randomResizedCrop.scale but received [0.9,0.1]'],
    [[{ op: 'resize', size: 256, maxSize: 100 }], 'expected integer greater than size (256) for pipeline[0] resize.maxSize but received 100'],
    [[{ op: 'centerCrop', sise: 3 }], 'expected one of the options size for pipeline[0] centerCrop but received "sise"'],
    [[{ op: 'blurry' }], `expected one of ${[...OPS.keys()].join(', ')} for pipeline[0].op but received "blurry"`],
    [[{ op: 'colorJitter', brightness: -1 }], 'expected number >= 0 or [min, max] for pipeline[0] colorJitter.brightness but received -1'],
    [[{ op: 'colorJitter', hue: [0.2, 0.7] }], 'expected [min, max] with -0.5 <= min <= max <= 0.5 for pipeline[0] colorJitter.hue but received [0.2,0.7]'],
    [[{ op: 'rotate' }], 'expected number in [0, 360] or [min, max] for pipeline[0] rotate.degrees but received undefined'],
    [[{ op: 'rotate', degrees: 10, fill: 300 }], 'expected a level in [0, 255] or [r, g, b] for pipeline[0] rotate.fill but received 300'],
    [[{ op: 'posterize', bits: 9 }], 'expected integer in [1, 8] for pipeline[0] posterize.bits but received 9'],
    [[{ op: 'solarize' }], 'expected number in [0, 255] for pipeline[0] solarize.threshold but received undefined'],
    [[{ op: 'gaussianBlur', kernelSize: 4 }], 'expected odd positive integer or [x, y] of them for pipeline[0] gaussianBlur.kernelSize but received 4'],
    [[{ op: 'randomErasing', scale: [0.5, 0.1] }], 'expected [min, max] with 0 <= min <= max <= 1 for pipeline[0] randomErasing.scale but received [0.5,0.1]'],
    [[{ op: 'randomApply', ops: [{ op: 'invert', p: 3 }] }], 'expected number in [0, 1] for pipeline[0] randomApply.ops[0] invert.p but received 3'],
    [[{ op: 'randomChoice', ops: [{ op: 'invert' }], p: [1, 2] }], 'expected 1 weights >= 0, not all 0 for pipeline[0] randomChoice.p but received [1,2]'],
    [[{ op: 'affine', shear: -2 }], 'expected number >= 0, [min, max] or [xmin, xmax, ymin, ymax] for pipeline[0] affine.shear but received -2'],
    [[{ size: 3 }], 'expected an object with an "op" name for pipeline[0] but received {"size":3}'],
    [{ op: 'resize' }, 'expected a list of steps like [{"op": "randomResizedCrop", "size": 224}] for pipeline but received {"op":"resize"}'],
    [[], 'expected at least one step for pipeline but received []'],
  ];
  for (const [spec, message] of cases) assert.throws(() => parsePipeline(spec, defaults), { message });
});

test('randomResizedCrop boxes stay inside the image, within scale and ratio, and reach both ends', () => {
  const op = randomResizedCrop;
  const options = op.parse({ op: 'randomResizedCrop', size: 224 }, 'x', defaults);
  const input = { width: 640, height: 480 };
  let minArea = 1;
  let maxArea = 0;
  for (let row = 0; row < 3000; row++) {
    const box = op.sample(options, new SampleRng(1, row, 0, 0), input);
    assert.ok(box.left >= 0 && box.top >= 0 && box.left + box.width <= 640 && box.top + box.height <= 480, JSON.stringify(box));
    const area = (box.width * box.height) / (640 * 480);
    const ratio = box.width / box.height;
    minArea = Math.min(minArea, area);
    maxArea = Math.max(maxArea, area);
    // Rounding w and h to whole pixels moves the area and the ratio slightly.
    assert.ok(area >= 0.08 * 0.97 && area <= 1.0001, `area ${area}`);
    assert.ok(ratio >= (3 / 4) * 0.97 && ratio <= (4 / 3) * 1.03, `ratio ${ratio}`);
  }
  assert.ok(minArea < 0.1 && maxArea > 0.8, `${minArea} ${maxArea}`);
});

test('randomResizedCrop falls back to the largest centred crop within the ratio, like torchvision', () => {
  const op = randomResizedCrop;
  // A 1000×10 strip: no crop of ratio ≤ 4/3 with area ≥ 90% fits, so all ten attempts fail.
  const options = op.parse({ op: 'randomResizedCrop', size: 8, scale: [0.9, 1] }, 'x', defaults);
  const box = op.sample(options, new SampleRng(0, 0, 0, 0), { width: 1000, height: 10 });
  assert.deepEqual(box, { top: 0, left: Math.floor((1000 - 13) / 2), height: 10, width: 13 });
});

test('centerCrop offsets follow torchvision (round half to even, padding split floor/ceil)', () => {
  const op = centerCrop;
  const at = (inW: number, inH: number, size: number | [number, number]) => {
    const options = op.parse({ op: 'centerCrop', size }, 'x', defaults);
    const m = op.matrix(options, {}, { width: inW, height: inH });
    return [m[2], m[5]];
  };
  assert.deepEqual(at(5, 5, 2), [2, 2]); // round(1.5) = 2
  assert.deepEqual(at(7, 7, 2), [2, 2]); // round(2.5) = 2
  assert.deepEqual(at(256, 300, 224), [16, 38]);
  assert.deepEqual(at(3, 3, 6), [-1, -1]); // pad 1 left/top, 2 right/bottom
  assert.deepEqual(at(10, 3, [6, 4]), [3, -1]);
});

test('resize follows torchvision size rules', () => {
  const op = resize;
  const size = (spec: object, width: number, height: number) => op.outputSize(op.parse({ op: 'resize', ...spec }, 'x', defaults), { width, height });
  assert.deepEqual(size({ size: 256 }, 640, 480), { width: 341, height: 256 });
  assert.deepEqual(size({ size: 256 }, 480, 640), { width: 256, height: 341 });
  assert.deepEqual(size({ size: [100, 50] }, 640, 480), { width: 50, height: 100 });
  assert.deepEqual(size({ size: 256, maxSize: 300 }, 1000, 100), { width: 300, height: 30 });
});

test('horizontalFlip mirrors pixel centres exactly and flips about half the time', () => {
  const op = horizontalFlip;
  const options = op.parse({ op: 'horizontalFlip' }, 'x', defaults);
  const m = op.matrix(options, { flip: true }, { width: 10, height: 4 });
  assert.deepEqual(apply(m, 0.5, 1.5), [9.5, 1.5]);
  let flips = 0;
  for (let row = 0; row < 1000; row++) if (op.sample(options, new SampleRng(0, row, 0, 1), { width: 1, height: 1 }).flip) flips++;
  assert.ok(flips > 430 && flips < 570, `${flips}`);
});

test('planSample composes ops in order: crop then flip reads the crop mirrored', () => {
  const steps = parsePipeline([{ op: 'centerCrop', size: 4 }, { op: 'horizontalFlip', p: 1 }], defaults);
  const plan = planSample(steps, 0, 0, 0, { width: 10, height: 10 });
  assert.deepEqual(plan.size, { width: 4, height: 4 });
  // Output column 0 is the crop's last column (3..7 → 6.5), flipped.
  assert.deepEqual(apply(warpOf(plan.stages), 0.5, 0.5), [6.5, 3.5]);
  assert.deepEqual(plan.params, [{ op: 'centerCrop' }, { op: 'horizontalFlip', flip: true }]);
  assert.deepEqual(multiply(warpOf(plan.stages), [1, 0, 0, 0, 1, 0, 0, 0, 1]), warpOf(plan.stages));
});

test('planSample depends only on (seed, row, copy), and copies differ', () => {
  const steps = parsePipeline(defaultPipelineSpec(), defaults);
  const input = { width: 800, height: 600 };
  assert.deepEqual(planSample(steps, 3, 10, 1, input), planSample(steps, 3, 10, 1, input));
  assert.notDeepEqual(warpOf(planSample(steps, 3, 10, 1, input).stages), warpOf(planSample(steps, 3, 10, 0, input).stages));
  assert.notDeepEqual(warpOf(planSample(steps, 4, 10, 1, input).stages), warpOf(planSample(steps, 3, 10, 1, input).stages));
});

test('decodeDivisor picks the largest DCT scale that keeps a decoded pixel per output pixel', () => {
  const rrc = parsePipeline(defaultPipelineSpec(), defaults);
  // The smallest crop of a 4000×3000 image at scale 0.08 and ratio 3/4 is ~849×… ≥ 2×224, < 4×224.
  assert.equal(decodeDivisor(rrc, { width: 4000, height: 3000 }), 2);
  assert.equal(decodeDivisor(rrc, { width: 2000, height: 1500 }), 1);
  const resize = parsePipeline([{ op: 'resize', size: 100 }, { op: 'centerCrop', size: 100 }], defaults);
  assert.equal(decodeDivisor(resize, { width: 1600, height: 900 }), 8);
  assert.equal(decodeDivisor(resize, { width: 500, height: 450 }), 4);
  assert.equal(decodeDivisor(resize, { width: 100, height: 100 }), 1);
  // A centre crop needs every pixel: no down-scaling.
  assert.equal(decodeDivisor(parsePipeline([{ op: 'centerCrop', size: 10 }], defaults), { width: 4000, height: 4000 }), 1);
});
