import { writeFile } from 'node:fs/promises';
import { Field, Int64, RecordBatch, Schema, Struct, Table, Utf8, makeBuilder, makeData, tableToIPC } from 'apache-arrow';
import { Compression, Table as WasmTable, WriterPropertiesBuilder, writeParquet } from 'parquet-wasm/node';
import { IMAGE_TYPE } from '../../src/sink/schema.js';

export interface FixtureRow {
  bytes: Uint8Array | null;
  path?: string;
  /** A bigint for ids a number cannot hold exactly. */
  label?: number | bigint | null;
  /** Extra string column, to test --keep-columns. */
  caption?: string;
}

export interface FixtureOptions {
  labelNames?: string[];
  rowGroupSize?: number;
  /** Write the image as plain binary instead of Hugging Face's struct. */
  plainBinary?: boolean;
  imageColumn?: string;
}

/**
 * Writes a parquet file the way Hugging Face `datasets` does for an image dataset: `image` as
 * `struct<bytes, path>`, `label` as int64 with ClassLabel names in the `huggingface` metadata.
 */
export async function writeHfParquet(path: string, rows: FixtureRow[], options: FixtureOptions = {}): Promise<void> {
  const imageColumn = options.imageColumn ?? 'image';
  const withLabels = rows.some((r) => r.label !== undefined);
  const withCaption = rows.some((r) => r.caption !== undefined);
  const fields = [new Field(imageColumn, options.plainBinary ? IMAGE_TYPE.children[0].type : IMAGE_TYPE, true)];
  const features: Record<string, unknown> = { [imageColumn]: { _type: 'Image' } };
  if (withLabels) {
    fields.push(new Field('label', new Int64(), true));
    features.label = options.labelNames ? { names: options.labelNames, _type: 'ClassLabel' } : { dtype: 'int64', _type: 'Value' };
  }
  if (withCaption) {
    fields.push(new Field('caption', new Utf8(), true));
    features.caption = { dtype: 'string', _type: 'Value' };
  }
  const schema = new Schema(fields, new Map([['huggingface', JSON.stringify({ info: { features } })]]));
  const children = fields.map((field) => {
    const builder = makeBuilder({ type: field.type, nullValues: [null, undefined] });
    for (const row of rows) {
      // No bytes and no path: a null image; no bytes but a path: `datasets`' image left as a file.
      if (field.name === imageColumn) builder.append(row.bytes === null && row.path === undefined ? null : options.plainBinary ? row.bytes : { bytes: row.bytes, path: row.path ?? null });
      else if (field.name === 'label') builder.append(row.label === null || row.label === undefined ? null : BigInt(row.label));
      else builder.append(row.caption ?? null);
    }
    return builder.finish().toVector().data[0];
  });
  const batch = new RecordBatch(schema, makeData({ type: new Struct(fields), length: rows.length, nullCount: 0, children }));
  const props = new WriterPropertiesBuilder()
    .setCompression(Compression.ZSTD)
    .setMaxRowGroupSize(options.rowGroupSize ?? 100)
    .setKeyValueMetadata(new Map([['huggingface', schema.metadata.get('huggingface')!]]))
    .build();
  await writeFile(path, writeParquet(WasmTable.fromIPCStream(tableToIPC(new Table([batch]), 'stream')), props));
}
