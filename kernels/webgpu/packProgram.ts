/**
 * The one rounding of the program (kernels/cpu/runStages toBytes: nearest, halves up, clamped),
 * writing either one 32-bit word per pixel with its three bytes (the batched path: a quarter of
 * the read-back of one int per channel) or one int32 per channel (the `RemuxPixelProgram` kernel).
 */
import type { WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';

export class PackProgram implements WebGPUProgram {
  variableNames = ['src'];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout = { x: [0] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [64, 1, 1];
  uniforms = 'numPixels : i32,';

  constructor(pixels: number, private readonly packed: boolean, shape?: number[]) {
    this.outputShape = shape ?? [packed ? pixels : pixels * 3];
    this.dispatch = [Math.ceil(pixels / 64), 1, 1];
    this.shaderKey = `remuxPack_${packed}`;
  }

  getUserCode(): string {
    const store = this.packed
      ? 'result[index] = bitcast<i32>(u32(level(0)) | (u32(level(1)) << 8u) | (u32(level(2)) << 16u));'
      : 'for (var c = 0; c < 3; c++) { result[index * 3 + c] = level(c); }';
    return `
var<private> at : i32;
fn level(c : i32) -> i32 { return clamp(i32(src[at + c] + 0.5), 0, 255); }
fn main(index : i32) {
  if (index >= uniforms.numPixels) { return; }
  at = index * 3;
  ${store}
}
`;
  }
}
