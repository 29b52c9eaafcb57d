/**
 * A sample's stages as GPU passes. A pass is a head, which may read other pixels (a warp, one
 * direction of a blur, the sharpness filter, or a plain copy), followed by pointwise ops that each
 * thread applies to its own pixel. A stage that needs a statistic of the image as it is at that
 * point (contrast's mean gray, autoContrast's extremes, equalize's histogram) opens a pass whose
 * input is first reduced by the statistics pass.
 */
import { isAxisAligned, type Mat3, type Size } from '../../src/augment/geometry.js';
import { streamKeys } from '../../src/augment/rng.js';
import type { Rgb, Stage } from '../../src/augment/stages.js';

export const HEAD = { copy: 0, resample: 1, bilinear: 2, blurX: 3, blurY: 4, sharpen: 5 } as const;

export type Head =
  | { kind: typeof HEAD.copy }
  | { kind: typeof HEAD.resample | typeof HEAD.bilinear; matrix: Mat3; fill: Rgb }
  | { kind: typeof HEAD.blurX | typeof HEAD.blurY; taps: number; sigma: number }
  | { kind: typeof HEAD.sharpen; factor: number };

/** Pointwise op codes of the WGSL interpreter (pixelPassProgram.ts). */
export const OP = { brightness: 1, contrast: 2, saturation: 3, hue: 4, grayscale: 5, solarize: 6, posterize: 7, invert: 8, autoContrast: 9, equalize: 10, noise: 11, erase: 12 } as const;

/** Words per op record: the code, then up to 11 parameters. */
export const OP_WORDS = 12;

/** What the statistics pass computes for a pass's input: bit 0 mean and extremes, bit 1 histogram. */
export const REDUCE = { none: 0, stats: 1, histogram: 3 } as const;

export interface Pass {
  head: Head;
  /** Op records, `OP_WORDS` numbers each (floats, or u32 keys and flags). */
  ops: number[][];
  size: Size;
  reduce: number;
}

type Pointwise = Exclude<Stage, { type: 'warp' | 'blur' | 'sharpness' }>;

/** Splits a program (which starts with a warp) into passes. */
export function toPasses(stages: readonly Stage[]): Pass[] {
  const passes: Pass[] = [];
  let size: Size | null = null;
  const open = (head: Head, reduce: number = REDUCE.none) => {
    passes.push({ head, ops: [], size: size!, reduce });
  };
  for (const stage of stages) {
    if (stage.type === 'warp') {
      size = stage.size;
      open({ kind: isAxisAligned(stage.matrix) ? HEAD.resample : HEAD.bilinear, matrix: stage.matrix, fill: stage.fill });
      continue;
    }
    if (!size) throw new Error('a pixel program must start with a warp');
    if (stage.type === 'blur') {
      open({ kind: HEAD.blurX, taps: stage.kernelSize[0], sigma: stage.sigma[0] });
      open({ kind: HEAD.blurY, taps: stage.kernelSize[1], sigma: stage.sigma[1] });
    } else if (stage.type === 'sharpness') open({ kind: HEAD.sharpen, factor: stage.factor });
    else {
      const reduce = stage.type === 'equalize' ? REDUCE.histogram : stage.type === 'contrast' || stage.type === 'autoContrast' ? REDUCE.stats : REDUCE.none;
      if (reduce !== REDUCE.none) open({ kind: HEAD.copy }, reduce);
      passes[passes.length - 1].ops.push(encodeOp(stage));
    }
  }
  return passes;
}

/** One op record as numbers; which of them are stored as u32 rather than f32 is in U32_FIELDS. */
function encodeOp(stage: Pointwise): number[] {
  const record = (code: number, ...params: number[]) => [code, ...params, ...new Array<number>(OP_WORDS - 1 - params.length).fill(0)];
  switch (stage.type) {
    case 'brightness':
    case 'contrast':
    case 'saturation':
      return record(OP[stage.type], stage.factor);
    case 'hue':
      return record(OP.hue, stage.shift);
    case 'grayscale':
    case 'invert':
    case 'autoContrast':
    case 'equalize':
      return record(OP[stage.type]);
    case 'solarize':
      return record(OP.solarize, stage.threshold);
    case 'posterize':
      return record(OP.posterize, (0xff << (8 - stage.bits)) & 0xff);
    case 'noise':
      return record(OP.noise, stage.mean, stage.sigma, ...streamKeys(...stage.key));
    case 'erase': {
      const random = stage.value === 'random';
      const [r, g, b] = random ? [0, 0, 0] : (stage.value as Rgb);
      return record(OP.erase, stage.top, stage.left, stage.height, stage.width, r, g, b, random ? 1 : 0, ...streamKeys(...stage.key));
    }
  }
}

/**
 * Which op parameters are integers (stored as u32 bits rather than f32), by op code and position
 * in the record: the rest are floats.
 */
export const U32_FIELDS: Readonly<Record<number, readonly number[]>> = {
  [OP.posterize]: [1],
  [OP.noise]: [3, 4],
  [OP.erase]: [1, 2, 3, 4, 8, 9, 10],
};
