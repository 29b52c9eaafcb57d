import { openAsBlob } from 'node:fs';
import { relative } from 'node:path';
import { DataType, tableFromIPC, type Field, type Schema, type Vector } from 'apache-arrow';
import { ParquetFile } from 'parquet-wasm/node';
import { RemuxError, UsageError, messageOf } from '../errors.js';
import { expandGlob, hasGlob, listFiles, statOrNull } from './files.js';
import { featureOfField, hfFeatures, isImageLike } from './huggingface.js';
import { RESERVED_COLUMNS } from '../sink/schema.js';
import type { KeptColumn, Source, SourceOptions, SourceRow } from './source.js';
import { selectSplit } from './splits.js';

interface OpenFile {
  path: string;
  /** How messages name it: relative to the source directory, or as given. */
  display: string;
  file: ParquetFile;
  rowGroups: number[];
}

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

async function openParquet(path: string, display: string): Promise<OpenFile> {
  try {
    const file = await ParquetFile.fromFile(await openAsBlob(path));
    const groups = file.metadata().rowGroups().map((g) => g.numRows());
    return { path, display, file, rowGroups: groups };
  } catch (error) {
    throw new UsageError(`source ${display}: not a readable parquet file (${messageOf(error)})`);
  }
}

/** How messages name a source: the path, or the first files of a list. */
export function describeSpec(spec: string | string[]): string {
  if (!Array.isArray(spec)) return spec;
  return spec.length <= 2 ? spec.join(' ') : `${spec[0]} … (${spec.length} files)`;
}

function schemaOf(file: OpenFile): Schema {
  return tableFromIPC(file.file.schema().intoIPCStream()).schema;
}

function describeColumns(schema: Schema): string {
  return schema.fields.map((f) => `${f.name} (${f.type})`).join(', ');
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
  const { split, paths: chosen } = selectSplit(relativePaths, options.split, what, notes);
  const files: OpenFile[] = [];
  for (const rel of chosen) files.push(await openParquet(root ? `${root}/${rel}` : rel, rel));

  const schema = schemaOf(files[0]);
  const features = hfFeatures(schema.metadata) ?? {};
  const imageColumn = chooseImageColumn(schema, features, options.imageColumn, files[0].display);
  const labelColumn = chooseLabelColumn(schema, features, options.labelColumn, files[0].display, notes);
  const keptColumns: KeptColumn[] = options.keepColumns.map((name) => {
    const field = schema.fields.find((f) => f.name === name);
    if (!field) throw new UsageError(`--keep-columns ${name}: ${files[0].display} has no such column; its columns are ${describeColumns(schema)}`);
    const feature = features[name] ?? featureOfField(field);
    if (!feature) throw new UsageError(`--keep-columns ${name}: cannot carry a column of type ${field.type} without a Hugging Face feature for it in the source's metadata`);
    if (RESERVED_COLUMNS.includes(name)) throw new UsageError(`--keep-columns ${name}: remux writes a column of that name itself (${RESERVED_COLUMNS.join(', ')})`);
    return { field, feature };
  });
  for (const other of files.slice(1)) checkSameColumns(other, [imageColumn, labelColumn, ...options.keepColumns].filter((c): c is string => c !== null));

  const labelFeature = labelColumn ? features[labelColumn] : null;
  const labelNames = labelFeature?._type === 'ClassLabel' && Array.isArray(labelFeature.names) ? (labelFeature.names as string[]) : null;
  const columns = [imageColumn, ...(labelColumn ? [labelColumn] : []), ...options.keepColumns];
  const totalRows = files.reduce((n, f) => n + f.rowGroups.reduce((a, b) => a + b, 0), 0);

  return {
    description: describeSpec(spec),
    notes,
    split,
    totalRows,
    chunkRows: files.flatMap((f) => f.rowGroups),
    labelNames,
    hasLabels: labelColumn !== null,
    keptColumns,
    async *chunks() {
      let sourceIndex = 0;
      for (const file of files) {
        let fileRow = 0;
        for (let group = 0; group < file.rowGroups.length; group++) {
          let table;
          try {
            table = tableFromIPC((await file.file.read({ rowGroups: [group], columns })).intoIPCStream());
          } catch (error) {
            throw new RemuxError('ERR_REMUX_SOURCE', `source ${file.display}: cannot read row group ${group} (rows ${fileRow}–${fileRow + file.rowGroups[group] - 1}): ${messageOf(error)}`);
          }
          const rows = rowsOf(table.getChild(imageColumn)!, labelColumn ? table.getChild(labelColumn) : null, options.keepColumns.map((c) => [c, table.getChild(c)!] as const), file.display, sourceIndex, fileRow);
          sourceIndex += rows.length;
          fileRow += rows.length;
          yield rows;
        }
        file.file.free();
      }
    },
  };
}

