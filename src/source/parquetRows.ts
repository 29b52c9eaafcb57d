import { DataType, type Field, type Schema } from 'apache-arrow';
import { UsageError } from '../errors.js';
import { RESERVED_COLUMNS } from '../sink/schema.js';
import { currentFeature, featureOfField, hfFeatures, isImageLike } from './huggingface.js';
import type { KeptColumn, SourceOptions, SourceRow } from './source.js';
import { copyBytes } from '../util/bytes.js';

/**
 * What the two parquet readers (local files and hub files over HTTP, both through hyparquet, with
 * the Arrow schema from parquet-wasm) share, so that they choose the same columns and give the
 * same rows for the same files.
 */

/** The columns a parquet source reads, chosen once from the first file's Arrow schema. */
export interface ColumnChoice {
  imageColumn: string;
  labelColumn: string | null;
  labelNames: string[] | null;
  keptColumns: KeptColumn[];
  /** The columns to read from every row group: image, label (if any), then the kept ones. */
  columns: string[];
}

export function describeColumns(schema: Schema): string {
  return schema.fields.map((f) => `${f.name} (${f.type})`).join(', ');
}

/** Image, label and kept columns from the options and the `huggingface` metadata; `display` names the file in messages. */
export function chooseColumns(schema: Schema, options: SourceOptions, display: string, notes: string[]): ColumnChoice {
  const features = hfFeatures(schema.metadata) ?? {};
  const imageColumn = chooseImageColumn(schema, features, options.imageColumn, display);
  const labelColumn = chooseLabelColumn(schema, features, options.labelColumn, display, notes);
  const keptColumns: KeptColumn[] = options.keepColumns.map((name) => {
    const field = schema.fields.find((f) => f.name === name);
    if (!field) throw new UsageError(`--keep-columns ${name}: ${display} has no such column; its columns are ${describeColumns(schema)}`);
    const feature = name in features ? currentFeature(features[name]) : featureOfField(field);
    if (!feature) throw new UsageError(`--keep-columns ${name}: cannot carry a column of type ${field.type} without a Hugging Face feature for it in the source's metadata`);
    if (RESERVED_COLUMNS.includes(name)) throw new UsageError(`--keep-columns ${name}: remux writes a column of that name itself (${RESERVED_COLUMNS.join(', ')})`);
    return { field, feature };
  });
  const labelFeature = labelColumn ? features[labelColumn] : null;
  const labelNames = labelFeature?._type === 'ClassLabel' && Array.isArray(labelFeature.names) ? (labelFeature.names as string[]) : null;
  const columns = [imageColumn, ...(labelColumn ? [labelColumn] : []), ...options.keepColumns];
  return { imageColumn, labelColumn, labelNames, keptColumns, columns };
}

/** Later files of a source must have the columns chosen from the first; `names` are a later file's columns. */
export function checkSameColumns(names: readonly string[], display: string, columns: string[]): void {
  for (const c of columns) {
    if (!names.includes(c)) throw new UsageError(`source ${display} has no column ${c}, unlike the first file; its columns are ${names.join(', ')}`);
  }
}

/**
 * One source row from the values a reader decoded. `image` is the struct value (anything with a
 * `bytes` property) or the plain binary value; `label` an integer (number or bigint), checked
 * against the ClassLabel `labelNames` when there are some. `pathToRead` is the image's path when
 * the row's only fault is that it has no bytes but a path (`datasets`' image left as a file),
 * which a local reader can read.
 */
