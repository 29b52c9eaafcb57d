// AssemblyScript (imported by resample.ts, compiled into dist/kernels/wasm/resample.wasm), not TypeScript:
// the colour pass of kernels/cpu/pointwise.ts in WASM SIMD. A run of pointwise stages is a small
// program (an opcode and two parameters, three f32 per op) applied to four pixels at a time while
// they sit in registers, so the image is read and written once for the whole run instead of once
// per stage; the last run of a sample also rounds to bytes in the same pass.

/** Opcodes of the colour program; the host (resampleWasm.ts) encodes stages with the same numbers. */
const SCALE_OFFSET = 0; // v ↦ clamp(v · k + offset): brightness, and contrast with its mean folded in
const SATURATE = 1;
const HUE = 2;
const GRAYSCALE = 3;
const SOLARIZE = 4;
const POSTERIZE = 5;
const INVERT = 6;

const WR: f32 = 0.2989;
const WG: f32 = 0.587;
const WB: f32 = 0.114;

@inline function clamp255(v: v128): v128 {
  // pmin/pmax are single instructions (min/max spend several on NaN rules we do not need).
  return f32x4.pmin(f32x4.splat(255), f32x4.pmax(f32x4.splat(0), v));
}

@inline function clamp01(v: v128): v128 {
  return f32x4.pmin(f32x4.splat(1), f32x4.pmax(f32x4.splat(0), v));
}

@inline function gray(r: v128, g: v128, b: v128): v128 {
  return f32x4.add(f32x4.mul(r, f32x4.splat(WR)), f32x4.add(f32x4.mul(g, f32x4.splat(WG)), f32x4.mul(b, f32x4.splat(WB))));
}

/** v ≥ threshold ? 255 − v : v */
@inline function solarize(v: v128, threshold: v128): v128 {
  return v128.bitselect(f32x4.sub(f32x4.splat(255), v), v, f32x4.ge(v, threshold));
}

/** Math.round(v) & mask, for v ≥ 0 (values are clamped to 0–255 before). */
@inline function posterize(v: v128, mask: v128): v128 {
  return f32x4.convert_i32x4_s(v128.and(i32x4.trunc_sat_f32x4_s(f32x4.floor(f32x4.add(v, f32x4.splat(0.5)))), mask));
}

/** x − ⌊x⌋: JavaScript's `x % 1` for the positive values the hue rotation produces. */
@inline function fract(x: v128): v128 {
  return f32x4.sub(x, f32x4.floor(x));
}

// hue() reads and writes the four pixels here: a WASM function returns one value, not three.
let R: v128 = f32x4.splat(0);
let G: v128 = f32x4.splat(0);
let B: v128 = f32x4.splat(0);

/** torchvision's `_rgb2hsv` → rotate h by `shift` turns → `_hsv2rgb`, on R, G, B; gray pixels stay. */
@inline function hue(shift: f32): void {
  const k = f32x4.splat(<f32>1 / 255);
  const r = f32x4.mul(R, k);
  const g = f32x4.mul(G, k);
  const b = f32x4.mul(B, k);
  const v = f32x4.pmax(r, f32x4.pmax(g, b));
  const range = f32x4.sub(v, f32x4.pmin(r, f32x4.pmin(g, b)));
  const chromatic = f32x4.gt(range, f32x4.splat(0));
  const s = f32x4.div(range, v);
  // One division for the three (within the 1-level tolerance of the reference's three).
  const perRange = f32x4.div(f32x4.splat(1), range);
  const rc = f32x4.mul(f32x4.sub(v, r), perRange);
  const gc = f32x4.mul(f32x4.sub(v, g), perRange);
  const bc = f32x4.mul(f32x4.sub(v, b), perRange);
  const hr = f32x4.sub(bc, gc);
  const hg = f32x4.add(f32x4.splat(2), f32x4.sub(rc, bc));
  const hb = f32x4.add(f32x4.splat(4), f32x4.sub(gc, rc));
  // The reference tests max = r first, then max = g.
  let h = v128.bitselect(hr, v128.bitselect(hg, hb, f32x4.eq(v, g)), f32x4.eq(v, r));
  h = fract(f32x4.add(f32x4.add(fract(f32x4.add(f32x4.div(h, f32x4.splat(6)), f32x4.splat(1))), f32x4.splat(shift)), f32x4.splat(1)));
  const h6 = f32x4.mul(h, f32x4.splat(6));
  const whole = f32x4.floor(h6);
  const f = f32x4.sub(h6, whole);
  let sector = i32x4.trunc_sat_f32x4_s(whole);
  sector = v128.andnot(sector, i32x4.eq(sector, i32x4.splat(6))); // % 6
  const p = clamp01(f32x4.mul(v, f32x4.sub(f32x4.splat(1), s)));
  const q = clamp01(f32x4.mul(v, f32x4.sub(f32x4.splat(1), f32x4.mul(s, f))));
  const t = clamp01(f32x4.mul(v, f32x4.sub(f32x4.splat(1), f32x4.mul(s, f32x4.sub(f32x4.splat(1), f)))));
  const s1 = i32x4.eq(sector, i32x4.splat(1));
  const s2 = i32x4.eq(sector, i32x4.splat(2));
  const s3 = i32x4.eq(sector, i32x4.splat(3));
  const s4 = i32x4.eq(sector, i32x4.splat(4));
  const s5 = i32x4.eq(sector, i32x4.splat(5));
  // Sectors 0…5 give (v,t,p) (q,v,p) (p,v,t) (p,q,v) (t,p,v) (v,p,q).
  const nr = v128.bitselect(q, v128.bitselect(p, v128.bitselect(t, v, s4), v128.or(s2, s3)), s1);
  const ng = v128.bitselect(v, v128.bitselect(q, v128.bitselect(p, t, v128.or(s4, s5)), s3), v128.or(s1, s2));
  const nb = v128.bitselect(t, v128.bitselect(v, v128.bitselect(q, p, s5), v128.or(s3, s4)), s2);
  const scale = f32x4.splat(255);
  R = v128.bitselect(f32x4.mul(nr, scale), R, chromatic);
  G = v128.bitselect(f32x4.mul(ng, scale), G, chromatic);
  B = v128.bitselect(f32x4.mul(nb, scale), B, chromatic);
}

