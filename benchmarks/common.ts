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
  /** Wall time of the whole process, start-up included (the summary's wall time above has one decimal). */
  processSeconds: number;
  /** User + system CPU of the whole process, from the shell's `times` (the summary's figure above has one decimal). */
  cpuSeconds: number;
  peakRssMB: number;
}

/**
 * Runs `remux run` (of this build, or the CLI at `main`) in a fresh process (so peak RSS is this
 * run's alone) and parses its summary; `launch` adds Node flags and sets its environment.
 */
export function runCli(args: string[], main = 'dist/src/cli/main.js', launch: { nodeArgs?: string[]; env?: NodeJS.ProcessEnv } = {}): RunFigures {
  // Through bash, whose `times` then prints its children's user and system CPU to the millisecond.
  const command = [process.execPath, ...(launch.nodeArgs ?? []), main, 'run', ...args, '--quiet', '--overwrite'];
  const start = performance.now();
  const result = spawnSync('bash', ['-c', '"$@" && times >&2', 'remux', ...command], { encoding: 'utf8', env: launch.env });
  const processSeconds = (performance.now() - start) / 1000;
  if (result.status !== 0) throw new Error(`remux run ${args.join(' ')} failed: ${result.stderr}`);
  const children = /(\d+)m([\d.]+)s (\d+)m([\d.]+)s\s*$/.exec(result.stderr);
  const cpuSeconds = children ? Number(children[1]) * 60 + Number(children[2]) + Number(children[3]) * 60 + Number(children[4]) : NaN;
  const number = (re: RegExp) => Number(re.exec(result.stdout)?.[1] ?? NaN);
  const peak = /peak memory ([\d.]+) (kB|MB|GB)/.exec(result.stdout);
  const peakMB = peak ? Number(peak[1]) * { kB: 1e-3, MB: 1, GB: 1e3 }[peak[2] as 'kB' | 'MB' | 'GB'] : NaN;
  return {
    rowsOut: number(/rows out (\d+)/),
    wallSeconds: number(/([\d.]+) s, [\d.]+ images\/s/),
    imagesPerSecond: number(/([\d.]+) images\/s/),
    cpuSecondsPer1000: number(/([\d.]+) CPU-s per 1000/),
    processSeconds,
    cpuSeconds,
    peakRssMB: peakMB,
  };
}
