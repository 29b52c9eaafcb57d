import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import YAML from 'yaml';
import { UsageError, messageOf } from '../errors.js';
import { invalid } from '../validate.js';
import { IDENTITY, multiply, type Mat3, type Size } from './geometry.js';
import type { Op, OpDefaults, StepSpec } from './op.js';
import { OPS } from './ops/index.js';
import { SampleRng } from './rng.js';

export interface PipelineStep {
  readonly op: Op;
  readonly options: object;
}

/** One augmented sample: where to read each output pixel, the output size, and what was drawn. */
export interface SamplePlan {
  /** Output → source matrix, in the coordinates of the source image as stored (after EXIF orientation). */
  matrix: Mat3;
  size: Size;
  /** The parameters each op drew, so any output can be replayed. */
  params: Array<{ op: string } & object>;
}

/** The usual training augmentation: `randomResizedCrop(size)` then `horizontalFlip`. */
export function defaultPipelineSpec(): StepSpec[] {
  return [{ op: 'randomResizedCrop' }, { op: 'horizontalFlip' }];
}

/**
 * Validates a pipeline spec (`[{op, ...options}]`) once, naming the step and option at fault:
 * `expected number in [0, 1] for pipeline[1] horizontalFlip.p but received 2`.
 */
export function parsePipeline(spec: unknown, defaults: OpDefaults): PipelineStep[] {
  if (!Array.isArray(spec)) throw invalid('pipeline', 'a list of steps like [{"op": "randomResizedCrop", "size": 224}]', spec);
  if (spec.length === 0) throw invalid('pipeline', 'at least one step', spec);
  return spec.map((raw, i) => {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw) || typeof (raw as StepSpec).op !== 'string') {
      throw invalid(`pipeline[${i}]`, 'an object with an "op" name', raw);
    }
    const step = raw as StepSpec;
    const op = OPS.get(step.op);
    if (!op) throw invalid(`pipeline[${i}].op`, `one of ${[...OPS.keys()].join(', ')}`, step.op);
    return { op, options: op.parse(step, `pipeline[${i}] ${op.name}`, defaults) };
  });
}

/** Reads a pipeline file (`.json`, `.yaml` or `.yml`). */
export async function loadPipelineFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read --pipeline ${path}: ${messageOf(error)}`);
  }
  try {
    return ['.yaml', '.yml'].includes(extname(path).toLowerCase()) ? YAML.parse(text) : JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--pipeline ${path} is not valid ${extname(path) === '.json' ? 'JSON' : 'JSON or YAML'}: ${messageOf(error)}`);
  }
}

/** The spec of a parsed pipeline with every default filled in: load → save → load gives the same. */
export function pipelineToSpec(steps: readonly PipelineStep[]): StepSpec[] {
  return steps.map((s) => ({ op: s.op.name, ...s.options }));
}

/**
 * Draws every op's parameters for one sample and composes the geometry into one matrix.
 * Pure: the same (seed, sourceIndex, copy, input size) always gives the same plan.
 */
export function planSample(steps: readonly PipelineStep[], seed: number, sourceIndex: number, copy: number, input: Size): SamplePlan {
  let matrix: Mat3 = IDENTITY;
  let size = input;
  const params: SamplePlan['params'] = [];
  steps.forEach((step, position) => {
    const rng = new SampleRng(seed, sourceIndex, copy, position);
    const p = step.op.sample(step.options, rng, size);
    // Each op maps its output to its input, so the product maps the final output to the source.
    matrix = multiply(matrix, step.op.matrix(step.options, p, size));
    size = step.op.outputSize(step.options, size);
    params.push({ op: step.op.name, ...p });
  });
  return { matrix, size, params };
}

/**
 * The largest JPEG DCT down-scale (1, 1/2, 1/4 or 1/8, as a divisor) at which every possible
 * sample of the pipeline still has at least one decoded pixel per output pixel on both axes.
 */
export function decodeDivisor(steps: readonly PipelineStep[], input: Size): number {
  let x = 1;
  let y = 1;
  let size = input;
  for (const step of steps) {
    const r = step.op.minPixelRatio(step.options, size);
    x *= r.x;
    y *= r.y;
    size = step.op.outputSize(step.options, size);
  }
  const ratio = Math.min(x, y);
  for (const divisor of [8, 4, 2]) if (ratio >= divisor) return divisor;
  return 1;
}
