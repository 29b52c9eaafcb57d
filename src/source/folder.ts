import { readFile } from 'node:fs/promises';
import { UsageError, messageOf } from '../errors.js';
import { listFiles } from './files.js';
import type { Source, SourceOptions, SourceRow } from './source.js';
import { isSplitWord, selectSplit, splitOfPath } from './splits.js';

export const IMAGE_EXTENSIONS = ['.jpg', '.jpeg', '.jpe', '.png', '.webp', '.gif', '.tif', '.tiff', '.avif'];

export function isImagePath(path: string): boolean {
  const lower = path.toLowerCase();
  return IMAGE_EXTENSIONS.some((ext) => lower.endsWith(ext));
}

/** How many files are read ahead, as one chunk. */
const FILES_PER_CHUNK = 32;

/**
 * An image folder. `root/<class>/<file>` gives labels from the class folder names, sorted, as
 * torchvision's ImageFolder and Hugging Face's imagefolder do (files deeper under a class folder
 * belong to it); a folder with images directly in it has no labels. Split folders
 * (`root/train/<class>/…`) are recognised like in parquet sources.
 */
export async function openFolderSource(root: string, options: SourceOptions): Promise<Source> {
  if (options.imageColumn !== undefined || options.labelColumn !== undefined || options.keepColumns.length > 0) {
    throw new UsageError(`source ${root} is an image folder: --image-column, --label-column and --keep-columns apply to parquet sources only`);
  }
  if (options.imageRoot !== undefined) throw new UsageError(`source ${root} is an image folder, whose rows are its files: --image-root applies to local parquet sources only (rows that hold an image path)`);
  const all = (await listFiles(root)).filter(isImagePath);
  if (all.length === 0) throw new UsageError(`source ${root}: no images (${IMAGE_EXTENSIONS.join(' ')}) and no .parquet files in this directory`);
  const notes: string[] = [];
  const { split, paths } = selectSplit(all, options.split, `source ${root}`, notes, (p) => splitOfPath(p, false));

  // Drop the split folder, if any, so that the next segment is the class.
  const splitPrefix = commonSplitPrefix(paths);
  const inner = paths.map((p) => p.slice(splitPrefix.length));
  const flat = inner.some((p) => !p.includes('/'));
  const labelNames = flat ? null : [...new Set(inner.map((p) => p.split('/')[0]))].sort();
  if (flat && inner.some((p) => p.includes('/'))) notes.push(`source ${root} has images directly in it, so its subfolders are not read as classes: no labels`);
  const classIndex = new Map(labelNames?.map((name, i) => [name, i]));

  return {
    description: root,
    notes,
    split,
    totalRows: paths.length,
    chunkRows: Array.from({ length: Math.ceil(paths.length / FILES_PER_CHUNK) }, (_, i) => Math.min(FILES_PER_CHUNK, paths.length - i * FILES_PER_CHUNK)),
    labelNames,
    hasLabels: labelNames !== null,
    keptColumns: [],
    async *chunks(fromIndex = 0) {
      for (let start = fromIndex; start < paths.length; start += FILES_PER_CHUNK) {
        const slice = paths.slice(start, start + FILES_PER_CHUNK);
        yield Promise.all(
          slice.map(async (path, k): Promise<SourceRow> => {
            const index = start + k;
            const label = labelNames ? classIndex.get(inner[index].split('/')[0])! : null;
            const row: SourceRow = { sourceIndex: index, file: path, fileRow: 0, bytes: null, label, keep: {} };
            try {
              row.bytes = new Uint8Array(await readFile(`${root}/${path}`));
            } catch (error) {
              row.error = `cannot read file: ${messageOf(error)}`;
            }
            return row;
          }),
        );
      }
    },
  };
}

/** `train/` when every path is under the same split folder, else ''. */
function commonSplitPrefix(paths: string[]): string {
  const first = paths[0].split('/')[0];
  return isSplitWord(first) && paths.every((p) => p.startsWith(`${first}/`)) ? `${first}/` : '';
}