/** Pixels deinterleaved at a time: three planes of this many floats fit in L1 beside the row. */
const CHUNK: i32 = 256;

/**
 * Where the planes live, from the program's address: after its room for 64 ops of 3 f32. The
 * host (resampleWasm.ts) reserves 64 × 12 + 3 × CHUNK × 4 bytes there.
 */
export const SCRATCH_OFFSET: usize = 64 * 12;

/**
 * Applies the colour program (`ops` ops at `program`) to `pixels` RGB floats at `px`. With
 * `toBytes` it also rounds (nearest, halves away from zero) and writes the bytes from `bytes`
 * (which may be `px`: bytes never overtake unread floats); otherwise it writes the floats back
 * and returns the gray levels of the result summed per lane, for the mean a following contrast
 * stage blends with. The last group of four may run past the span: the caller leaves 48 spare
 * bytes after it, and those lanes stay out of the sums.
 *
 * Chunks of `CHUNK` pixels are split into R, G and B planes in the scratch area after the
 * program (`scratch`, 3 × CHUNK floats), and each op then runs over the planes in a loop of its
 * own: no per-pixel dispatch on the opcode, and the same arithmetic per pixel as one op at a time.
 */
export function colourSpan(px: usize, pixels: i32, program: usize, ops: i32, toBytes: bool, bytes: usize, scratch: usize): v128 {
  let sum = f32x4.splat(0);
  const groups = (pixels + 3) >> 2;
  const planeBytes = <usize>CHUNK << 2;
  for (let first = 0; first < groups; first += CHUNK >> 2) {
    const count = min(CHUNK >> 2, groups - first);
    deinterleave(px + <usize>first * 48, count, scratch, planeBytes);
    for (let k = 0; k < ops; k++) runOp(program + <usize>k * 12, count, scratch, planeBytes);
    sum = interleave(px + <usize>first * 48, bytes + <usize>first * 12, first, count, groups, pixels, toBytes, ops > 0, scratch, planeBytes, sum);
  }
  return sum;
}

/**
 * `colourSpan` for a pass that another pass continues: the pixels end as planes (R, G and B,
 * `planeBytes` apart, from `planes`) instead of interleaved floats, which the next pass
 * (`colourPlanes`) reads as they are; the same arithmetic, two shuffles fewer per group of four
 * on each side. Returns the gray levels of the result summed per lane. The last group may write
 * up to three pixels past the span in each plane.
 */
export function colourSpanToPlanes(px: usize, pixels: i32, program: usize, ops: i32, planes: usize, planeBytes: usize): v128 {
  const groups = (pixels + 3) >> 2;
  deinterleave(px, groups, planes, planeBytes);
  for (let k = 0; k < ops; k++) runOp(program + <usize>k * 12, groups, planes, planeBytes);
  return interleave(0, 0, 0, groups, groups, pixels, false, false, planes, planeBytes, f32x4.splat(0));
}

