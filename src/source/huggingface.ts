import { DataType, type Field } from 'apache-arrow';

/** The `features` of the `huggingface` schema metadata, or null when absent or unreadable. */
export function hfFeatures(metadata: Map<string, string>): Record<string, any> | null { // eslint-disable-line @typescript-eslint/no-explicit-any
  const raw = metadata.get('huggingface');
  if (!raw) return null;
  try {
    const features = JSON.parse(raw)?.info?.features;
    return features && typeof features === 'object' ? features : null;
  } catch {
    return null;
  }
}

/** A Hugging Face feature for an Arrow field that has none in the source's metadata. */
export function featureOfField(field: Field): unknown {
  const t = field.type;
  if (DataType.isInt(t)) return { dtype: `${t.isSigned ? 'int' : 'uint'}${t.bitWidth}`, _type: 'Value' };
  if (DataType.isFloat(t)) return { dtype: ['float16', 'float32', 'float64'][t.precision], _type: 'Value' };
  if (DataType.isBool(t)) return { dtype: 'bool', _type: 'Value' };
  if (DataType.isUtf8(t) || DataType.isLargeUtf8(t)) return { dtype: 'string', _type: 'Value' };
  if (DataType.isBinary(t) || DataType.isLargeBinary(t)) return { dtype: 'binary', _type: 'Value' };
  return null; // unknown: `datasets` infers it from the Arrow type
}

/** True for Hugging Face's image storage type, `struct<bytes: binary, path: string>`, or plain binary. */
export function isImageLike(field: Field): boolean {
  const t = field.type;
  if (DataType.isBinary(t) || DataType.isLargeBinary(t)) return true;
  return DataType.isStruct(t) && t.children.some((c) => c.name === 'bytes' && (DataType.isBinary(c.type) || DataType.isLargeBinary(c.type)));
}
