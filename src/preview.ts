import type { OpStepSpec } from './augment/ops/index.js';
import type { PresetName } from './augment/presets.js';
import { choosePipeline } from './augment/pipeline.js';
import { augmentPlanned } from './execute/cpu.js';
import { decodeSamples } from './execute/decodeSamples.js';
import { startTfjs } from './backend/tfjs.js';
import { loadAugment, pipelineChoice, runUserAugment, type AugmentFunction } from './augment/userFunction.js';
import { DecodeError, ImageError } from './codec/decode.js';
import { sharpLib } from './codec/libraries.js';
import { DEFAULT_MAX_PIXELS } from './options.js';
import { openSource } from './source/index.js';
import { flatten } from './util/stream.js';
import { UsageError } from './errors.js';
import { positiveInteger, nonNegativeInteger, sizeOption } from './validate.js';

export interface PreviewOptions {
  source: string;
  pipeline?: OpStepSpec[] | string;
  preset?: PresetName;
  size?: number | [number, number];
  /** Source rows to show. Default 8. */
  rows?: number;
  /** Augmented copies per row. Default 4. */
  copies?: number;
  seed?: number;
  split?: string;
  imageColumn?: string;
  /** A user's batch function, run on each row's copies after the pipeline (tfjs's wasm backend). */
  augment?: string | AugmentFunction;
  /** Hub datasets, as for `remux run`. */
  config?: string;
  revision?: string;
  token?: string;
  endpoint?: string;
}

const CELL = 160;
const LABEL = 18;

/**
 * A contact sheet as PNG bytes: each source row's image (fitted into a cell), then its augmented
 * copies, each labelled with its row and copy. Runs the same CPU backend as `run`.
 */
export async function preview(options: PreviewOptions): Promise<Buffer> {
  const sharp = sharpLib();
  if (!sharp) throw new Error('sharp is not installed: it draws the preview');
  const size = sizeOption('--size', options.size ?? 224);
  const rows = positiveInteger('-n', options.rows ?? 8);
  const copies = positiveInteger('--copies', options.copies ?? 4);
  const seed = nonNegativeInteger('--seed', options.seed ?? 0);
  const steps = await choosePipeline(pipelineChoice({ preset: options.preset, pipeline: options.pipeline, size, augment: options.augment }));
  const source = await openSource(options.source, { split: options.split, imageColumn: options.imageColumn, keepColumns: [], config: options.config, revision: options.revision, token: options.token, endpoint: options.endpoint });
  const user = options.augment === undefined ? null : { augment: await loadAugment(options.augment), tf: await startTfjs('wasm') };

  const tiles: Array<{ input: Buffer; left: number; top: number }> = [];
  let y = 0;
  for await (const row of flatten(source.chunks(), rows)) {
    const cells: Array<{ rgb: Uint8Array; width: number; height: number; label: string }> = [];
    try {
      if (!row.bytes) throw new DecodeError(row.error ?? 'no image');
      const { image, plans } = await decodeSamples(row.bytes, row.sourceIndex, { steps, codec: 'auto', maxPixels: DEFAULT_MAX_PIXELS, seed, copies, whole: true });
      cells.push({ rgb: image.data, width: image.width, height: image.height, label: cellLabel(`row ${row.sourceIndex}`, row.label, source.labelNames) });
      let augmented: Array<{ data: Uint8Array; width: number; height: number }> = augmentPlanned(image, plans, 'cpu');
      let labels: number[] | null = null;
      if (user) {
        const members = augmented.map((c, copy) => ({ ...c, sourceIndex: row.sourceIndex, copy, label: row.label }));
        ({ images: augmented, labels } = await runUserAugment(user.augment, user.tf, members, seed, source.labelNames, source.hasLabels));
      }
      augmented.forEach((c, copy) => cells.push({ rgb: c.data, width: c.width, height: c.height, label: cellLabel(`copy ${copy}`, labels?.[copy] ?? null, source.labelNames) }));
    } catch (error) {
      if (!(error instanceof ImageError)) throw error;
      cells.length = 0;
      cells.push({ rgb: new Uint8Array(3), width: 1, height: 1, label: `row ${row.sourceIndex}: ${error.message.slice(0, 20)}` });
    }
    for (let i = 0; i < cells.length; i++) {
      const c = cells[i];
      const fitted = await sharp(c.rgb, { raw: { width: c.width, height: c.height, channels: 3 } })
        .resize(CELL, CELL, { fit: 'contain', background: { r: 40, g: 40, b: 40 } })
        .png()
        .toBuffer();
      tiles.push({ input: fitted, left: i * (CELL + 4), top: y + LABEL });
      tiles.push({ input: labelSvg(c.label), left: i * (CELL + 4), top: y });
    }
    y += CELL + LABEL + 4;
  }
  if (tiles.length === 0) throw new UsageError(`source ${options.source} has no rows to preview`);
  const width = (copies + 1) * (CELL + 4);
  return sharp({ create: { width, height: y, channels: 3, background: { r: 255, g: 255, b: 255 } } }).composite(tiles).png().toBuffer();
}

/**
 * A cell's caption: `row 3: animal`, the class's ClassLabel name where the source has names, else
 * `row 3: label 2`; copies are captioned with a label only when the user's function set one.
 */
export function cellLabel(what: string, label: number | null, names: readonly string[] | null): string {
  if (label === null) return what;
  return `${what}: ${names?.[label] ?? `label ${label}`}`;
}

function labelSvg(text: string): Buffer {
  const escaped = text.replace(/[<>&]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;' })[c]!);
  return Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${CELL}" height="${LABEL}"><text x="2" y="13" font-family="sans-serif" font-size="12">${escaped}</text></svg>`);
}