export function sourceRow(image: unknown, isStruct: boolean, rawLabel: unknown, labelNames: readonly string[] | null, keep: Record<string, unknown>, file: string, sourceIndex: number, fileRow: number): { row: SourceRow; pathToRead: string | null } {
  const struct = isStruct ? (image as { bytes?: Uint8Array | null; path?: string | null } | null | undefined) : null;
  let bytes = (isStruct ? struct?.bytes : (image as Uint8Array | null | undefined)) ?? null;
  const { label, error: labelError } = labelOf(rawLabel, labelNames);
  let error: string | undefined;
  if (image === null || image === undefined) error = 'image is null';
  else if (!bytes) error = `image has no bytes${struct?.path ? ` (only a path: ${struct.path})` : ''}`;
  const pathToRead = error !== undefined && !labelError && struct?.path ? struct.path : null;
  error ??= labelError;
  if (error) bytes = null;
  return { row: { sourceIndex, file, fileRow, bytes, error, label, keep }, pathToRead };
}

/** An image cell as `sourceRow` reads it: Hugging Face's struct, plain binary, or null. */
export type ImageCell = { bytes: Uint8Array | null; path: string | null } | Uint8Array | null;

/**
 * A cell hyparquet read, with its bytes copied out of the page they were read into (whose buffer
 * every image of the row group shares) into a buffer of their own, which can then move to the
 * worker that decodes it instead of being copied there.
 */
export function ownImageCell(cell: unknown): ImageCell {
  if (cell === null || cell === undefined) return null;
  if (cell instanceof Uint8Array) return copyBytes(cell);
  const struct = cell as { bytes?: Uint8Array | null; path?: string | null };
  return { bytes: struct.bytes ? copyBytes(struct.bytes) : null, path: struct.path ?? null };
}

/** Labels are numbers: a larger int64 would lose its last digits. */
const MAX_SAFE_LABEL = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * A label as the output carries it: null for none, -1 (Hugging Face's "no label") as it is, else
 * an id of one of the ClassLabel `names` when there are some. Anything else (an id past the
 * names, a value beyond the integers a number holds exactly) is an error, so that the row is
 * skipped and recorded rather than written with a label that means nothing.
 */
export function labelOf(raw: unknown, names: readonly string[] | null): { label: number | null; error?: string } {
  if (raw === null || raw === undefined) return { label: null };
  const exact = typeof raw === 'number' ? Number.isSafeInteger(raw) : typeof raw === 'bigint' && raw <= MAX_SAFE_LABEL && raw >= -MAX_SAFE_LABEL;
  if (!exact) return { label: null, error: `label ${String(raw)} is not an integer within ±${Number.MAX_SAFE_INTEGER}` };
  const label = Number(raw);
  if (names !== null && label !== -1 && (label < 0 || label >= names.length)) {
    const expected = names.length > 0 ? `0 to ${names.length - 1}, or -1 for no label` : '-1 for no label';
    return { label: null, error: `label ${label} is outside the ${names.length} ClassLabel names (expected ${expected})` };
  }
  return { label };
}

export function isStructImage(schema: Schema, imageColumn: string): boolean {
  return DataType.isStruct(schema.fields.find((f) => f.name === imageColumn)!.type);
}

/** A row group to read, and which of its rows to yield. */
export interface GroupToRead {
  file: number;
  group: number;
  /** sourceIndex of the group's first row. */
  sourceStart: number;
  /** Row number of the group's first row within its file. */
  fileRowStart: number;
  rows: number;
  /** Leading rows to drop: those before `fromIndex`. */
  skip: number;
}

/**
 * The row groups holding rows at or after `fromIndex`, from the row counts of each file's row
 * groups (metadata only): a seek reads nothing before the row group that holds `fromIndex`.
 */
export function groupsFrom(rowGroupsByFile: number[][], fromIndex: number): GroupToRead[] {
  const out: GroupToRead[] = [];
  let sourceStart = 0;
  for (const [file, groups] of rowGroupsByFile.entries()) {
    let fileRowStart = 0;
    for (const [group, rows] of groups.entries()) {
      if (sourceStart + rows > fromIndex && rows > 0) out.push({ file, group, sourceStart, fileRowStart, rows, skip: Math.max(0, fromIndex - sourceStart) });
      sourceStart += rows;
      fileRowStart += rows;
    }
  }
  return out;
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
