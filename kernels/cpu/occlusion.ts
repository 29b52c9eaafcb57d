/**
 * Per-pixel random values and rectangles: gaussian noise and random erasing. Random numbers come
 * from the sample's counter RNG keyed by the stage's key, drawn in pixel order, so they are the
 * same on every backend and batch.
 */
import { SampleRng } from '../../src/augment/rng.js';
import type { Stage } from '../../src/augment/stages.js';

/** The stage's noise for `n` values, in pixel order (what every backend adds). */
export function noiseValues(stage: Extract<Stage, { type: 'noise' }>, n: number): Float32Array {
  const rng = new SampleRng(...stage.key);
  const noise = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    // Box–Muller: two uniforms give two independent standard normals.
    const r = Math.sqrt(-2 * Math.log(1 - rng.uniform()));
    const a = 2 * Math.PI * rng.uniform();
    noise[i] = stage.mean + stage.sigma * r * Math.cos(a);
    if (i + 1 < n) noise[i + 1] = stage.mean + stage.sigma * r * Math.sin(a);
  }
  return noise;
}

export function addNoise(px: Float32Array, stage: Extract<Stage, { type: 'noise' }>): void {
  const noise = noiseValues(stage, px.length);
  for (let i = 0; i < px.length; i++) px[i] = clamp(px[i] + noise[i]);
}

export function erase(px: Float32Array, width: number, stage: Extract<Stage, { type: 'erase' }>): void {
  const rng = stage.value === 'random' ? new SampleRng(...stage.key) : null;
  for (let y = stage.top; y < stage.top + stage.height; y++) {
    for (let x = stage.left; x < stage.left + stage.width; x++) {
      const o = (y * width + x) * 3;
      for (let c = 0; c < 3; c++) px[o + c] = rng ? Math.floor(rng.uniform() * 256) : (stage.value as number[])[c];
    }
  }
}

const clamp = (v: number) => (v < 0 ? 0 : v > 255 ? 255 : v);
