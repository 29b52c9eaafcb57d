/**
 * WGSL shared by the passes: the sample record accessors (layout in batchLayout.ts), the byte
 * reader of the packed sources, and the counter RNG of src/augment/rng.ts in 32-bit integers
 * (lowbias32 wraps like Math.imul, so the draws are the reference's).
 */
import { FIELD, REC_WORDS } from './batchLayout.js';

export const RECORDS = `
const REC_WORDS = ${REC_WORDS};
fn recI(s : i32, field : i32) -> i32 { return rec[s * REC_WORDS + field]; }
fn recF(s : i32, field : i32) -> f32 { return bitcast<f32>(rec[s * REC_WORDS + field]); }
const IN_BASE = ${FIELD.inBase}; const IN_W = ${FIELD.inW}; const IN_H = ${FIELD.inH};
const OUT_BASE = ${FIELD.outBase}; const OUT_W = ${FIELD.outW}; const OUT_H = ${FIELD.outH};
const HEAD_KIND = ${FIELD.head}; const OP_START = ${FIELD.opStart}; const OP_COUNT = ${FIELD.opCount};
const MATRIX = ${FIELD.matrix}; const FILL = ${FIELD.fill}; const TAPS = ${FIELD.taps}; const PARAM = ${FIELD.param}; const REDUCE = ${FIELD.reduce};
const GRAY = vec3<f32>(0.2989, 0.587, 0.114);
`;

/** How a pass reads its input values (index = pixel × 3 + channel from the sample's base). */
export type SourceKind = 'bytes' | 'values' | 'floats';

export function sourceReader(kind: SourceKind): string {
  const body = {
    // Four source bytes per word, little-endian, as the host packed them.
    bytes: 'return f32((bitcast<u32>(src[i >> 2u]) >> (u32(i & 3) * 8u)) & 255u);',
    values: 'return f32(src[i]);',
    floats: 'return src[i];',
  }[kind];
  return `fn inValue(i : i32) -> f32 { ${body} }`;
}

export const RNG = `
fn lowbias32(v : u32) -> u32 {
  var x = v;
  x ^= x >> 16u; x *= 0x21f0aaadu; x ^= x >> 15u; x *= 0x735a2d97u; x ^= x >> 15u;
  return x;
}
// The 27 high and 26 low bits of draw c of the stream with keys (a, b).
fn drawHigh(a : u32, c : u32) -> u32 { return lowbias32(a ^ lowbias32(c)) >> 5u; }
fn drawLow(b : u32, c : u32) -> u32 { return lowbias32(b ^ lowbias32(c + 0x632be5abu)) >> 6u; }
`;
