import { relative } from 'node:path';
import { tableFromIPC, type Schema } from 'apache-arrow';
import { parquetSchema } from 'hyparquet';
import { RemuxError, UsageError, messageOf } from '../errors.js';
import { DEFAULT_MAX_PIXELS } from '../options.js';
import { readingInWasm } from '../util/wasmCrash.js';
import { expandGlob, hasGlob, listFiles, statOrNull } from './files.js';
import { imageRootOf, maxImageFileBytes, readReferencedImages } from './imagePaths.js';
import { checkSameColumns, chooseColumns, groupsFrom, isStructImage, sourceRow, type GroupToRead } from './parquetRows.js';
import { openLocalParquet, openParquetWasm, readRowGroupOfPath, type RowGroupData, type RowGroupReader } from './rowGroups.js';
import { describeSpec, type Source, type SourceOptions, type SourceRow } from './source.js';
import { isSplitName, selectSplit, splitOfPath } from './splits.js';
import { prefetchOne } from '../util/stream.js';

/**
 * A file of the source, known from its footer: the rows of each row group and its columns. Nothing
 * else of it stays in memory (a source can have hundreds of files: Places365's has 315); the
 * thread that reads its row groups opens it then, and keeps only a few open (`readRowGroupOfPath`).
 */
interface SourceFile {
  path: string;
  /** How messages name it: relative to the source directory, or as given. */
  display: string;
  rowGroups: number[];
  columns: string[];
}

/** What a run stopped by a row group it cannot read leaves, and what to do (as for a WASM trap: util/wasmCrash.ts). */
const AFTER_A_BAD_READ = 'The file is probably corrupt or was changed. Committed shards and the journal are intact; fix or drop the file and run the same command with --resume';

/** Parquet files to read for a file, a directory (recursively), a glob, or a list of files (a glob the shell expanded). */
export async function resolveParquetPaths(spec: string | string[]): Promise<{ paths: string[]; root: string | null }> {
  if (Array.isArray(spec)) {
    for (const path of spec) {
      const info = await statOrNull(path);
      if (!info?.isFile() || !path.endsWith('.parquet')) throw new UsageError(`source ${path}: expected a .parquet file (several sources must all be parquet files)`);
    }
    return { paths: spec, root: null };
  }
  if (hasGlob(spec)) {
    const paths = (await expandGlob(spec)).filter((p) => p.endsWith('.parquet'));
    if (paths.length === 0) throw new UsageError(`source ${spec}: no .parquet file matches this glob`);
    return { paths, root: null };
  }
  const info = await statOrNull(spec);
  if (!info) throw new UsageError(`source ${spec}: no such file or directory`);
  if (info.isFile()) return { paths: [spec], root: null };
  const paths = (await listFiles(spec)).filter((p) => p.endsWith('.parquet'));
  if (paths.length === 0) throw new UsageError(`source ${spec}: the directory holds no .parquet file`);
  return { paths: paths.map((p) => `${spec}/${p}`), root: spec };
}

async function readFooter(path: string, display: string): Promise<SourceFile> {
  try {
    const { metadata } = await openLocalParquet(path);
    const columns = parquetSchema(metadata).children.map((c) => c.element.name);
    return { path, display, rowGroups: metadata.row_groups.map((g) => Number(g.num_rows)), columns };
  } catch (error) {
    throw notReadable(display, error);
  }
}

const notReadable = (display: string, error: unknown) => new UsageError(`source ${display}: not a readable parquet file (${messageOf(error)})`);

/** The file's Arrow schema, from parquet-wasm (the columns' Arrow types, and the `huggingface` metadata). */
async function arrowSchema(file: SourceFile): Promise<Schema> {
  try {
    const wasm = await openParquetWasm(file.path);
    try {
      return tableFromIPC(wasm.schema().intoIPCStream()).schema;
    } finally {
      wasm.free();
    }
  } catch (error) {
    throw notReadable(file.display, error);
  }
}

/**
 * A local file's split; a shard-style name whose prefix is no split name (`my-data-00000-of-00001.parquet`)
 * names no split, and so belongs to train, as `datasets` reads it: local names are the user's own, not a hub's layout.
 */