/** What `colourPlanes` leaves: the planes (for a further pass), bytes, or interleaved floats. */
export const TO_PLANES = 0;
export const TO_BYTES = 1;
export const TO_FLOATS = 2;

/**
 * The colour program over an image held as planes (`colourSpanToPlanes`), a chunk at a time;
 * `to` says what it leaves: the planes in place, or bytes or interleaved RGB floats at `out`.
 * Returns the gray levels of the result summed per lane (unchanged with bytes).
 */
export function colourPlanes(planes: usize, planeBytes: usize, pixels: i32, program: usize, ops: i32, to: i32, out: usize): v128 {
  let sum = f32x4.splat(0);
  const groups = (pixels + 3) >> 2;
  for (let first = 0; first < groups; first += CHUNK >> 2) {
    const count = min(CHUNK >> 2, groups - first);
    const r = planes + (<usize>first << 4);
    for (let k = 0; k < ops; k++) runOp(program + <usize>k * 12, count, r, planeBytes);
    sum = interleave(out + <usize>first * 48, out + <usize>first * 12, first, count, groups, pixels, to == TO_BYTES, to == TO_FLOATS, r, planeBytes, sum);
  }
  return sum;
}

/** `count` groups of four RGB pixels at `at` into the R, G and B planes. */
function deinterleave(at: usize, count: i32, r: usize, planeBytes: usize): void {
  const g = r + planeBytes;
  const b = g + planeBytes;
  for (let q = 0; q < count; q++) {
    const a0 = v128.load(at); // r0 g0 b0 r1
    const a1 = v128.load(at, 16); // g1 b1 r2 g2
    const a2 = v128.load(at, 32); // b2 r3 g3 b3
    // Every shuffle takes its first two lanes from one vector and its last two from the other:
    // one SHUFPS each on x64.
    const o = <usize>q << 4;
    v128.store(r + o, v128.shuffle<f32>(a0, v128.shuffle<f32>(a1, a2, 2, 2, 5, 5), 0, 3, 4, 6));
    v128.store(g + o, v128.shuffle<f32>(v128.shuffle<f32>(a0, a1, 1, 1, 4, 4), v128.shuffle<f32>(a1, a2, 3, 3, 6, 6), 0, 2, 4, 6));
    v128.store(b + o, v128.shuffle<f32>(v128.shuffle<f32>(a0, a1, 2, 2, 5, 5), a2, 0, 2, 4, 7));
    at += 48;
  }
}

/** One op of the program over `count` groups of the planes. */
function runOp(op: usize, count: i32, r: usize, planeBytes: usize): void {
  const g = r + planeBytes;
  const b = g + planeBytes;
  const x = load<f32>(op, 4);
  const end = <usize>count << 4;
  switch (<i32>load<f32>(op)) {
    case SCALE_OFFSET: {
      const scale = f32x4.splat(x);
      const offset = f32x4.splat(load<f32>(op, 8));
      for (let o: usize = 0; o < end; o += 16) {
        v128.store(r + o, clamp255(f32x4.add(f32x4.mul(v128.load(r + o), scale), offset)));
        v128.store(g + o, clamp255(f32x4.add(f32x4.mul(v128.load(g + o), scale), offset)));
        v128.store(b + o, clamp255(f32x4.add(f32x4.mul(v128.load(b + o), scale), offset)));
      }
      break;
    }
    case SATURATE: {
      const scale = f32x4.splat(x);
      const rest = f32x4.splat(<f32>1 - x);
      for (let o: usize = 0; o < end; o += 16) {
        const rv = v128.load(r + o);
        const gv = v128.load(g + o);
        const bv = v128.load(b + o);
        const gr = f32x4.mul(gray(rv, gv, bv), rest);
        v128.store(r + o, clamp255(f32x4.add(f32x4.mul(rv, scale), gr)));
        v128.store(g + o, clamp255(f32x4.add(f32x4.mul(gv, scale), gr)));
        v128.store(b + o, clamp255(f32x4.add(f32x4.mul(bv, scale), gr)));
      }
      break;
    }
    case HUE:
      for (let o: usize = 0; o < end; o += 16) {
        R = v128.load(r + o);
        G = v128.load(g + o);
        B = v128.load(b + o);
        hue(x);
        v128.store(r + o, R);
        v128.store(g + o, G);
        v128.store(b + o, B);
      }
      break;
    case GRAYSCALE:
      for (let o: usize = 0; o < end; o += 16) {
        const v = gray(v128.load(r + o), v128.load(g + o), v128.load(b + o));
        v128.store(r + o, v);
        v128.store(g + o, v);
        v128.store(b + o, v);
      }
      break;
    case SOLARIZE: {
      const threshold = f32x4.splat(x);
      for (let o: usize = 0; o < end; o += 16) {
        v128.store(r + o, solarize(v128.load(r + o), threshold));
        v128.store(g + o, solarize(v128.load(g + o), threshold));
        v128.store(b + o, solarize(v128.load(b + o), threshold));
      }
      break;
    }
    case POSTERIZE: {
      const mask = i32x4.splat(<i32>x);
      for (let o: usize = 0; o < end; o += 16) {
        v128.store(r + o, posterize(v128.load(r + o), mask));
        v128.store(g + o, posterize(v128.load(g + o), mask));
        v128.store(b + o, posterize(v128.load(b + o), mask));
      }
      break;
    }
    case INVERT: {
      const full = f32x4.splat(255);
      for (let o: usize = 0; o < end; o += 16) {
        v128.store(r + o, f32x4.sub(full, v128.load(r + o)));
        v128.store(g + o, f32x4.sub(full, v128.load(g + o)));
        v128.store(b + o, f32x4.sub(full, v128.load(b + o)));
      }
      break;
    }
  }
}

