import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';

/** The Python modules the consumer checks read outputs with. */
export const PYTHON_MODULES = ['datasets', 'pyarrow', 'polars', 'PIL'];

/**
 * The Python interpreter that has `PYTHON_MODULES`: `REMUX_PYTHON` (what `.ci/run` sets), else the
 * clone's `.venv/bin/python` when there is one; or why there is none, for the skip message.
 */
export function findPython(): { python: string } | { why: string } {
  const python = process.env.REMUX_PYTHON ?? (existsSync('.venv/bin/python') ? '.venv/bin/python' : null);
  if (!python) return { why: 'no Python: set REMUX_PYTHON, or make .venv/ with datasets, pyarrow, pillow and polars (as .ci/run does)' };
  const check = spawnSync(python, ['-c', `import ${PYTHON_MODULES.join(', ')}`], { encoding: 'utf8' });
  if (check.error) return { why: `cannot run ${python}: ${check.error.message}` };
  if (check.status !== 0) return { why: `${python} lacks a module of ${PYTHON_MODULES.join(', ')}: ${check.stderr.trim().split('\n').at(-1)}` };
  return { python };
}

/**
 * Runs one of the scripts under test/python/ with `args` and parses the JSON it prints: one
 * process per call, its report small. A failing script fails with its stderr.
 */
export async function runPython<T>(python: string, script: string, args: string[]): Promise<T> {
  const { stdout } = await promisify(execFile)(python, [`test/python/${script}`, ...args], { maxBuffer: 64 * 1024 * 1024, env: { ...process.env, HF_DATASETS_OFFLINE: '1', HF_HUB_OFFLINE: '1' } });
  return JSON.parse(stdout) as T;
}

/** What test/python/probe.py saw of one split of an output. */
export interface SplitReport {
  rows: number;
  features: Record<string, unknown>;
  feature_reprs: Record<string, string>;
  images: Array<{ size?: [number, number]; mode?: string; format?: string; shape?: number[]; sha256: string }>;
  columns: Record<string, unknown[]>;
  files: string[];
  metadata: unknown[];
  datasets_metadata: unknown;
  arrow_types: Record<string, string>;
  datasets_arrow_types: Record<string, string>;
  pyarrow_rows: number;
  polars_rows: number;
  polars_columns: string[];
}

export interface OutputReport {
  splits: Record<string, SplitReport>;
  /** The features the dataset card's YAML declares, as `datasets` parses them. */
  card_features: Record<string, unknown>;
}

/** `load_dataset`, pyarrow and polars on the output in `out`: every split, in one Python process. */
export const probeOutput = (python: string, out: string) => runPython<OutputReport>(python, 'probe.py', [out]);
