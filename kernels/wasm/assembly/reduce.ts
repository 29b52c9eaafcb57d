// AssemblyScript (imported by resample.ts, compiled into dist/kernels/wasm/resample.wasm), not TypeScript:
// the d×d box average of kernels/cpu/boxReduce.ts (what a JPEG DCT-scaled decode approximates)
// in WASM SIMD, with the same integers. Per output row: the d source rows summed into a u16 row
// (8 rows of 255 fit easily), then each output pixel's d column sums added across and divided.

/**
 * `src`: `h × w × channels` bytes. `cols`: u16 scratch of ceil(w/d)·d·channels + 16 lanes. `sums`:
 * u16 scratch of ceil(w/d)·channels + 8 lanes. `out`: ceil(h/d) × ceil(w/d) × channels bytes,
 * writable 8 bytes past the end. `d` is 2, 4 or 8 (the divisions of whole blocks are shifts).
 */
export function boxReduce(src: usize, w: i32, h: i32, channels: i32, d: i32, cols: usize, sums: usize, out: usize): void {
  const rowBytes = w * channels;
  const outW = (w + d - 1) / d;
  const outH = (h + d - 1) / d;
  const outRow = outW * channels;
  const padded = outW * d * channels;
  // Lanes past the image stay 0, so the last (partial) block's sum covers only its own pixels.
  for (let j = rowBytes; j < padded + 16; j++) store<u16>(cols + (<usize>j << 1), 0);
  const vectors = rowBytes & ~15;
  const lastCols = w - (outW - 1) * d;
  const shift = ctz<i32>(d) << 1;
  const half = i16x8.splat(<i16>((d * d) >> 1));
  for (let oy = 0; oy < outH; oy++) {
    const first = src + <usize>(oy * d) * <usize>rowBytes;
    const rows = min(d, h - oy * d);
    // Column sums of the block's rows, 16 bytes at a time.
    for (let j = 0; j < vectors; j += 16) {
      let lo = i16x8.splat(0);
      let hi = i16x8.splat(0);
      let p = first + <usize>j;
      for (let r = 0; r < rows; r++) {
        const v = v128.load(p);
        lo = i16x8.add(lo, i16x8.extend_low_i8x16_u(v));
        hi = i16x8.add(hi, i16x8.extend_high_i8x16_u(v));
        p += <usize>rowBytes;
      }
      const at = cols + (<usize>j << 1);
      v128.store(at, lo);
      v128.store(at, hi, 16);
    }
    for (let j = vectors; j < rowBytes; j++) {
      let sum: u32 = 0;
      let p = first + <usize>j;
      for (let r = 0; r < rows; r++) {
        sum += load<u8>(p);
        p += <usize>rowBytes;
      }
      store<u16>(cols + (<usize>j << 1), <u16>sum);
    }
    // Across: output pixel x sums column sums of pixels x·d … x·d + d - 1.
    if (channels == 3) {
      // A load of 8 lanes holds pixels k and k+1 (and 2 lanes of k+2): add the loads at pixels
      // 0, 2, …, d-2 of the block, then lanes 3-5 onto lanes 0-2. 16 bytes are stored per output
      // pixel; the next one overwrites all but its first 6.
      const blockBytes = <usize>(d * 6);
      const loads = d >> 1;
      let c = cols;
      let s = sums;
      for (let x = 0; x < outW; x++) {
        let acc = v128.load(c);
        for (let k = 1; k < loads; k++) acc = i16x8.add(acc, v128.load(c + <usize>(k * 12)));
        acc = i16x8.add(acc, i8x16.shuffle(acc, acc, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5));
        v128.store(s, acc);
        c += blockBytes;
        s += 6;
      }
    } else {
      for (let x = 0; x < outW; x++) {
        for (let ch = 0; ch < channels; ch++) {
          let sum: u32 = 0;
          let c = cols + (<usize>(x * d * channels + ch) << 1);
          for (let k = 0; k < d; k++) {
            sum += load<u16>(c);
            c += <usize>(channels << 1);
          }
          store<u16>(sums + (<usize>(x * channels + ch) << 1), <u16>sum);
        }
      }
    }
    // Divide, rounding halves up: whole blocks by a shift, 8 at a time (the last store may run
    // into the partial block, written after it, or past the row, written by the next row).
    const dst = out + <usize>oy * <usize>outRow;
    let whole = 0;
    if (rows == d) {
      whole = lastCols == d ? outRow : outRow - channels;
      for (let j = 0; j < whole; j += 8) {
        const v = i16x8.shr_u(i16x8.add(v128.load(sums + (<usize>j << 1)), half), shift);
        v128.store64_lane(dst + <usize>j, i8x16.narrow_i16x8_u(v, v), 0);
      }
    }
    for (let j = whole; j < outRow; j++) {
      const n = <u32>(min(d, w - (j / channels) * d) * rows);
      store<u8>(dst + <usize>j, <u8>(((<u32>load<u16>(sums + (<usize>j << 1)) << 1) + n) / (n << 1)));
    }
  }
}
