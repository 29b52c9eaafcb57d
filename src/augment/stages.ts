import type { Mat3, Size } from './geometry.js';

export type Rgb = [number, number, number];

/** The counter-RNG key of a stage that draws per-pixel random numbers in the kernel. */
export type StageKey = [seed: number, sourceIndex: number, copy: number, stream: number];

/**
 * One step of a sample's pixel program, what the kernels execute in order. Consecutive geometric
 * ops have already been composed into one `warp`; every other stage works on the current image.
 * Values are 0–255 floats between stages, clamped after each stage, rounded at the end.
 */
export type Stage =
  /** Resample: each output pixel reads the input at `matrix · (u, v, 1)`; outside reads `fill`. */
  | { type: 'warp'; matrix: Mat3; size: Size; fill: Rgb }
  | { type: 'brightness'; factor: number }
  /** Blends with the mean of the grayscale image. */
  | { type: 'contrast'; factor: number }
  /** Blends with the grayscale image. */
  | { type: 'saturation'; factor: number }
  /** Rotates the hue by `shift` turns, in [-0.5, 0.5]. */
  | { type: 'hue'; shift: number }
  | { type: 'grayscale' }
  | { type: 'solarize'; threshold: number }
  | { type: 'posterize'; bits: number }
  | { type: 'invert' }
  | { type: 'autoContrast' }
  | { type: 'equalize' }
  /** Blends with the image smoothed by [[1,1,1],[1,5,1],[1,1,1]]/13; the border is kept. */
  | { type: 'sharpness'; factor: number }
  | { type: 'blur'; kernelSize: [number, number]; sigma: [number, number] }
  /** Adds gaussian noise, `sigma` in 0–255 units, drawn per pixel from `key`. */
  | { type: 'noise'; mean: number; sigma: number; key: StageKey }
  /** Fills a rectangle with `value`, or with uniform random values drawn per pixel from `key`. */
  | { type: 'erase'; top: number; left: number; height: number; width: number; value: Rgb | 'random'; key: StageKey };

