import { SCRATCH_OFFSET, colourPlanes, colourSpan, colourSpanToPlanes, laneTotal } from './colour';

export { boxReduce } from './reduce';

// AssemblyScript (compiled to dist/kernels/wasm/resample.wasm by `npm run build`), not TypeScript:
// the separable antialiased resampling pass of kernels/cpu/resampleAxisAligned.ts in WASM SIMD,
// the general bilinear warp, and (from reduce.ts) the box reduce of a full-size JPEG decode. The
// caller lays out memory and passes byte offsets; weights come from the same `axisWeights` as the
// CPU reference, so both compute the same sums.

/**
 * Horizontal pass: `rows` source rows from `rowMin`, each to `outW` RGB floats in `tmp`. Each row's
 * span of columns the outputs read is first widened to floats in `rowFloats` (room for two rows:
 * `srcW` × 24 + 192 bytes), so that each tap is one load, multiply and add rather than a
 * byte load and three widenings: a source pixel feeds about two outputs, and taps outnumber pixels.
 * The sums are the same, in the same order, as from the bytes.
 */
export function resampleRows(src: usize, srcW: i32, rowMin: i32, rows: i32, xStart: usize, xCount: usize, xW: usize, xTaps: i32, outW: i32, tmp: usize, rowFloats: usize): void {
  const rowBytes = <usize>srcW * 3;
  // The outputs may run right to left (a flip folded into the matrix): take the span from all of them.
  let lo = srcW;
  let hi = 0;
  for (let o = 0; o < outW; o++) {
    const first = load<i32>(xStart + (<usize>o << 2));
    lo = min(lo, first);
    hi = max(hi, first + load<i32>(xCount + (<usize>o << 2)));
  }
  if (hi <= lo) return;
  const spanBytes = <usize>(hi - lo) * 3;
  // Two rows at a time: they share each tap's weight and offsets.
  const second = rowFloats + ((spanBytes + 16) << 2);
  for (let r = 0; r < rows; r += 2) {
    const srcRow = src + <usize>(rowMin + r) * rowBytes + <usize>lo * 3;
    const pair = r + 1 < rows;
    widen(srcRow, spanBytes, rowFloats);
    if (pair) widen(srcRow + rowBytes, spanBytes, second);
    let t = tmp + <usize>r * <usize>outW * 12;
    const rowStep = <usize>outW * 12;
    for (let o = 0; o < outW; o++) {
      const n = load<i32>(xCount + (<usize>o << 2));
      // 16 bytes per pixel read: the 4th float belongs to the next pixel and is ignored.
      let s = <usize>(load<i32>(xStart + (<usize>o << 2)) - lo) * 12;
      let w = xW + <usize>(o * xTaps) * 4;
      let acc0 = f32x4.splat(0);
      let acc1 = f32x4.splat(0);
      for (let k = 0; k < n; k++) {
        const weight = f32x4.splat(load<f32>(w));
        acc0 = f32x4.add(acc0, f32x4.mul(v128.load(rowFloats + s), weight));
        acc1 = f32x4.add(acc1, f32x4.mul(v128.load(second + s), weight));
        s += 12;
        w += 4;
      }
      // 16 bytes, the 4th float overwritten by the next pixel; a row's last pixel is stored as its
      // 12 bytes, or it would overwrite the second row's first, already stored.
      if (o + 1 < outW) {
        v128.store(t, acc0);
        if (pair) v128.store(t + rowStep, acc1);
      } else {
        storeRgb(t, acc0);
        if (pair) storeRgb(t + rowStep, acc1);
      }
      t += 12;
    }
  }
}

/** The first three floats of `v` at `at`. */
@inline function storeRgb(at: usize, v: v128): void {
  v128.store64_lane(at, v, 0);
  v128.store32_lane(at, v, 2, 8);
}

/** `bytes` bytes from `from` as floats at `to`, 16 at a time: up to 15 bytes past them are read and widened, never used. */
@inline function widen(from: usize, bytes: usize, to: usize): void {
  for (let b: usize = 0; b < bytes; b += 16) {
    const v = v128.load(from + b);
    const low = i16x8.extend_low_i8x16_u(v);
    const high = i16x8.extend_high_i8x16_u(v);
    const at = to + (b << 2);
    v128.store(at, f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_u(low)));
    v128.store(at, f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_u(low)), 16);
    v128.store(at, f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_u(high)), 32);
    v128.store(at, f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_u(high)), 48);
  }
}

