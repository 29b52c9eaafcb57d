import { execSync, spawnSync } from 'node:child_process';
import { cpus } from 'node:os';

/** The machine, for the record beside every figure. */
export function machine(): string {
  const load = execSync('cut -d" " -f1-3 /proc/loadavg', { encoding: 'utf8' }).trim();
  return `${cpus().length} cores, ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.versions.node}, load before: ${load}`;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export interface RunFigures {
  rowsOut: number;
  wallSeconds: number;
  imagesPerSecond: number;
  cpuSecondsPer1000: number;
  peakRssMB: number;
}

/**
 * Runs `remux run` (of this build, or the CLI at `main`) in a fresh process (so peak RSS is this
 * run's alone) and parses its summary; `launch` adds Node flags and sets its environment.
 */
export function runCli(args: string[], main = 'dist/src/cli/main.js', launch: { nodeArgs?: string[]; env?: NodeJS.ProcessEnv } = {}): RunFigures {
  const result = spawnSync(process.execPath, [...(launch.nodeArgs ?? []), main, 'run', ...args, '--quiet', '--overwrite'], { encoding: 'utf8', env: launch.env });
  if (result.status !== 0) throw new Error(`remux run ${args.join(' ')} failed: ${result.stderr}`);
  const number = (re: RegExp) => Number(re.exec(result.stdout)?.[1] ?? NaN);
  const peak = /peak memory ([\d.]+) (kB|MB|GB)/.exec(result.stdout);
  const peakMB = peak ? Number(peak[1]) * { kB: 1e-3, MB: 1, GB: 1e3 }[peak[2] as 'kB' | 'MB' | 'GB'] : NaN;
  return {
    rowsOut: number(/rows out (\d+)/),
    wallSeconds: number(/([\d.]+) s, [\d.]+ images\/s/),
    imagesPerSecond: number(/([\d.]+) images\/s/),
    cpuSecondsPer1000: number(/([\d.]+) CPU-s per 1000/),
    peakRssMB: peakMB,
  };
}
