import type { Progress } from '../options.js';
import type { RemuxSummary } from '../pipeline.js';
import { errorsFile, WHOLE } from '../sink/slice.js';

export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  return s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m` : s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

/** One line: rows done / total, images/s, ETA, skipped. The bar only on a terminal. */
export function progressLine(p: Progress, withBar: boolean): string {
  const fraction = p.totalRows > 0 ? Math.min(1, p.rowsIn / p.totalRows) : 1;
  const rate = p.elapsedSeconds > 0 ? p.rowsOut / p.elapsedSeconds : 0;
  const rowRate = p.elapsedSeconds > 0 ? p.rowsIn / p.elapsedSeconds : 0;
  const eta = rowRate > 0 ? (p.totalRows - p.rowsIn) / rowRate : Infinity;
  const width = 24;
  const bar = withBar ? `[${'#'.repeat(Math.round(fraction * width)).padEnd(width, '.')}] ` : '';
  return `${bar}${p.rowsIn}/${p.totalRows} rows (${(fraction * 100).toFixed(1)}%)  ${rate.toFixed(1)} images/s  ETA ${formatDuration(eta)}  ${p.skipped} skipped  ${formatBytes(p.bytesWritten)} written`;
}

/** Progress on stderr: a redrawn bar on a terminal, a plain line every `interval` seconds otherwise. */
export function progressReporter(stream: NodeJS.WriteStream, interval = 10): { update(p: Progress): void; done(): void } {
  let lastLine = 0;
  let drawn = false;
  return {
    update(p) {
      if (stream.isTTY) {
        stream.write(`\r${progressLine(p, true)}\x1b[K`);
        drawn = true;
      } else if (p.elapsedSeconds - lastLine >= interval) {
        lastLine = p.elapsedSeconds;
        stream.write(`${progressLine(p, false)}\n`);
      }
    },
    done() {
      if (drawn) stream.write('\n');
    },
  };
}

export function summaryText(s: RemuxSummary): string {
  return [
    `remux: wrote ${s.rowsOut} rows in ${s.shards.length} shard(s) to ${s.out}/data (split ${s.split})`,
    `  rows in ${s.rowsIn}, rows out ${s.rowsOut}, skipped ${s.skipped}${s.skipped > 0 ? ` (see ${s.out}/${errorsFile(s.split, WHOLE)})` : ''}`,
    `  ${s.wallSeconds.toFixed(1)} s, ${s.imagesPerSecond.toFixed(1)} images/s, ${s.cpuSecondsPer1000.toFixed(1)} CPU-s per 1000 images, ${formatBytes(s.bytesWritten)} written, peak memory ${Math.round(s.peakRssBytes / 1e6)} MB`,
  ].join('\n');
}
