import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { UsageError, messageOf } from '../errors.js';
import { invalid } from '../validate.js';
import type { Placement } from '../codec/jpegWindow.js';
import { IDENTITY, multiply, scaleTranslate, type Mat3, type Size } from './geometry.js';
import type { OpDefaults, ParsedStep, PixelRatio, StepSpec } from './op.js';
import type { Rgb, Stage } from './stages.js';
import { OPS } from './ops/index.js';
import { isPresetName, PRESETS } from './presets.js';
import { SampleRng } from './rng.js';

export type PipelineStep = ParsedStep;

/** One augmented sample: its pixel program, its output size, and what was drawn. */
export interface SamplePlan {
  /**
   * What the kernels run, in order. The first stage is always a warp that reads the source image
   * as stored (after EXIF orientation); its matrix maps output pixels to source pixels.
   */
  stages: Stage[];
  size: Size;
  /** The parameters each op drew, in the order the ops ran, so any output can be replayed. */
  params: Array<{ op: string } & Record<string, unknown>>;
}

/** The usual training augmentation: `randomResizedCrop(size)` then `horizontalFlip`. */
export function defaultPipelineSpec(): StepSpec[] {
  return [{ op: 'randomResizedCrop' }, { op: 'horizontalFlip' }];
}

/**
 * Validates a pipeline spec (`[{op, ...options}]`) once, naming the step and option at fault:
 * `expected number in [0, 1] for pipeline[1] horizontalFlip.p but received 2`.
 */
