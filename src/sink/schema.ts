import { Binary, Field, Int32, Int64, List, Schema, Struct, Uint8, Utf8, type DataType } from 'apache-arrow';
import type { Size } from '../augment/geometry.js';
import type { OutputFormat } from '../codec/encode.js';
import type { KeptColumn } from '../source/source.js';

/** What the output schema depends on. */
export interface OutputLayout {
  format: OutputFormat;
  hasLabels: boolean;
  labelNames: string[] | null;
  keptColumns: KeptColumn[];
  /** Add the `params` column (JSON of each row's sampled parameters). */
  recordParams: boolean;
  /** The size of every output image when the pipeline fixes it (see `fixedOutputSize`); only `raw` needs it. */
  imageSize?: Size | null;
}

/** Hugging Face's image storage type. Every field nullable: `datasets` only trusts its metadata when they match its own schema exactly. */
export const IMAGE_TYPE = new Struct([new Field('bytes', new Binary(), true), new Field('path', new Utf8(), true)]);

/**
 * `--format raw` pixels: uint8 rows × columns × RGB as nested lists, the storage of `datasets`'
 * `Array3D`, so that a row reads back as a (height, width, 3) array whatever the image's size.
 */
export const RAW_IMAGE_TYPE = new List(new Field('element', new List(new Field('element', new List(new Field('element', new Uint8(), true)), true)), true));

/** Column names remux writes itself; kept columns may not reuse them. */
export const RESERVED_COLUMNS = ['image', 'label', 'source_index', 'copy', 'params'];

/** The Hugging Face `features` of the output, in column order. */
export function outputFeatures(layout: OutputLayout): Record<string, unknown> {
  const features: Record<string, unknown> = {
    image: layout.format === 'raw' ? rawImageFeature(layout.imageSize) : { _type: 'Image' },
  };
  if (layout.hasLabels) {
    features.label = layout.labelNames ? { names: layout.labelNames, _type: 'ClassLabel' } : { dtype: 'int64', _type: 'Value' };
  }
  features.source_index = { dtype: 'int64', _type: 'Value' };
  features.copy = { dtype: 'int32', _type: 'Value' };
  if (layout.recordParams) features.params = { dtype: 'string', _type: 'Value' };
  for (const kept of layout.keptColumns) if (kept.feature) features[kept.field.name] = kept.feature;
  return features;
}

/**
 * `Array3D` when every image has the same size (`datasets` then knows the shape, and its numpy and
 * torch formats give one array per batch); a list of lists of lists otherwise, which each row
 * fills with its own height and width. Both are the same nested lists on disk.
 */
function rawImageFeature(size: Size | null | undefined): Record<string, unknown> {
  if (size) return { shape: [size.height, size.width, 3], dtype: 'uint8', _type: 'Array3D' };
  const list = (feature: unknown) => ({ feature, _type: 'List' });
  return list(list(list({ dtype: 'uint8', _type: 'Value' })));
}

/** The Arrow schema of every shard, with the `huggingface` metadata that `datasets` reads. */
export function outputSchema(layout: OutputLayout): Schema {
  const imageType: DataType = layout.format === 'raw' ? RAW_IMAGE_TYPE : IMAGE_TYPE;
  const fields = [new Field('image', imageType, true)];
  if (layout.hasLabels) fields.push(new Field('label', new Int64(), true));
  fields.push(new Field('source_index', new Int64(), true), new Field('copy', new Int32(), true));
  if (layout.recordParams) fields.push(new Field('params', new Utf8(), true));
  for (const kept of layout.keptColumns) fields.push(new Field(kept.field.name, kept.field.type, true));
  const metadata = new Map([['huggingface', JSON.stringify({ info: { features: outputFeatures(layout) } })]]);
  return new Schema(fields, metadata);
}