function rowsOf(images: Vector, labels: Vector | null, kept: ReadonlyArray<readonly [string, Vector]>, file: string, firstIndex: number, firstRow: number): SourceRow[] {
  const rows: SourceRow[] = [];
  const isStruct = DataType.isStruct(images.type);
  for (let i = 0; i < images.length; i++) {
    const value = images.get(i);
    let bytes: Uint8Array | null = isStruct ? (value?.bytes ?? null) : (value ?? null);
    let error: string | undefined;
    if (value === null || value === undefined) error = 'image is null';
    else if (!bytes) error = `image has no bytes${isStruct && value.path ? ` (only a path: ${value.path})` : ''}`;
    if (error) bytes = null;
    const rawLabel = labels?.get(i);
    const keep: Record<string, unknown> = {};
    for (const [name, vector] of kept) keep[name] = vector.get(i);
    rows.push({ sourceIndex: firstIndex + i, file, fileRow: firstRow + i, bytes, error, label: rawLabel === null || rawLabel === undefined ? null : Number(rawLabel), keep });
  }
  return rows;
}

function chooseImageColumn(schema: Schema, features: Record<string, any>, requested: string | undefined, display: string): string { // eslint-disable-line @typescript-eslint/no-explicit-any
  const byName = (name: string) => schema.fields.find((f) => f.name === name);
  if (requested !== undefined) {
    const field = byName(requested);
    if (!field) throw new UsageError(`--image-column ${requested}: ${display} has no such column; its columns are ${describeColumns(schema)}`);
    if (!isImageLike(field)) throw new UsageError(`--image-column ${requested}: expected struct<bytes: binary, path: string> or binary but ${display} has ${field.type}`);
    return requested;
  }
  const candidates: Field[] = [byName('image'), ...schema.fields.filter((f) => features[f.name]?._type === 'Image'), ...schema.fields.filter(isImageLike)].filter((f): f is Field => f !== undefined && isImageLike(f));
  if (candidates.length === 0) throw new UsageError(`source ${display} has no image column (struct<bytes, path> or binary); its columns are ${describeColumns(schema)}. Name one with --image-column`);
  return candidates[0].name;
}

function chooseLabelColumn(schema: Schema, features: Record<string, any>, requested: string | undefined, display: string, notes: string[]): string | null { // eslint-disable-line @typescript-eslint/no-explicit-any
  const field = requested !== undefined
    ? schema.fields.find((f) => f.name === requested)
    : (schema.fields.find((f) => f.name === 'label') ?? schema.fields.find((f) => features[f.name]?._type === 'ClassLabel'));
  if (requested !== undefined && !field) throw new UsageError(`--label-column ${requested}: ${display} has no such column; its columns are ${describeColumns(schema)}`);
  if (!field) return null;
  if (!DataType.isInt(field.type)) {
    const why = `column ${field.name} of ${display} is ${field.type}, not integer class ids (a ClassLabel)`;
    if (requested !== undefined) throw new UsageError(`--label-column ${requested}: ${why}; carry it with --keep-columns ${field.name} instead`);
    notes.push(`no label column: ${why}; carry it with --keep-columns ${field.name}`);
    return null;
  }
  return field.name;
}

function checkSameColumns(file: OpenFile, columns: string[]): void {
  const schema = schemaOf(file);
  for (const c of columns) {
    if (!schema.fields.some((f) => f.name === c)) throw new UsageError(`source ${file.display} has no column ${c}, unlike the first file; its columns are ${describeColumns(schema)}`);
  }
}
