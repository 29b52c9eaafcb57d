import type { PixelOp } from '../op.js';
import { invalid, isInteger, isNumber, numberPair } from '../../validate.js';
import { checkKnownOptions } from './optionsReader.js';

export interface GaussianBlurOptions {
  /** Odd kernel size, int or [x, y]. Required. */
  kernelSize: [number, number];
  /** Sigma range [min, max] (a number fixes it). Default [0.1, 2]. */
  sigma: [number, number];
}

/**
 * Blurs with a gaussian of random sigma (the same on both axes), borders reflected.
 * Reference: `torchvision.transforms.v2.GaussianBlur`.
 * @example {"op": "gaussianBlur", "kernelSize": 9, "sigma": [0.1, 2]}
 */
export const gaussianBlur: PixelOp<GaussianBlurOptions, { sigma: number }> = {
  name: 'gaussianBlur',
  kind: 'pixel',
  parse(spec, where) {
    checkKnownOptions(spec, where, ['kernelSize', 'sigma']);
    const odd = (v: unknown) => isInteger(v) && v > 0 && v % 2 === 1;
    const k = spec.kernelSize;
    let kernelSize: [number, number];
    if (odd(k)) kernelSize = [k as number, k as number];
    else if (Array.isArray(k) && k.length === 2 && k.every(odd)) kernelSize = [k[0], k[1]];
    else throw invalid(`${where}.kernelSize`, 'odd positive integer or [x, y] of them', k);
    const s = spec.sigma ?? [0.1, 2];
    const sigma: [number, number] = isNumber(s) && s > 0 ? [s, s] : numberPair(`${where}.sigma`, s, 1e-6, 1e3);
    return { kernelSize, sigma };
  },
  sample: (options, rng) => ({ sigma: rng.range(options.sigma[0], options.sigma[1]) }),
  stages: (options, params) => [{ type: 'blur', kernelSize: options.kernelSize, sigma: [params.sigma, params.sigma] }],
};