/**
 * The planes back in r g b order: rounded to bytes at `out` with `toBytes`, else as floats at
 * `at` (only when some op changed them). Returns `sum` plus the gray levels per lane of the
 * groups `first…first+count` (unchanged with `toBytes`), added group after group: that order
 * fixes the float sum, so a mean does not depend on the chunk size; lanes past `pixels` stay out.
 */
function interleave(at: usize, out: usize, first: i32, count: i32, groups: i32, pixels: i32, toBytes: bool, changed: bool, r: usize, planeBytes: usize, sum: v128): v128 {
  const g = r + planeBytes;
  const b = g + planeBytes;
  for (let q = 0; q < count; q++) {
    const o = <usize>q << 4;
    let rv = v128.load(r + o);
    let gv = v128.load(g + o);
    let bv = v128.load(b + o);
    if (toBytes) {
      const half = f32x4.splat(0.5);
      rv = i32x4.trunc_sat_f32x4_s(f32x4.add(rv, half));
      gv = i32x4.trunc_sat_f32x4_s(f32x4.add(gv, half));
      bv = i32x4.trunc_sat_f32x4_s(f32x4.add(bv, half));
    } else {
      const group = first + q;
      const valid = group < groups - 1 ? i32x4.splat(-1) : i32x4.lt_s(i32x4(0, 1, 2, 3), i32x4.splat(pixels - (group << 2)));
      sum = f32x4.add(sum, v128.and(gray(rv, gv, bv), valid));
      if (!changed) continue; // with no ops the floats are unchanged: only their gray sums were wanted
    }
    // Shuffles move lanes, whatever they hold: floats or integers.
    const oa = v128.shuffle<f32>(v128.shuffle<f32>(rv, gv, 0, 0, 4, 4), v128.shuffle<f32>(bv, rv, 0, 0, 5, 5), 0, 2, 4, 6);
    const ob = v128.shuffle<f32>(v128.shuffle<f32>(gv, bv, 1, 1, 5, 5), v128.shuffle<f32>(rv, gv, 2, 2, 6, 6), 0, 2, 4, 6);
    const oc = v128.shuffle<f32>(v128.shuffle<f32>(bv, rv, 2, 2, 7, 7), v128.shuffle<f32>(gv, bv, 3, 3, 7, 7), 0, 2, 4, 6);
    if (toBytes) {
      // 16 bytes, the last 4 overwritten by the next group.
      v128.store(out + <usize>q * 12, i8x16.narrow_i16x8_u(i16x8.narrow_i32x4_s(oa, ob), i16x8.narrow_i32x4_s(oc, oc)));
    } else {
      const to = at + <usize>q * 48;
      v128.store(to, oa);
      v128.store(to, ob, 16);
      v128.store(to, oc, 32);
    }
  }
  return sum;
}

/** The lane sums of `colourSpan` added up. */
@inline export function laneTotal(sum: v128): f64 {
  return <f64>f32x4.extract_lane(sum, 0) + <f64>f32x4.extract_lane(sum, 1) + <f64>f32x4.extract_lane(sum, 2) + <f64>f32x4.extract_lane(sum, 3);
}