export function parsePipeline(spec: unknown, defaults: OpDefaults, where = 'pipeline'): PipelineStep[] {
  if (!Array.isArray(spec)) throw invalid(where, 'a list of steps like [{"op": "randomResizedCrop", "size": 224}]', spec);
  if (spec.length === 0) throw invalid(where, 'at least one step', spec);
  return spec.map((raw, i) => {
    const at = `${where}[${i}]`;
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw) || typeof (raw as StepSpec).op !== 'string') {
      throw invalid(at, 'an object with an "op" name', raw);
    }
    const step = raw as StepSpec;
    const op = OPS.get(step.op);
    if (!op) throw invalid(`${at}.op`, `one of ${[...OPS.keys()].join(', ')}`, step.op);
    const named = `${at} ${op.name}`;
    const options = op.kind === 'wrapper' ? op.parse(step, named, defaults, (children, childWhere) => parsePipeline(children, defaults, childWhere)) : op.parse(step, named, defaults);
    return { op, options };
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
  const isYaml = ['.yaml', '.yml'].includes(extname(path).toLowerCase());
  // The YAML parser loads only for a YAML file (worker threads import this module too).
  const yaml = isYaml ? await import('yaml') : null;
  try {
    return yaml ? yaml.parse(text) : JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--pipeline ${path} is not valid ${extname(path) === '.json' ? 'JSON' : 'JSON or YAML'}: ${messageOf(error)}`);
  }
}

/**
 * The pipeline a run asked for: a `--preset`, a `--pipeline` file or list, or the default, parsed
 * and validated with `--size` as the default size.
 */
export async function choosePipeline(choice: { preset?: string; pipeline?: StepSpec[] | string; size: number | [number, number]; maxPixels?: number }): Promise<PipelineStep[]> {
  let spec: unknown;
  if (choice.preset !== undefined) {
    if (!isPresetName(choice.preset)) throw invalid('--preset', `one of ${Object.keys(PRESETS).join(', ')}`, choice.preset);
    if (choice.pipeline !== undefined) throw new UsageError('--preset and --pipeline both name a pipeline: give one of them');
    spec = PRESETS[choice.preset](choice.size);
  } else if (typeof choice.pipeline === 'string') spec = await loadPipelineFile(choice.pipeline);
  else spec = choice.pipeline ?? defaultPipelineSpec();
  return parsePipeline(spec, { size: choice.size, maxPixels: choice.maxPixels });
}

/** The spec of a parsed pipeline with every default filled in: load → save → load gives the same. */
export function pipelineToSpec(steps: readonly PipelineStep[]): StepSpec[] {
  return steps.map((s) => ({ op: s.op.name, ...(s.op.kind === 'wrapper' ? s.op.toSpec(s.options, pipelineToSpec) : s.options) }));
}

/** The random stream of the k-th child of the step drawing from `stream`. */
const childStream = (stream: number, k: number) => (stream + 1) * 1024 + k;

/**
 * Draws every op's parameters for one sample and turns them into its pixel program: runs of
 * geometric ops compose into one warp matrix. Pure: the same (seed, sourceIndex, copy, input
 * size) always gives the same plan.
 */
export function planSample(steps: readonly PipelineStep[], seed: number, sourceIndex: number, copy: number, input: Size): SamplePlan {
  const stages: Stage[] = [];
  const params: SamplePlan['params'] = [];
  let size = input;
  let matrix: Mat3 = IDENTITY;
  let fill: Rgb = [0, 0, 0];
  let pendingWarp = false;

  const flushWarp = () => {
    if (!pendingWarp && stages.length > 0) return;
    stages.push({ type: 'warp', matrix, size, fill });
    matrix = IDENTITY;
    fill = [0, 0, 0];
    pendingWarp = false;
  };
  const run = (step: PipelineStep, stream: number) => {
    const rng = new SampleRng(seed, sourceIndex, copy, stream);
    const op = step.op;
    if (op.kind === 'geometry') {
      const p = op.sample(step.options, rng, size);
      // Each op maps its output to its input, so the product maps the final output to the source.
      matrix = multiply(matrix, op.matrix(step.options, p, size));
      const opFill = (step.options as { fill?: Rgb }).fill;
      if (opFill) fill = opFill;
      size = op.outputSize(step.options, size);
      pendingWarp = true;
      params.push({ op: op.name, ...p });
    } else if (op.kind === 'pixel') {
      flushWarp();
      const p = op.sample(step.options, rng, size);
      stages.push(...op.stages(step.options, p, size, [seed, sourceIndex, copy, stream]));
      params.push({ op: op.name, ...p });
    } else {
      const chosen = op.choose(step.options, rng, size);
      params.push({ op: op.name, chosen: chosen.map((c) => ({ op: c.op.name, ...c.options })) });
      chosen.forEach((child, k) => run(child, childStream(stream, k)));
    }
  };
  steps.forEach((step, position) => run(step, position));
  flushWarp();
  return { stages, size, params };
}

/**
 * The largest JPEG decode down-scale (1, 1/2, 1/4 or 1/8, as a divisor) at which every possible
 * sample of the pipeline still has at least one decoded pixel per output pixel on both axes.
 */
export function decodeDivisor(steps: readonly PipelineStep[], input: Size): number {
  const found = minPixelRatio(steps, input);
  if (found === null) return 1;
  const ratio = Math.min(found.ratio.x, found.ratio.y);
  for (const divisor of [8, 4, 2]) if (ratio >= divisor) return divisor;
  return 1;
}

/**
 * The size of every output image when the pipeline fixes it (its last geometric op crops or
 * resizes to a given size, and no wrapper may change it), else null: the output size then
 * follows the source's (a resize of the shorter side, a rotation alone, no geometry at all).
 * Found by planning two unlike source sizes: a fixed size comes out of both.
 */
export function fixedOutputSize(steps: readonly PipelineStep[]): Size | null {
  const [a, b] = [{ width: 1013, height: 769 }, { width: 577, height: 911 }].map((input) => minPixelRatio(steps, input)?.size);
  return a && b && a.width === b.width && a.height === b.height ? a : null;
}

/**
 * Fewest source pixels per output pixel over every possible sample, and the output size; null
 * when it cannot be bounded (a wrapper whose choices may change the size).
 */
function minPixelRatio(steps: readonly PipelineStep[], input: Size): { ratio: PixelRatio; size: Size } | null {
  let x = 1;
  let y = 1;
  let size = input;
  for (const step of steps) {
    const op = step.op;
    let r: PixelRatio | null = { x: 1, y: 1 };
    if (op.kind === 'geometry') {
      r = op.minPixelRatio(step.options, size);
      size = op.outputSize(step.options, size);
    } else if (op.kind === 'wrapper') {
      r = op.minPixelRatio(step.options, size, (children, at) => {
        const inner = minPixelRatio(children, at);
        return inner && inner.size.width === at.width && inner.size.height === at.height ? inner.ratio : null;
      });
    }
    if (r === null) return null;
    x *= r.x;
    y *= r.y;
  }
  return { ratio: { x, y }, size };
}

/**
 * Plans are drawn against the full-size upright image; a reduced decode lies on it by a scale (and
 * maybe an offset: see `DecodedImage.placement`), folded into the first warp's matrix.
 */
export function toDecodedPixels(stages: Stage[], image: { placement: Placement }): Stage[] {
  const [first, ...rest] = stages;
  if (first.type !== 'warp') throw new Error('a sample plan must start with a warp');
  const { scaleX, scaleY, offsetX, offsetY } = image.placement;
  if (scaleX === 1 && scaleY === 1 && offsetX === 0 && offsetY === 0) return stages;
  return [{ ...first, matrix: multiply(scaleTranslate(scaleX, scaleY, offsetX, offsetY), first.matrix) }, ...rest];
}