/**
 * Vertical pass: each output row is the weighted sum of whole `tmp` rows (`rowLength` floats),
 * then goes through the colour program (`ops` ops at `program`, none for a plain resample) while
 * it is still in cache; with `toBytes` the rows end as bytes packed from `out`. With `planes`
 * (not 0) the rows end as R, G and B planes of the whole image there, `planeBytes` apart, for a
 * further pass (`colourPlanes`), and `out` only holds the row being made. Returns the mean gray
 * level of the result, for a contrast stage after it (0 with `toBytes`).
 */
export function resampleColumns(tmp: usize, rowMin: i32, rowLength: i32, outH: i32, yStart: usize, yCount: usize, yW: usize, yTaps: i32, out: usize, program: usize, ops: i32, toBytes: bool, planes: usize, planeBytes: usize): f64 {
  let sum = f32x4.splat(0);
  const rowBytes = <usize>rowLength * 4;
  const vectors = rowLength & ~3;
  for (let o = 0; o < outH; o++) {
    const n = load<i32>(yCount + (<usize>o << 2));
    const first = tmp + <usize>(load<i32>(yStart + (<usize>o << 2)) - rowMin) * rowBytes;
    const w = yW + <usize>(o * yTaps) * 4;
    const outRow = planes ? out : out + <usize>o * rowBytes;
    // Four vectors at a time share each tap's weight; then one at a time.
    const quads = vectors & ~15;
    for (let c = 0; c < quads; c += 16) {
      let a0 = f32x4.splat(0);
      let a1 = f32x4.splat(0);
      let a2 = f32x4.splat(0);
      let a3 = f32x4.splat(0);
      let t = first + (<usize>c << 2);
      for (let k = 0; k < n; k++) {
        const weight = f32x4.splat(load<f32>(w + (<usize>k << 2)));
        a0 = f32x4.add(a0, f32x4.mul(v128.load(t), weight));
        a1 = f32x4.add(a1, f32x4.mul(v128.load(t, 16), weight));
        a2 = f32x4.add(a2, f32x4.mul(v128.load(t, 32), weight));
        a3 = f32x4.add(a3, f32x4.mul(v128.load(t, 48), weight));
        t += rowBytes;
      }
      const at = outRow + (<usize>c << 2);
      v128.store(at, a0);
      v128.store(at, a1, 16);
      v128.store(at, a2, 32);
      v128.store(at, a3, 48);
    }
    for (let c = quads; c < vectors; c += 4) {
      let acc = f32x4.splat(0);
      let t = first + (<usize>c << 2);
      for (let k = 0; k < n; k++) {
        acc = f32x4.add(acc, f32x4.mul(v128.load(t), f32x4.splat(load<f32>(w + (<usize>k << 2)))));
        t += rowBytes;
      }
      v128.store(outRow + (<usize>c << 2), acc);
    }
    for (let c = vectors; c < rowLength; c++) {
      let acc: f32 = 0;
      let t = first + (<usize>c << 2);
      for (let k = 0; k < n; k++) {
        acc += load<f32>(t) * load<f32>(w + (<usize>k << 2));
        t += rowBytes;
      }
      store<f32>(outRow + (<usize>c << 2), acc);
    }
    // Rows are made in order: what the last group of a row writes past it in the planes, the next row overwrites.
    if (planes) sum = f32x4.add(sum, colourSpanToPlanes(outRow, rowLength / 3, program, ops, planes + <usize>o * <usize>(rowLength / 3) * 4, planeBytes));
    // Bytes of row o end before the floats of row o begin (or, for row 0, behind the ones read).
    else sum = f32x4.add(sum, colourSpan(outRow, rowLength / 3, program, ops, toBytes, out + <usize>o * <usize>rowLength, program + SCRATCH_OFFSET));
  }
  return toBytes ? 0 : laneTotal(sum) / <f64>(outH * (rowLength / 3));
}

/** The colour program of colour.ts over a whole image in place; returns the mean gray level of the result (0 with `toBytes`). */
export function colour(px: usize, pixels: i32, program: usize, ops: i32, toBytes: bool): f64 {
  return laneTotal(colourSpan(px, pixels, program, ops, toBytes, px, program + SCRATCH_OFFSET)) / <f64>pixels;
}

/**
 * A further pass of the colour program over the planes `resampleColumns` left; `to` (colour.ts's
 * TO_PLANES, TO_BYTES, TO_FLOATS) says what it leaves. Returns the mean gray level of the result
 * (0 with bytes).
 */
