import { invalid } from '../../validate.js';
import type { Size } from '../geometry.js';
import type { ParsedStep, PixelRatio, StepSpec } from '../op.js';

/**
 * Rejects options an op does not know (a typo like `scal` must not be silently ignored) and
 * returns a helper that prefixes messages with the step's position and op name.
 */
export function checkKnownOptions(spec: StepSpec, where: string, known: readonly string[]): void {
  for (const key of Object.keys(spec)) {
    if (key === 'op') continue;
    if (!known.includes(key)) {
      throw invalid(`${where}`, `one of the options ${known.join(', ')}`, key);
    }
  }
}

/** Normalises `size` (int or [h, w]) to a height and width. */
export function sizeToHW(size: number | [number, number]): { height: number; width: number } {
  return typeof size === 'number' ? { height: size, width: size } : { height: size[0], width: size[1] };
}

/** Python's round(): halves go to the even neighbour, as torchvision's centre crop does. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * The pixel-ratio bound of a wrapper whose children may each run or not: only ratios below 1
 * lower it; null when a child changes the size.
 */
export function eachMayRun(ops: ParsedStep[], size: Size, ratioOf: (steps: ParsedStep[], size: Size) => PixelRatio | null): PixelRatio | null {
  let x = 1;
  let y = 1;
  for (const child of ops) {
    const r = ratioOf([child], size);
    if (r === null) return null;
    x *= Math.min(1, r.x);
    y *= Math.min(1, r.y);
  }
  return { x, y };
}
