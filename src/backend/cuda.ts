/**
 * What `remux doctor` can tell about CUDA without loading anything: the CUDA libraries the dynamic
 * loader would give libtensorflow (tfjs-node-gpu 4.22 opens libcudart.so.11.0 and libcudnn.so.8;
 * with others it computes on the CPU), and the NVIDIA GPUs the driver lists.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { delimiter } from 'node:path';

/** The sonames libtensorflow 2.9 (tfjs-node-gpu 4.22) opens; any other version means CPU. */
export const TENSORFLOW_NEEDS = ['libcudart.so.11.0', 'libcudnn.so.8'];

const CUDA_LIBRARY = /^lib(cudart|cudnn|cublas|cublasLt|cufft|curand|cusolver|cusparse)\.so(\.\d+)*$/;

/** CUDA library names in `ldconfig -p` output and in directory listings, sorted, without duplicates. */
export function cudaLibraryNames(ldconfigOutput: string, listings: readonly string[]): string[] {
  const fromCache = ldconfigOutput.split('\n').map((line) => line.trim().split(' ')[0]);
  return [...new Set([...fromCache, ...listings].filter((name) => CUDA_LIBRARY.test(name)))].sort();
}

/** The CUDA libraries this process's loader can find: the ldconfig cache and LD_LIBRARY_PATH. */
export function cudaLibraries(): string[] {
  const listings = (process.env.LD_LIBRARY_PATH ?? '').split(delimiter).filter(Boolean).flatMap((dir) => quietly(() => readdirSync(dir), []));
  return cudaLibraryNames(quietly(() => execFileSync('ldconfig', ['-p'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }), ''), listings);
}

/** Which of the libraries tfjs-node-gpu needs are missing from `found`. */
export function missingForTensorflow(found: readonly string[]): string[] {
  return TENSORFLOW_NEEDS.filter((name) => !found.includes(name));
}

/** `name, driver, memory` per NVIDIA GPU, from nvidia-smi; empty without one (or without the driver). */
export function nvidiaGpus(): string[] {
  const out = quietly(() => execFileSync('nvidia-smi', ['--query-gpu=name,driver_version,memory.total', '--format=csv,noheader'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 }), '');
  return out.split('\n').map((l) => l.trim()).filter(Boolean);
}

/** A probe of the machine that may find nothing: absence is an answer, not an error. */
function quietly<T>(probe: () => T, absent: T): T {
  try {
    return probe();
  } catch {
    return absent;
  }
}
