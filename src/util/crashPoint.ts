/**
 * Crash injection for the resume tests: with `REMUX_CRASH_AT=<point>:<n>` the process kills
 * itself (SIGKILL, no cleanup) the n-th time it passes `point`. Random kill times rarely land in
 * the few microseconds between a rename and the journal write that follows it; these points
 * put a crash exactly there. Without the variable this is one comparison.
 */
const [crashAt, crashCount] = (process.env.REMUX_CRASH_AT ?? '').split(':');
let passes = 0;

export function crashPoint(point: 'shard-renamed' | 'journal-written' | 'final-renamed'): void {
  if (point !== crashAt) return;
  if (++passes === Number(crashCount ?? 1)) process.kill(process.pid, 'SIGKILL');
}