function localSplitOf(path: string): string | null {
  const split = splitOfPath(path);
  return split !== null && isSplitName(split) ? split : null;
}

/**
 * Parquet files read one row group at a time, never a whole file. The image column is Hugging
 * Face's `struct<bytes, path>` or plain binary; the label column and its ClassLabel names come
 * from the `huggingface` schema metadata.
 */
export async function openParquetSource(spec: string | string[], options: SourceOptions): Promise<Source> {
  const { paths, root } = await resolveParquetPaths(spec);
  const relativePaths = paths.map((p) => (root ? relative(root, p).split('\\').join('/') : p));
  const notes: string[] = [];
  const what = `source ${describeSpec(spec)}`;
  const { split, paths: chosen } = selectSplit(relativePaths, options.split, what, notes, localSplitOf);
  const files: SourceFile[] = [];
  for (const rel of chosen) files.push(await readFooter(root ? `${root}/${rel}` : rel, rel));

  const schema = await arrowSchema(files[0]);
  const { imageColumn, labelColumn, labelNames, keptColumns, columns } = chooseColumns(schema, options, files[0].display, notes);
  for (const other of files.slice(1)) checkSameColumns(other.columns, other.display, columns);
  const isStruct = isStructImage(schema, imageColumn);
  const imageFiles = { root: await imageRootOf(options.imageRoot), maxBytes: maxImageFileBytes(options.maxPixels ?? DEFAULT_MAX_PIXELS) };

  return {
    description: describeSpec(spec),
    notes,
    split,
    totalRows: files.reduce((n, f) => n + f.rowGroups.reduce((a, b) => a + b, 0), 0),
    chunkRows: files.flatMap((f) => f.rowGroups),
    labelNames,
    hasLabels: labelColumn !== null,
    keptColumns,
    chunks(fromIndex = 0, reader?: RowGroupReader) {
      // The next row group is read while the rows of this one are handed out. The first one is
      // read here, while the workers start: a worker's first read waits for its start and for
      // loading the reader.
      return prefetchOne(groupsFrom(files.map((f) => f.rowGroups), fromIndex), (task, index) => readGroup(task, index === 0 ? undefined : reader));
    },
  };

  /** One row group's rows, decoded by `reader` (a worker thread) when given, else on this thread. */
  async function readGroup({ file: f, group, sourceStart, fileRowStart, rows: count, skip }: GroupToRead, reader: RowGroupReader | undefined): Promise<SourceRow[]> {
    const file = files[f];
    let data: RowGroupData;
    try {
      const request = { path: file.path, group, imageColumn, labelColumn, keptColumns: options.keepColumns };
      if (reader) data = await reader(request);
      else {
        readingInWasm(`source ${file.display}: row group ${group} (rows ${fileRowStart}–${fileRowStart + count - 1})`);
        data = await readRowGroupOfPath(request);
        readingInWasm(null);
      }
    } catch (error) {
      throw new RemuxError('ERR_REMUX_SOURCE', `source ${file.display}: cannot read row group ${group} (rows ${fileRowStart}–${fileRowStart + count - 1}): ${messageOf(error)}. ${AFTER_A_BAD_READ}`);
    }
    const { images, labels } = data;
    const table = data.kept ? tableFromIPC(data.kept) : null;
    const kept = options.keepColumns.map((c) => [c, table!.getChild(c)!] as const);
    const rows: SourceRow[] = [];
    const referenced: Array<{ row: SourceRow; path: string }> = [];
    for (let i = skip; i < images.length; i++) {
      const keep: Record<string, unknown> = {};
      for (const [name, vector] of kept) keep[name] = vector.get(i);
      const { row, pathToRead } = sourceRow(images[i], isStruct, labels?.[i], labelNames, keep, file.display, sourceStart + i, fileRowStart + i);
      if (pathToRead !== null) referenced.push({ row, path: pathToRead });
      // Each row's bytes come in a buffer of their own (see `rowGroups.ts`), which may move to a worker.
      if (row.bytes) row.ownsBytes = true;
      rows.push(row);
    }
    if (referenced.length > 0) await readReferencedImages(referenced, file.path, imageFiles);
    return rows;
  }
}
