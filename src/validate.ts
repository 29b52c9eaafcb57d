import { UsageError } from './errors.js';

/**
 * One-line predicates and one message format for every option a user sets, in the style of
 * sharp: `expected positive integer for size but received -1`. `where` names the option
 * (`--size`, `pipeline[0] randomResizedCrop.scale`) so the message says what to fix.
 */
export function invalid(where: string, expected: string, value: unknown): UsageError {
  return new UsageError(`expected ${expected} for ${where} but received ${describe(value)}`);
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value) || (value !== null && typeof value === 'object')) return JSON.stringify(value);
  return String(value);
}

export const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
export const isInteger = (v: unknown): v is number => Number.isSafeInteger(v);
export const isPositiveInteger = (v: unknown): v is number => isInteger(v) && v > 0;
export const inRange = (v: unknown, min: number, max: number): v is number => isNumber(v) && v >= min && v <= max;

export function positiveInteger(where: string, value: unknown): number {
  if (!isPositiveInteger(value)) throw invalid(where, 'positive integer', value);
  return value;
}

export function nonNegativeInteger(where: string, value: unknown): number {
  if (!isInteger(value) || value < 0) throw invalid(where, 'integer >= 0', value);
  return value;
}

export function numberInRange(where: string, value: unknown, min: number, max: number): number {
  if (!inRange(value, min, max)) throw invalid(where, `number in [${min}, ${max}]`, value);
  return value;
}

export function oneOf<T extends string>(where: string, value: unknown, choices: readonly T[]): T {
  if (typeof value !== 'string' || !choices.includes(value as T)) throw invalid(where, `one of ${choices.join(', ')}`, value);
  return value as T;
}

/** `[min, max]` with min <= max, both inside [lo, hi]. */
export function numberPair(where: string, value: unknown, lo: number, hi: number): [number, number] {
  if (!Array.isArray(value) || value.length !== 2 || !inRange(value[0], lo, hi) || !inRange(value[1], lo, hi) || value[0] > value[1]) {
    throw invalid(where, `[min, max] with ${lo} <= min <= max <= ${hi}`, value);
  }
  return [value[0], value[1]];
}

/** Images with more pixels are refused (decompression bombs): Pillow's limit. */
export const DEFAULT_MAX_PIXELS = 89_478_485;

/**
 * An output size: one positive integer (square, or shorter side for resize) or `[height, width]`,
 * of at most `maxPixels` pixels (`--max-pixels`, the limit on source images): a larger image would
 * overflow the kernels' memory midway through the run, so it is refused before anything starts.
 */
export function sizeOption(where: string, value: unknown, maxPixels = DEFAULT_MAX_PIXELS): number | [number, number] {
  const size = isPositiveInteger(value) ? value : Array.isArray(value) && value.length === 2 && isPositiveInteger(value[0]) && isPositiveInteger(value[1]) ? ([value[0], value[1]] as [number, number]) : null;
  if (size === null) throw invalid(where, 'positive integer or [height, width]', value);
  const pixels = typeof size === 'number' ? size * size : size[0] * size[1];
  if (pixels > maxPixels) throw new UsageError(`expected a size of at most ${maxPixels} pixels (--max-pixels) for ${where} but received ${describe(value)} (${pixels} pixels)`);
  return size;
}

/**
 * A symmetric range: `d` means [-d, d] (d >= 0), or an explicit `[min, max]`, as torchvision's
 * `degrees`. Values must lie in [lo, hi].
 */
export function symmetricRange(where: string, value: unknown, lo: number, hi: number): [number, number] {
  if (isNumber(value) && value >= 0 && value <= hi) return [-value, value];
  if (Array.isArray(value)) return numberPair(where, value, lo, hi);
  throw invalid(where, `number in [0, ${hi}] or [min, max]`, value);
}

/** A colour: one level for all channels or [r, g, b], each in [0, 255]. */
export function fillColour(where: string, value: unknown): [number, number, number] {
  if (inRange(value, 0, 255)) return [value, value, value];
  if (Array.isArray(value) && value.length === 3 && value.every((v) => inRange(v, 0, 255))) return [value[0], value[1], value[2]];
  throw invalid(where, 'a level in [0, 255] or [r, g, b]', value);
}

/** A factor range for colour jitter: `f` means [max(0, 1 - f), 1 + f], or an explicit [min, max]. */
export function jitterRange(where: string, value: unknown, centre: number, lo: number, hi: number): [number, number] | null {
  if (value === 0 || value === null) return null;
  if (isNumber(value)) {
    if (value < 0) throw invalid(where, 'number >= 0 or [min, max]', value);
    return [Math.max(lo, centre - value), Math.min(hi, centre + value)];
  }
  return numberPair(where, value, lo, hi);
}
