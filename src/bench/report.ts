/** `remux bench`'s result as a markdown table and an SVG bar chart (pure functions of the result). */
import { STAGES } from '../util/stageTime.js';
import type { BenchResult } from './bench.js';

/** One bar of the chart: every measured item, with its images/s. */
export interface Bar {
  name: string;
  kind: 'pipeline' | 'identity' | 'floor' | 'composite';
  imagesPerSecond: number;
}

export function bars(result: BenchResult): Bar[] {
  return [
    { name: result.floor.name, kind: 'floor', imagesPerSecond: result.floor.imagesPerSecond },
    ...result.runs.map((r) => ({ name: r.name, kind: r.kind, imagesPerSecond: r.imagesPerSecond })),
    ...result.composite.map((c) => ({ name: `${c.name} (augment only)`, kind: 'composite' as const, imagesPerSecond: c.imagesPerSecond })),
  ];
}

/** Sources, a file given n times written once with ×n. */
export function describeSources(source: string | string[]): string {
  const counts = new Map<string, number>();
  for (const s of [source].flat()) counts.set(s, (counts.get(s) ?? 0) + 1);
  return [...counts].map(([s, n]) => (n > 1 ? `${s} ×${n}` : s)).join(', ');
}

const fixed = (n: number | null, digits = 0) => (n === null || !Number.isFinite(n) ? '–' : n.toFixed(digits));

export function benchMarkdown(result: BenchResult): string {
  const m = result.machine;
  const f = result.floor;
  const lines = [
    `# remux bench, ${result.date.slice(0, 10)}`,
    '',
    `Machine: ${m.cores} cores (${m.cpu}), Node ${m.node}, ${m.platform}${m.gpu ? `; ${m.gpu}` : '; no GPU measured'}.`,
    `Source: ${describeSources(result.options.source)}, ${f.images} images${result.options.limit !== null ? ` (--limit ${result.options.limit})` : ''}, ${result.options.workers} worker thread(s), codec ${result.options.codec}, output ${result.options.format}.`,
    '',
    `Codec floor (decode + encode alone, as the identity runs' workers do them: same codec, threads and decode scale): ${fixed(f.imagesPerSecond)} images/s, decode ${fixed(f.decodeMsPerImage, 3)} ms + encode ${fixed(f.encodeMsPerImage, 3)} ms = ${fixed(f.codecMsPerImage, 3)} ms of a thread per image, ${fixed(f.cpuSecondsPer1000, 2)} CPU-s per 1000 images.`,
    '',
    `Stage columns: images per busy second of that stage (worker stages per thread; augment on a batched backend: while the device has a batch in flight). Augment share: of the wall time of what runs it (the device, or all worker threads). CPU ÷ floor: the run's CPU time per image over the floor's ${fixed(f.cpuSecondsPer1000, 3)} ms (target in GPU mode: ≤ ${result.target.cpuRatioToCodecFloor}).${m.gpuCopyGBps !== null ? ` Augment GB/s: RGB bytes read and written per second of the augment stage; the card copies buffers at ${fixed(m.gpuCopyGBps, 1)} GB/s (read + write).` : ''}`,
    '',
    `| run | images/s | ${STAGES.join(' | ')} | CPU-s per 1000 | augment share | augment GB/s | CPU ÷ floor |`,
    `|---|---|${STAGES.map(() => '---').join('|')}|---|---|---|---|`,
    ...result.runs.map((r) => `| ${r.name} | ${fixed(r.imagesPerSecond, 1)} | ${STAGES.map((s) => fixed(r.stages[s].imagesPerSecond)).join(' | ')} | ${fixed(r.cpuSecondsPer1000, 2)} | ${fixed(r.augmentShareOfWall * 100)}% | ${fixed(r.augmentGBps, 2)} | ${fixed(r.cpuRatioToCodecFloor, 2)} |`),
    '',
    '| stock tfjs ops (augment only) | images | images/s |',
    '|---|---|---|',
    ...result.composite.map((c) => `| ${c.tfBackend} | ${c.images} | ${fixed(c.imagesPerSecond, 1)} |`),
  ];
  if (result.skipped.length > 0) lines.push('', 'Not measured here:', ...result.skipped.map((s) => `- ${s.name}: ${s.reason}`));
  return `${lines.join('\n')}\n`;
}

const COLOURS: Record<Bar['kind'], string> = { floor: '#6b7280', pipeline: '#2563eb', identity: '#93c5fd', composite: '#f59e0b' };
const LEGEND: Record<Bar['kind'], string> = { floor: 'codec floor', pipeline: 'whole pipeline', identity: 'identity augmentation', composite: 'stock tfjs ops (augment)' };

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A horizontal bar per measured item, images/s on a linear scale, each bar labelled with its value. */
export function benchSvg(result: BenchResult): string {
  const items = bars(result);
  const label = 330;
  const plot = 420;
  const row = 22;
  const top = 52;
  const max = Math.max(1, ...items.map((b) => b.imagesPerSecond));
  const height = top + items.length * row + 40;
  const rows = items.map((b, i) => {
    const y = top + i * row;
    const w = Math.max(1, (b.imagesPerSecond / max) * plot);
    return [
      `<text x="${label - 8}" y="${y + 15}" text-anchor="end">${escape(b.name)}</text>`,
      `<rect class="bar" x="${label}" y="${y + 3}" width="${w.toFixed(1)}" height="${row - 6}" fill="${COLOURS[b.kind]}"><title>${escape(b.name)}: ${b.imagesPerSecond.toFixed(1)} images/s</title></rect>`,
      `<text x="${(label + w + 6).toFixed(1)}" y="${y + 15}">${b.imagesPerSecond.toFixed(b.imagesPerSecond < 10 ? 1 : 0)}</text>`,
    ].join('');
  });
  const kinds = [...new Set(items.map((b) => b.kind))];
  const legend = kinds.map((k, i) => `<rect x="${10 + i * 200}" y="${height - 26}" width="12" height="12" fill="${COLOURS[k]}"/><text x="${26 + i * 200}" y="${height - 16}">${LEGEND[k]}</text>`);
  const gpu = result.machine.gpu;
  const title = `remux bench: images/s, ${result.machine.cores} cores (${result.machine.cpu}), ${result.date.slice(0, 10)}`;
  const device = gpu ? `GPU: ${gpu.replace(/^webgpu adapter: /, '').split(' (')[0]}${gpu.includes('software adapter') ? ', a software adapter: its timings mean nothing for GPUs' : ''}` : 'no GPU measured';
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${label + plot + 80}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="22" font-size="15" font-weight="bold">${escape(title)}</text>`,
    `<text x="10" y="40">${escape(device)}</text>`,
    ...rows,
    ...legend,
    '</svg>',
    '',
  ].join('\n');
}