export function colourFromPlanes(planes: usize, planeBytes: usize, pixels: i32, program: usize, ops: i32, to: i32, out: usize): f64 {
  return laneTotal(colourPlanes(planes, planeBytes, pixels, program, ops, to, out)) / <f64>pixels;
}

// A contrast stage at the start of a colour program needs this mean first.

/** Mean of the ITU-R 601 gray level over `pixels` RGB pixels. */
export function grayMean(px: usize, pixels: i32): f64 {
  // Four pixels are three vectors; the weights repeat with the same period.
  const w0 = f32x4(0.2989, 0.587, 0.114, 0.2989);
  const w1 = f32x4(0.587, 0.114, 0.2989, 0.587);
  const w2 = f32x4(0.114, 0.2989, 0.587, 0.114);
  let acc = f32x4.splat(0);
  const blocks = pixels >> 2;
  for (let k = 0; k < blocks; k++) {
    const at = px + <usize>k * 48;
    acc = f32x4.add(acc, f32x4.add(f32x4.mul(v128.load(at), w0), f32x4.add(f32x4.mul(v128.load(at, 16), w1), f32x4.mul(v128.load(at, 32), w2))));
  }
  let total: f64 = <f64>f32x4.extract_lane(acc, 0) + <f64>f32x4.extract_lane(acc, 1) + <f64>f32x4.extract_lane(acc, 2) + <f64>f32x4.extract_lane(acc, 3);
  for (let p = blocks << 2; p < pixels; p++) {
    const at = px + <usize>p * 12;
    total += <f64>(<f32>0.2989 * load<f32>(at) + <f32>0.587 * load<f32>(at, 4) + <f32>0.114 * load<f32>(at, 8));
  }
  return total / <f64>pixels;
}

/**
 * The general warp from a byte source: each output pixel centre through the projective matrix
 * (m0…m8, output → input), bilinear; neighbours outside read the fill colour. Same arithmetic as
 * kernels/cpu/warpBilinear.ts (f64 coordinates).
 */
export function warpBilinearBytes(src: usize, srcW: i32, srcH: i32, m0: f64, m1: f64, m2: f64, m3: f64, m4: f64, m5: f64, m6: f64, m7: f64, m8: f64, outW: i32, outH: i32, f0: f32, f1: f32, f2: f32, out: usize): void {
  let o = out;
  for (let v = 0; v < outH; v++) {
    const cy = <f64>v + 0.5;
    for (let u = 0; u < outW; u++) {
      const cx = <f64>u + 0.5;
      const w = m6 * cx + m7 * cy + m8;
      const x = (m0 * cx + m1 * cy + m2) / w - 0.5;
      const y = (m3 * cx + m4 * cy + m5) / w - 0.5;
      const fx0 = Math.floor(x);
      const fy0 = Math.floor(y);
      if (!(fx0 >= -1 && fy0 >= -1 && fx0 < <f64>srcW && fy0 < <f64>srcH)) {
        store<f32>(o, f0);
        store<f32>(o, f1, 4);
        store<f32>(o, f2, 8);
        o += 12;
        continue;
      }
      const x0 = <i32>fx0;
      const y0 = <i32>fy0;
      const fx = x - fx0;
      const fy = y - fy0;
      const w00 = (1 - fx) * (1 - fy);
      const w10 = fx * (1 - fy);
      const w01 = (1 - fx) * fy;
      const w11 = fx * fy;
      const in0 = y0 >= 0;
      const in1 = y0 + 1 < srcH;
      const inL = x0 >= 0;
      const inR = x0 + 1 < srcW;
      const r0 = src + <usize>(y0 * srcW + x0) * 3;
      const r1 = r0 + <usize>srcW * 3;
      for (let c = 0; c < 3; c++) {
        const f: f64 = c == 0 ? f0 : c == 1 ? f1 : f2;
        const p00: f64 = in0 && inL ? <f64>load<u8>(r0 + c) : f;
        const p10: f64 = in0 && inR ? <f64>load<u8>(r0 + 3 + c) : f;
        const p01: f64 = in1 && inL ? <f64>load<u8>(r1 + c) : f;
        const p11: f64 = in1 && inR ? <f64>load<u8>(r1 + 3 + c) : f;
        store<f32>(o + (<usize>c << 2), <f32>(p00 * w00 + p10 * w10 + p01 * w01 + p11 * w11));
      }
      o += 12;
    }
  }
}
