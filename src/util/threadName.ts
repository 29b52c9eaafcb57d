import { writeFileSync } from 'node:fs';

/**
 * Names the calling thread as `top -H`, `ps -L` and /proc/<pid>/task/<tid>/comm show it (Linux,
 * 15 characters at most), so that per-thread CPU can be told apart: Node names every thread
 * "node". A synchronous write runs on the calling thread, which /proc/thread-self is. Elsewhere,
 * or where /proc refuses, the name stays.
 */
export function nameThread(name: string): void {
  try {
    writeFileSync('/proc/thread-self/comm', name.slice(0, 15));
  } catch {
    // Not Linux, or no /proc: only the name is lost.
  }
}
