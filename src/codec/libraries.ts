import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * The codec libraries, loaded on first use so that a missing optional one (a platform without
 * a prebuilt libjpeg-turbo binding, say) only removes that codec instead of failing the run.
 */
const require = createRequire(import.meta.url);

export type JpegTurbo = typeof import('@julusian/jpeg-turbo');
export type Sharp = typeof import('sharp', { with: { 'resolution-mode': 'require' } });
export type JpegJs = typeof import('jpeg-js');

const cache = new Map<string, unknown>();

function load<T>(name: string): T | null {
  if (!cache.has(name)) {
    try {
      cache.set(name, require(name));
    } catch {
      cache.set(name, null);
    }
  }
  return cache.get(name) as T | null;
}

export const jpegTurbo = (): JpegTurbo | null => load<JpegTurbo>('@julusian/jpeg-turbo');
let singleThreadedSharp = false;

/**
 * For worker threads: one libvips thread (parallelism comes from the pool) and no operation
 * cache, applied when sharp first loads, so that a worker that only meets JPEGs never loads it.
 */
export function useSingleThreadedSharp(): void {
  singleThreadedSharp = true;
}

export function sharpLib(): Sharp | null {
  const first = !cache.has('sharp');
  const sharp = load<Sharp>('sharp');
  if (first && sharp && singleThreadedSharp) {
    sharp.concurrency(1);
    sharp.cache(false);
  }
  return sharp;
}
export const jpegJs = (): JpegJs | null => load<JpegJs>('jpeg-js');

/** Installed versions, for `remux.json`. */
export function codecVersions(): Record<string, string | null> {
  return Object.fromEntries(['@julusian/jpeg-turbo', 'sharp', 'jpeg-js', 'parquet-wasm', 'apache-arrow'].map((pkg) => [pkg, packageVersion(pkg)]));
}

/** Walks up from the package's entry point to its package.json (some packages do not export it). */
function packageVersion(pkg: string): string | null {
  try {
    let dir = dirname(require.resolve(pkg));
    while (dir !== dirname(dir)) {
      try {
        const json = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
        if (json.name === pkg) return json.version ?? null;
      } catch {
        // no package.json at this level
      }
      dir = dirname(dir);
    }
  } catch {
    // not installed
  }
  return null;
}

