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

/**
 * Applies the colour program (`ops` ops at `program`) to `pixels` RGB floats at `px`, four pixels
 * (three vectors) at a time. With `toBytes` it also rounds (nearest, halves away from zero) and
 * writes the bytes from `bytes` (which may be `px`: bytes never overtake unread floats);
 * otherwise it writes the floats back and returns the gray levels of the result summed per lane,
 * for the mean a following contrast stage blends with. The last group of four may run past the
 * span: the caller leaves 48 spare bytes after it, and those lanes stay out of the sums.
 */
export function colourSpan(px: usize, pixels: i32, program: usize, ops: i32, toBytes: bool, bytes: usize): v128 {
  let sum = f32x4.splat(0);
  const groups = (pixels + 3) >> 2;
  for (let q = 0; q < groups; q++) {
    const at = px + <usize>q * 48;
    const a = v128.load(at); // r0 g0 b0 r1
    const b = v128.load(at, 16); // g1 b1 r2 g2
    const c = v128.load(at, 32); // b2 r3 g3 b3
    // Every shuffle takes its first two lanes from one vector and its last two from the other:
    // one SHUFPS each on x64.
    let r = v128.shuffle<f32>(a, v128.shuffle<f32>(b, c, 2, 2, 5, 5), 0, 3, 4, 6);
    let g = v128.shuffle<f32>(v128.shuffle<f32>(a, b, 1, 1, 4, 4), v128.shuffle<f32>(b, c, 3, 3, 6, 6), 0, 2, 4, 6);
    let bl = v128.shuffle<f32>(v128.shuffle<f32>(a, b, 2, 2, 5, 5), c, 0, 2, 4, 7);
    for (let k = 0; k < ops; k++) {
      const op = program + <usize>k * 12;
      const x = load<f32>(op, 4);
      switch (<i32>load<f32>(op)) {
        case SCALE_OFFSET: {
          const scale = f32x4.splat(x);
          const offset = f32x4.splat(load<f32>(op, 8));
          r = clamp255(f32x4.add(f32x4.mul(r, scale), offset));
          g = clamp255(f32x4.add(f32x4.mul(g, scale), offset));
          bl = clamp255(f32x4.add(f32x4.mul(bl, scale), offset));
          break;
        }
        case SATURATE: {
          const scale = f32x4.splat(x);
          const gr = f32x4.mul(gray(r, g, bl), f32x4.splat(<f32>1 - x));
          r = clamp255(f32x4.add(f32x4.mul(r, scale), gr));
          g = clamp255(f32x4.add(f32x4.mul(g, scale), gr));
          bl = clamp255(f32x4.add(f32x4.mul(bl, scale), gr));
          break;
        }
        case HUE:
          R = r;
          G = g;
          B = bl;
          hue(x);
          r = R;
          g = G;
          bl = B;
          break;
        case GRAYSCALE:
          r = gray(r, g, bl);
          g = r;
          bl = r;
          break;
        case SOLARIZE: {
          const threshold = f32x4.splat(x);
          r = solarize(r, threshold);
          g = solarize(g, threshold);
          bl = solarize(bl, threshold);
          break;
        }
        case POSTERIZE: {
          const mask = i32x4.splat(<i32>x);
          r = posterize(r, mask);
          g = posterize(g, mask);
          bl = posterize(bl, mask);
          break;
        }
        case INVERT: {
          const full = f32x4.splat(255);
          r = f32x4.sub(full, r);
          g = f32x4.sub(full, g);
          bl = f32x4.sub(full, bl);
          break;
        }
      }
    }
    if (toBytes) {
      const half = f32x4.splat(0.5);
      r = i32x4.trunc_sat_f32x4_s(f32x4.add(r, half));
      g = i32x4.trunc_sat_f32x4_s(f32x4.add(g, half));
      bl = i32x4.trunc_sat_f32x4_s(f32x4.add(bl, half));
    } else {
      const valid = q < groups - 1 ? i32x4.splat(-1) : i32x4.lt_s(i32x4(0, 1, 2, 3), i32x4.splat(pixels - (q << 2)));
      sum = f32x4.add(sum, v128.and(gray(r, g, bl), valid));
    }
    // Back to r g b order (shuffles move lanes, whatever they hold: floats or integers).
    const oa = v128.shuffle<f32>(v128.shuffle<f32>(r, g, 0, 0, 4, 4), v128.shuffle<f32>(bl, r, 0, 0, 5, 5), 0, 2, 4, 6);
    const ob = v128.shuffle<f32>(v128.shuffle<f32>(g, bl, 1, 1, 5, 5), v128.shuffle<f32>(r, g, 2, 2, 6, 6), 0, 2, 4, 6);
    const oc = v128.shuffle<f32>(v128.shuffle<f32>(bl, r, 2, 2, 7, 7), v128.shuffle<f32>(g, bl, 3, 3, 7, 7), 0, 2, 4, 6);
    if (toBytes) {
      // 16 bytes, the last 4 overwritten by the next group.
      v128.store(bytes + <usize>q * 12, i8x16.narrow_i16x8_u(i16x8.narrow_i32x4_s(oa, ob), i16x8.narrow_i32x4_s(oc, oc)));
    } else if (ops > 0) {
      // With no ops the floats are unchanged: only their gray sums were wanted.
      v128.store(at, oa);
      v128.store(at, ob, 16);
      v128.store(at, oc, 32);
    }
  }
  return sum;
}

/** The lane sums of `colourSpan` added up. */
@inline export function laneTotal(sum: v128): f64 {
  return <f64>f32x4.extract_lane(sum, 0) + <f64>f32x4.extract_lane(sum, 1) + <f64>f32x4.extract_lane(sum, 2) + <f64>f32x4.extract_lane(sum, 3);
}
