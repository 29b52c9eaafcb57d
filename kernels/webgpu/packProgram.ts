/**
 * The one rounding of the program (kernels/cpu/runStages toBytes: nearest, halves up, clamped),
 * writing either the RGB bytes of the whole batch back to back, four to a 32-bit word (the batched
 * path: a quarter of the read-back of one int per channel, and each sample's bytes a plain slice of
 * it, with nothing to unpack on the host) or one int32 per channel (the `RemuxPixelProgram` kernel).
 */
import type { WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';

export class PackProgram implements WebGPUProgram {
  variableNames = ['src'];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout = { x: [0] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [64, 1, 1];
  uniforms = 'count : i32,';

  /** The RGB bytes of `pixels` pixels in words; the output holds `capacity` words (at least enough). */
  static rgbWords(pixels: number, capacity: number): PackProgram {
    return new PackProgram(true, pixels * 3, Math.ceil((pixels * 3) / 4), [capacity]);
  }

  /** One int32 per channel of `pixels` pixels, in `shape`. */
  static values(pixels: number, shape: number[]): PackProgram {
    return new PackProgram(false, pixels, pixels, shape);
  }

  /** @param count the `count` uniform: values to pack (words mode) or pixels (values mode) */
  private constructor(private readonly words: boolean, readonly count: number, threads: number, shape: number[]) {
    this.outputShape = shape;
    this.dispatch = [Math.ceil(threads / 64), 1, 1];
    this.shaderKey = `remuxPack_${words}`;
  }

  getUserCode(): string {
    const body = this.words
      ? `let first = index * 4;
  if (first >= uniforms.count) { return; }
  var word = 0u;
  for (var k = 0; k < 4; k++) {
    if (first + k < uniforms.count) { word = word | (u32(level(first + k)) << (u32(k) * 8u)); }
  }
  result[index] = bitcast<i32>(word);`
      : `if (index >= uniforms.count) { return; }
  for (var c = 0; c < 3; c++) { result[index * 3 + c] = level(index * 3 + c); }`;
    return `
fn level(i : i32) -> i32 { return clamp(i32(src[i] + 0.5), 0, 255); }
fn main(index : i32) {
  ${body}
}
`;
  }
}
