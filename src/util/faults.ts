/**
 * Fault injection for the resume and disk-full tests, off unless `REMUX_FAULT` is set:
 * - `REMUX_FAULT=<point>:<n>` kills the process (SIGKILL, no cleanup) the n-th time it passes
 *   `point`. Random kill times rarely land in the microseconds between a rename and the journal
 *   write after it; these points put a crash exactly there.
 * - `REMUX_FAULT=write-error:<n>` makes the n-th shard write fail as a full disk does (ENOSPC).
 * Without the variable each call is one comparison.
 */
const [faultAt, faultCount] = (process.env.REMUX_FAULT ?? '').split(':');
let passes = 0;

export function crashPoint(point: 'shard-renamed' | 'journal-written' | 'final-renamed'): void {
  if (point === faultAt && ++passes === Number(faultCount ?? 1)) process.kill(process.pid, 'SIGKILL');
}

export function writeFault(): void {
  if (faultAt === 'write-error' && ++passes === Number(faultCount ?? 1)) {
    throw Object.assign(new Error('ENOSPC: no space left on device, write (injected by REMUX_FAULT)'), { code: 'ENOSPC' });
  }
}
