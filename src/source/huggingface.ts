import { DataType, DateUnit, type Field } from 'apache-arrow';

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

/**
 * A Hugging Face feature for an Arrow field that has none in the source's metadata: what
 * `datasets.Features.from_arrow_schema` gives for that type (datasets 5), or null for a type it
 * has no feature for.
 */
export function featureOfField(field: Field): unknown {
  return featureOfType(field.type);
}

const TIME_UNITS = ['s', 'ms', 'us', 'ns'];

function featureOfType(t: DataType): unknown {
  const value = (dtype: string) => ({ dtype, _type: 'Value' });
  if (DataType.isNull(t)) return value('null');
  if (DataType.isInt(t)) return value(`${t.isSigned ? 'int' : 'uint'}${t.bitWidth}`);
  if (DataType.isFloat(t)) return value(['float16', 'float32', 'float64'][t.precision]);
  if (DataType.isBool(t)) return value('bool');
  if (DataType.isUtf8(t)) return value('string');
  if (DataType.isLargeUtf8(t)) return value('large_string');
  if (DataType.isBinary(t)) return value('binary');
  if (DataType.isLargeBinary(t)) return value('large_binary');
  if (DataType.isTimestamp(t)) return value(`timestamp[${TIME_UNITS[t.unit]}${t.timezone ? `, tz=${t.timezone}` : ''}]`);
  if (DataType.isDate(t)) return value(t.unit === DateUnit.DAY ? 'date32' : 'date64');
  // A dictionary-encoded column reads back as its values.
  if (DataType.isDictionary(t)) return featureOfType(t.dictionary);
  if (DataType.isList(t) || DataType.isLargeList(t) || DataType.isFixedSizeList(t)) {
    const feature = featureOfType(t.children[0].type);
    if (!feature) return null;
    if (DataType.isLargeList(t)) return { feature, _type: 'LargeList' };
    return DataType.isFixedSizeList(t) ? { feature, length: t.listSize, _type: 'List' } : { feature, _type: 'List' };
  }
  if (DataType.isStruct(t)) {
    const fields = t.children.map((c) => [c.name, featureOfType(c.type)] as const);
    return fields.every(([, f]) => f) ? Object.fromEntries(fields) : null;
  }
  return null;
}

/**
 * A feature from a source's metadata as datasets 5 writes it: `Sequence` (datasets ≤ 3) and the
 * old `[feature]` become `List`, and a Sequence of a dict a dict of Lists, which is what it meant.
 */
export function currentFeature(feature: unknown): unknown {
  if (Array.isArray(feature)) return { feature: currentFeature(feature[0]), _type: 'List' };
  if (feature === null || typeof feature !== 'object') return feature;
  const f = feature as Record<string, unknown>;
  if (f._type === undefined) return Object.fromEntries(Object.entries(f).map(([name, inner]) => [name, currentFeature(inner)]));
  if (f._type === 'Sequence') {
    const length = typeof f.length === 'number' && f.length !== -1 ? { length: f.length } : {};
    const inner = currentFeature(f.feature);
    const subFeatures = inner !== null && typeof inner === 'object' && (inner as { _type?: string })._type === undefined ? Object.entries(inner) : null;
    // datasets' own rule: a dict unless every sub-feature is already a List.
    if (subFeatures?.some(([, sub]) => (sub as { _type?: string })._type !== 'List')) {
      return Object.fromEntries(subFeatures.map(([name, sub]) => [name, { feature: sub, ...length, _type: 'List' }]));
    }
    return { feature: inner, ...length, _type: 'List' };
  }
  if (f._type === 'List' || f._type === 'LargeList') return { ...f, feature: currentFeature(f.feature) };
  return feature;
}

/** True for Hugging Face's image storage type, `struct<bytes: binary, path: string>`, or plain binary. */
export function isImageLike(field: Field): boolean {
  const t = field.type;
  if (DataType.isBinary(t) || DataType.isLargeBinary(t)) return true;
  return DataType.isStruct(t) && t.children.some((c) => c.name === 'bytes' && (DataType.isBinary(c.type) || DataType.isLargeBinary(c.type)));
}
