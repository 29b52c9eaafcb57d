/**
 * The buffers of a ragged batch on the GPU: one flat byte buffer of every source image (each at a
 * whole 32-bit word, four bytes to a word), and per round (a round runs pass k of every sample) one record
 * per sample — where its input and output pixels start, their sizes, its head and its op list —
 * in a storage buffer. Samples with fewer passes get plain copies, so every round covers the
 * whole batch and a sample's pixels always sit at its own offset.
 */
import type { Size } from '../../src/augment/geometry.js';
import type { Stage } from '../../src/augment/stages.js';
import { HEAD, OP_WORDS, REDUCE, toPasses, U32_FIELDS, type Pass } from './passes.js';

export interface BatchSample {
  /** RGB bytes, `size.height × size.width × 3`. */
  data: Uint8Array;
  size: Size;
  stages: readonly Stage[];
}

/** Words per sample record, and the position of each field (floats are stored as their bits). */
export const REC_WORDS = 32;
export const FIELD = { inBase: 0, inW: 1, inH: 2, outBase: 3, outW: 4, outH: 5, head: 6, opStart: 7, opCount: 8, matrix: 9, fill: 18, taps: 21, param: 22, reduce: 23 } as const;

export interface Round {
  /** `REC_WORDS` words per sample. */
  records: Int32Array;
  /** `OP_WORDS` words per op, at least one record (an empty binding is not allowed). */
  ops: Int32Array;
  /** Output pixels of the round, over all samples. */
  pixels: number;
  /** Whether any sample's pass needs the statistics pass first. */
  reduce: boolean;
}

export interface BatchLayout {
  /** Where each sample's source bytes start in the source buffer: back to back, each at a whole word. */
  sourceBases: number[];
  /** Bytes of the source buffer, a whole number of words. */
  sourceBytes: number;
  rounds: Round[];
  /** Where each sample's final pixels start in the last round's output, and their size. */
  outputs: Array<{ base: number; size: Size }>;
}

/** What one dispatch group may hold. */
export interface GroupLimits {
  /** Bytes of any one buffer: the device's storage binding limit. */
  bytes: number;
  /** Output pixels of any one round: one thread each, within one dimension of workgroups. */
  pixels: number;
}

/** The most one sample needs of any buffer (its source, or a float RGB image of a pass), and of pixels in a round. */
export function sampleNeeds(sample: BatchSample): { bytes: number; pixels: number } {
  const pixels = Math.max(...toPasses(sample.stages).map((p) => p.size.width * p.size.height));
  return { bytes: Math.max(wordAligned(sample.data.length), pixels * 12), pixels };
}

/** `bytes` rounded up to whole 32-bit words: where a sample's source ends in the source buffer. */
const wordAligned = (bytes: number) => Math.ceil(bytes / 4) * 4;

/**
 * Splits a batch, in order, into dispatch groups within `limits`. A sample over the byte limit on
 * its own comes back in `oversize`, for the caller to run elsewhere; one over the pixel limit on
 * its own gets a group of its own (tfjs then spreads its dispatch over two dimensions).
 */
export function groupSamples(samples: readonly BatchSample[], limits: GroupLimits): { groups: number[][]; oversize: number[] } {
  const groups: number[][] = [];
  const oversize: number[] = [];
  let current: number[] = [];
  const used = { bytes: 0, pixels: 0 };
  samples.forEach((sample, i) => {
    const needs = sampleNeeds(sample);
    if (needs.bytes > limits.bytes) {
      oversize.push(i);
      return;
    }
    if (current.length > 0 && (used.bytes + needs.bytes > limits.bytes || used.pixels + needs.pixels > limits.pixels)) {
      groups.push(current);
      current = [];
      used.bytes = used.pixels = 0;
    }
    current.push(i);
    used.bytes += needs.bytes;
    used.pixels += needs.pixels;
  });
  if (current.length > 0) groups.push(current);
  return { groups, oversize };
}

const COPY: Pass['head'] = { kind: HEAD.copy };

export function layoutBatch(samples: readonly BatchSample[]): BatchLayout {
  const passes = samples.map((s) => toPasses(s.stages));
  const rounds: Round[] = [];
  const roundCount = Math.max(...passes.map((p) => p.length));
  const byteBase: number[] = [];
  let bytes = 0;
  for (const s of samples) {
    byteBase.push(bytes);
    // Word-aligned, so that each sample is written to the device on its own (writeBuffer's offsets are whole words).
    bytes += wordAligned(s.data.length);
  }

  let inputs = samples.map((s, i) => ({ base: byteBase[i], size: s.size }));
  for (let r = 0; r < roundCount; r++) {
    const buffer = new ArrayBuffer(samples.length * REC_WORDS * 4);
    const ints = new Int32Array(buffer);
    const floats = new Float32Array(buffer);
    const ops: number[][] = [];
    let pixels = 0;
    let reduce = false;
    const outputs: typeof inputs = [];
    samples.forEach((_, i) => {
      const pass: Pass = passes[i][r] ?? { head: COPY, ops: [], size: inputs[i].size, reduce: REDUCE.none };
      const at = i * REC_WORDS;
      ints[at + FIELD.inBase] = inputs[i].base;
      ints[at + FIELD.inW] = inputs[i].size.width;
      ints[at + FIELD.inH] = inputs[i].size.height;
      ints[at + FIELD.outBase] = pixels;
      ints[at + FIELD.outW] = pass.size.width;
      ints[at + FIELD.outH] = pass.size.height;
      ints[at + FIELD.head] = pass.head.kind;
      ints[at + FIELD.opStart] = ops.length;
      ints[at + FIELD.opCount] = pass.ops.length;
      ints[at + FIELD.reduce] = pass.reduce;
      const head = pass.head;
      if (head.kind === HEAD.resample || head.kind === HEAD.bilinear) {
        floats.set(head.matrix, at + FIELD.matrix);
        floats.set(head.fill, at + FIELD.fill);
      } else if (head.kind === HEAD.blurX || head.kind === HEAD.blurY) {
        ints[at + FIELD.taps] = head.taps;
        floats[at + FIELD.param] = head.sigma;
      } else if (head.kind === HEAD.sharpen) floats[at + FIELD.param] = head.factor;
      reduce ||= pass.reduce !== REDUCE.none;
      ops.push(...pass.ops);
      // Later rounds read floats: the value index of the sample's first pixel.
      outputs.push({ base: pixels * 3, size: pass.size });
      pixels += pass.size.width * pass.size.height;
    });
    rounds.push({ records: ints, ops: encodeOps(ops), pixels, reduce });
    inputs = outputs;
  }
  return { sourceBases: byteBase, sourceBytes: bytes, rounds, outputs: inputs.map((o) => ({ base: o.base / 3, size: o.size })) };
}

function encodeOps(ops: number[][]): Int32Array {
  const buffer = new ArrayBuffer(Math.max(1, ops.length) * OP_WORDS * 4);
  const floats = new Float32Array(buffer);
  const words = new Uint32Array(buffer);
  ops.forEach((op, k) => {
    const integers = U32_FIELDS[op[0]] ?? [];
    op.forEach((value, j) => {
      if (j === 0 || integers.includes(j)) words[k * OP_WORDS + j] = value >>> 0;
      else floats[k * OP_WORDS + j] = value;
    });
  });
  return new Int32Array(buffer);
}
