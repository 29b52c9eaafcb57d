/**
 * The fused pass: one thread per output pixel of the whole ragged batch. It finds its sample (a
 * binary search over the records' output offsets), runs the sample's head — the warp (separable
 * antialiased resampling for axis-aligned matrices, bilinear otherwise), one direction of a
 * gaussian blur, the sharpness filter or a copy — then the sample's pointwise ops in order, each
 * clamped as the reference clamps. WGSL ports of kernels/cpu/*, in f32.
 */
import type { WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import { HEAD, OP, OP_WORDS } from './passes.js';
import { STATS_WORDS } from './reduceProgram.js';
import { RECORDS, RNG, sourceReader, type SourceKind } from './wgsl.js';

export const WORKGROUP = 64;

export class PixelPassProgram implements WebGPUProgram {
  variableNames = ['src', 'rec', 'ops', 'stats'];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout = { x: [0] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [WORKGROUP, 1, 1];
  uniforms = 'numSamples : i32, numPixels : i32,';

  /**
   * @param source what the `src` input holds: packed source bytes (round 0), int32 values, or the previous round's floats
   * @param capacity floats in the output buffer: at least `pixels × 3` (a `sizeClass`, for tfjs's pool)
   */
  constructor(pixels: number, private readonly source: SourceKind, capacity = pixels * 3) {
    this.outputShape = [capacity];
    this.dispatch = [Math.ceil(pixels / WORKGROUP), 1, 1];
    // Shapes and per-batch values are uniforms and storage buffers: one pipeline per source kind.
    this.shaderKey = `remuxPixelPass_${source}`;
  }

  getUserCode(): string {
    return `
${RECORDS}
${RNG}
${sourceReader(this.source)}
const OP_WORDS = ${OP_WORDS};
const STATS_WORDS = ${STATS_WORDS};

fn findSample(p : i32) -> i32 {
  var lo = 0;
  var hi = uniforms.numSamples - 1;
  while (lo < hi) {
    let mid = (lo + hi + 1) / 2;
    if (recI(mid, OUT_BASE) <= p) { lo = mid; } else { hi = mid - 1; }
  }
  return lo;
}

fn pix(s : i32, x : i32, y : i32) -> vec3<f32> {
  let i = recI(s, IN_BASE) + (y * recI(s, IN_W) + x) * 3;
  return vec3<f32>(inValue(i), inValue(i + 1), inValue(i + 2));
}

fn fillOf(s : i32) -> vec3<f32> { return vec3<f32>(recF(s, FILL), recF(s, FILL + 1), recF(s, FILL + 2)); }

fn tri(d : f32, support : f32) -> f32 { return max(0.0, 1.0 - abs(d) / support); }

// kernels/cpu/resampleAxisAligned: a triangle filter whose support widens with the shrink factor,
// weights renormalised over the taps inside the source.
fn resample(s : i32, x : i32, y : i32) -> vec3<f32> {
  let inW = recI(s, IN_W);
  let inH = recI(s, IN_H);
  let sx = recF(s, MATRIX);
  let sy = recF(s, MATRIX + 4);
  let cx = sx * (f32(x) + 0.5) + recF(s, MATRIX + 2);
  let cy = sy * (f32(y) + 0.5) + recF(s, MATRIX + 5);
  if (cx < 0.0 || cx >= f32(inW) || cy < 0.0 || cy >= f32(inH)) { return fillOf(s); }
  let supX = max(1.0, abs(sx));
  let supY = max(1.0, abs(sy));
  let x0 = max(0, i32(floor(cx - supX - 0.5)) + 1);
  let x1 = min(inW - 1, i32(ceil(cx + supX - 0.5)) - 1);
  let y0 = max(0, i32(floor(cy - supY - 0.5)) + 1);
  let y1 = min(inH - 1, i32(ceil(cy + supY - 0.5)) - 1);
  var totalX = 0.0;
  for (var i = x0; i <= x1; i++) { totalX += tri(f32(i) + 0.5 - cx, supX); }
  var totalY = 0.0;
  var acc = vec3<f32>(0.0);
  for (var j = y0; j <= y1; j++) {
    let wy = tri(f32(j) + 0.5 - cy, supY);
    if (wy <= 0.0) { continue; }
    var row = vec3<f32>(0.0);
    for (var i = x0; i <= x1; i++) { row += tri(f32(i) + 0.5 - cx, supX) * pix(s, i, j); }
    acc += wy * (row / totalX);
    totalY += wy;
  }
  return acc / totalY;
}

// kernels/cpu/warpBilinear: neighbours outside the source read the fill colour.
fn bilinear(s : i32, x : i32, y : i32) -> vec3<f32> {
  let inW = recI(s, IN_W);
  let inH = recI(s, IN_H);
  let cx = f32(x) + 0.5;
  let cy = f32(y) + 0.5;
  let w = recF(s, MATRIX + 6) * cx + recF(s, MATRIX + 7) * cy + recF(s, MATRIX + 8);
  let px = (recF(s, MATRIX) * cx + recF(s, MATRIX + 1) * cy + recF(s, MATRIX + 2)) / w - 0.5;
  let py = (recF(s, MATRIX + 3) * cx + recF(s, MATRIX + 4) * cy + recF(s, MATRIX + 5)) / w - 0.5;
  let fill = fillOf(s);
  let fx0 = floor(px);
  let fy0 = floor(py);
  if (!(fx0 >= -1.0 && fy0 >= -1.0 && fx0 < f32(inW) && fy0 < f32(inH))) { return fill; }
  let fx = px - fx0;
  let fy = py - fy0;
  let x0 = i32(fx0);
  let y0 = i32(fy0);
  var p00 = fill; var p10 = fill; var p01 = fill; var p11 = fill;
  let in0 = y0 >= 0;
  let in1 = y0 + 1 < inH;
  let inL = x0 >= 0;
  let inR = x0 + 1 < inW;
  if (in0 && inL) { p00 = pix(s, x0, y0); }
  if (in0 && inR) { p10 = pix(s, x0 + 1, y0); }
  if (in1 && inL) { p01 = pix(s, x0, y0 + 1); }
  if (in1 && inR) { p11 = pix(s, x0 + 1, y0 + 1); }
  return p00 * ((1.0 - fx) * (1.0 - fy)) + p10 * (fx * (1.0 - fy)) + p01 * ((1.0 - fx) * fy) + p11 * (fx * fy);
}

fn reflect(i : i32, n : i32) -> i32 {
  if (n == 1) { return 0; }
  let period = 2 * (n - 1);
  var k = ((i % period) + period) % period;
  if (k >= n) { k = period - k; }
  return k;
}

// kernels/cpu/convolve gaussianBlur, one direction: torchvision's kernel, reflected borders.
fn blur(s : i32, x : i32, y : i32, horizontal : bool) -> vec3<f32> {
  let taps = recI(s, TAPS);
  let sigma = recF(s, PARAM);
  let half = (taps - 1) / 2;
  var total = 0.0;
  var acc = vec3<f32>(0.0);
  for (var k = 0; k < taps; k++) {
    let d = f32(k - half) / sigma;
    let weight = exp(-0.5 * d * d);
    total += weight;
    if (horizontal) { acc += weight * pix(s, reflect(x + k - half, recI(s, IN_W)), y); }
    else { acc += weight * pix(s, x, reflect(y + k - half, recI(s, IN_H))); }
  }
  return acc / total;
}

// kernels/cpu/convolve sharpness: a blend with the 3×3-smoothed image, rounded; the border is kept.
fn sharpen(s : i32, x : i32, y : i32) -> vec3<f32> {
  let w = recI(s, IN_W);
  let h = recI(s, IN_H);
  let centre = pix(s, x, y);
  if (x == 0 || y == 0 || x == w - 1 || y == h - 1) { return centre; }
  var around = vec3<f32>(0.0);
  for (var j = -1; j <= 1; j++) {
    for (var i = -1; i <= 1; i++) { if (i != 0 || j != 0) { around += pix(s, x + i, y + j); } }
  }
  let smoothed = floor((around + 5.0 * centre) / 13.0 + 0.5);
  let factor = recF(s, PARAM);
  return clamp(factor * centre + (1.0 - factor) * smoothed, vec3<f32>(0.0), vec3<f32>(255.0));
}

// kernels/cpu/pointwise shiftHue: torchvision's rgb → hsv, rotate, hsv → rgb.
fn shiftHue(v : vec3<f32>, shift : f32) -> vec3<f32> {
  let c = v / 255.0;
  let mx = max(c.x, max(c.y, c.z));
  let mn = min(c.x, min(c.y, c.z));
  let range = mx - mn;
  if (range == 0.0) { return v; }
  let sat = range / mx;
  let rc = (mx - c.x) / range;
  let gc = (mx - c.y) / range;
  let bc = (mx - c.z) / range;
  var h : f32;
  if (mx == c.x) { h = bc - gc; } else if (mx == c.y) { h = 2.0 + rc - bc; } else { h = 4.0 + gc - rc; }
  h = fract(fract(h / 6.0 + 1.0) + shift + 1.0);
  let h6 = h * 6.0;
  let sector = i32(floor(h6)) % 6;
  let f = h6 - floor(h6);
  let p = clamp(mx * (1.0 - sat), 0.0, 1.0);
  let q = clamp(mx * (1.0 - sat * f), 0.0, 1.0);
  let t = clamp(mx * (1.0 - sat * (1.0 - f)), 0.0, 1.0);
  var out : vec3<f32>;
  switch sector {
    case 0: { out = vec3<f32>(mx, t, p); }
    case 1: { out = vec3<f32>(q, mx, p); }
    case 2: { out = vec3<f32>(p, mx, t); }
    case 3: { out = vec3<f32>(p, q, mx); }
    case 4: { out = vec3<f32>(t, p, mx); }
    default: { out = vec3<f32>(mx, p, q); }
  }
  return out * 255.0;
}

// kernels/cpu/occlusion noiseValues: value j is the cosine (even j) or sine (odd j) half of the
// Box–Muller pair drawn from counters 2⌊j/2⌋ and 2⌊j/2⌋ + 1.
fn gaussian(a : u32, b : u32, j : u32) -> f32 {
  let c = (j >> 1u) * 2u;
  // 1 - u from its integer parts, so that it never rounds to 0 in f32.
  let oneMinus = (f32(0x8000000u - drawHigh(a, c)) - f32(drawLow(b, c)) / 67108864.0) / 134217728.0;
  let radius = sqrt(-2.0 * log(oneMinus));
  let turn = (f32(drawHigh(a, c + 1u)) * 67108864.0 + f32(drawLow(b, c + 1u))) / 9007199254740992.0;
  // cos(2πu) = -cos(2π(u - ½)): keeps the argument in [-π, π), where WGSL's cos and sin are accurate.
  let angle = 6.283185307179586 * (turn - 0.5);
  return -radius * select(cos(angle), sin(angle), (j & 1u) == 1u);
}

fn opF(o : i32, k : i32) -> f32 { return bitcast<f32>(ops[o + k]); }
fn opU(o : i32, k : i32) -> u32 { return bitcast<u32>(ops[o + k]); }

fn applyOps(s : i32, start : vec3<f32>, x : i32, y : i32) -> vec3<f32> {
  var v = start;
  let lo = vec3<f32>(0.0);
  let hi = vec3<f32>(255.0);
  let st = s * STATS_WORDS;
  let first = recI(s, OP_START);
  let count = recI(s, OP_COUNT);
  for (var k = 0; k < count; k++) {
    let o = (first + k) * OP_WORDS;
    let factor = opF(o, 1);
    switch ops[o] {
      case ${OP.brightness}: { v = clamp(v * factor, lo, hi); }
      case ${OP.contrast}: { v = clamp(v * factor + (1.0 - factor) * stats[st], lo, hi); }
      case ${OP.saturation}: { v = clamp(v * factor + (1.0 - factor) * dot(GRAY, v), lo, hi); }
      case ${OP.hue}: { v = shiftHue(v, factor); }
      case ${OP.grayscale}: { v = vec3<f32>(dot(GRAY, v)); }
      case ${OP.solarize}: { v = select(v, 255.0 - v, v >= vec3<f32>(factor)); }
      case ${OP.posterize}: { v = vec3<f32>(vec3<u32>(floor(v + 0.5)) & vec3<u32>(opU(o, 1))); }
      case ${OP.invert}: { v = 255.0 - v; }
      case ${OP.autoContrast}: {
        for (var c = 0; c < 3; c++) {
          // Whole levels, as kernels/cpu/histogram.ts: a channel flat to the level stays as it is.
          let mn = floor(stats[st + 1 + c] + 0.5);
          let mx = floor(stats[st + 4 + c] + 0.5);
          if (mx > mn) { v[c] = clamp((v[c] - mn) * (255.0 / (mx - mn)), 0.0, 255.0); }
        }
      }
      case ${OP.equalize}: {
        for (var c = 0; c < 3; c++) {
          if (stats[st + 7 + c] != 0.0) { v[c] = stats[st + 16 + c * 256 + i32(floor(v[c] + 0.5))]; }
        }
      }
      case ${OP.noise}: {
        let j = u32((y * recI(s, OUT_W) + x) * 3);
        for (var c = 0; c < 3; c++) { v[c] = clamp(v[c] + factor + opF(o, 2) * gaussian(opU(o, 3), opU(o, 4), j + u32(c)), 0.0, 255.0); }
      }
      case ${OP.erase}: {
        let top = i32(opU(o, 1));
        let left = i32(opU(o, 2));
        let width = i32(opU(o, 4));
        if (y >= top && y < top + i32(opU(o, 3)) && x >= left && x < left + width) {
          if (opU(o, 8) == 1u) {
            // Drawn in box order: floor(u · 256) is the top 8 of the draw's high 27 bits.
            let j = u32(((y - top) * width + x - left) * 3);
            for (var c = 0; c < 3; c++) { v[c] = f32(drawHigh(opU(o, 9), j + u32(c)) >> 19u); }
          } else {
            v = vec3<f32>(opF(o, 5), opF(o, 6), opF(o, 7));
          }
        }
      }
      default: {}
    }
  }
  return v;
}

fn main(index : i32) {
  if (index >= uniforms.numPixels) { return; }
  let s = findSample(index);
  let local = index - recI(s, OUT_BASE);
  let w = recI(s, OUT_W);
  let y = local / w;
  let x = local - y * w;
  var v : vec3<f32>;
  switch recI(s, HEAD_KIND) {
    case ${HEAD.resample}: { v = resample(s, x, y); }
    case ${HEAD.bilinear}: { v = bilinear(s, x, y); }
    case ${HEAD.blurX}: { v = blur(s, x, y, true); }
    case ${HEAD.blurY}: { v = blur(s, x, y, false); }
    case ${HEAD.sharpen}: { v = sharpen(s, x, y); }
    default: { v = pix(s, x, y); }
  }
  v = applyOps(s, v, x, y);
  let o = index * 3;
  result[o] = v.x;
  result[o + 1] = v.y;
  result[o + 2] = v.z;
}
`;
  }
}
