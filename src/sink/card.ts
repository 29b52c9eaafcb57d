import YAML from 'yaml';
import type { StepSpec } from '../augment/op.js';

export interface CardInput {
  split: string;
  /** Final shard file names under `data/`. */
  files: string[];
  features: Record<string, unknown>;
  rows: number;
  bytes: number;
  source: string;
  pipeline: StepSpec[];
  copies: number;
  seed: number;
}

/**
 * The dataset card: its YAML header declares the config, the data files of every split and the
 * features (which every split shares), so `load_dataset("<out>")` finds the splits and gives back
 * Image and ClassLabel features.
 */
export function datasetCard(splits: CardInput[]): string {
  const [first] = splits;
  const header = {
    configs: [{ config_name: 'default', data_files: splits.map(({ split }) => ({ split, path: `data/${split}-*` })) }],
    dataset_info: {
      features: Object.entries(first.features).map(([name, feature]) => ({ name, ...cardFeature(feature) })),
      splits: splits.map((s) => ({ name: s.split, num_bytes: s.bytes, num_examples: s.rows })),
      download_size: splits.reduce((n, s) => n + s.bytes, 0),
      dataset_size: splits.reduce((n, s) => n + s.bytes, 0),
    },
    tags: ['remux', 'image-augmentation'],
  };
  return `---
${YAML.stringify(header).trimEnd()}
---

# Remuxed dataset

${splits.length === 1 ? splitSummary(first) : splits.map((s) => `Split \`${s.split}\`: ${splitSummary(s)}`).join('\n')}
Columns: \`image\` (the augmented image), ${'label' in first.features ? '`label`, ' : ''}\`source_index\` (row in the source
split), \`copy\` (which of the copies), plus any columns kept from the source.
Every image is a pure function of (seed, source_index, copy): \`remux.json\` records the options to
reproduce it.

${splits.map((s) => `${splits.length === 1 ? 'Pipeline' : `Pipeline of \`${s.split}\``}:

\`\`\`json
${JSON.stringify(s.pipeline, null, 2)}
\`\`\`
`).join('\n')}
Load it with:

\`\`\`python
from datasets import load_dataset
${splits.length === 1 ? '' : `splits = load_dataset("path/to/this/folder")   # ${splits.map((s) => s.split).join(', ')}\n`}ds = load_dataset("path/to/this/folder", split="${first.split}")
\`\`\`
`;
}

/** Where a split's rows come from and how they were made (two lines, ending in a blank one). */
const splitSummary = (input: CardInput) => `${input.rows} rows in ${input.files.length} parquet shard(s) under \`data/\`, written by remux from \`${input.source}\`:
${input.copies} augmented cop${input.copies === 1 ? 'y' : 'ies'} of every source row, seed ${input.seed}.
`;

/**
 * A feature as the card's YAML spells it, the way `datasets` 5 writes it (`Features._to_yaml_list`):
 * `dtype: image`, `dtype: {class_label: {names: {'0': …}}}`, `list: string`, `struct: [{name, dtype}]`, …
 * A feature the card cannot spell makes `load_dataset` read the column as `{}` and fail.
 */
function cardFeature(feature: unknown): Record<string, unknown> {
  if (Array.isArray(feature)) return simplify({ list: simplify(cardFeature(feature[0])) });
  const { _type, ...rest } = feature as Record<string, unknown>;
  if (_type === 'List' || _type === 'LargeList') {
    const { feature: inner, ...more } = rest;
    return simplify({ [_type === 'List' ? 'list' : 'large_list']: cardFeature(inner), ...more });
  }
  if (_type === 'Value') return rest;
  if (typeof _type === 'string') return Object.keys(rest).length === 0 ? { dtype: snakeCase(_type) } : { dtype: simplify({ [snakeCase(_type)]: rest }) };
  return { struct: Object.entries(rest).map(([name, inner]) => ({ name, ...cardFeature(inner) })) };
}

/** `list: {dtype: x}` → `list: x`, `list: {struct: […]}` → `list: […]`, and ClassLabel names as a `'0': name` map. */
function simplify(feature: Record<string, unknown>): Record<string, unknown> {
  const out = { ...feature };
  for (const listType of ['large_list', 'list', 'sequence']) {
    const inner = out[listType];
    if (inner === null || typeof inner !== 'object' || Array.isArray(inner)) continue;
    const keys = Object.keys(inner);
    if (keys.length === 1 && keys[0] === 'dtype') out[listType] = (inner as { dtype: unknown }).dtype;
    if (keys.length === 1 && keys[0] === 'struct') out[listType] = (inner as { struct: unknown }).struct;
  }
  const classLabel = out.class_label as { names?: unknown } | undefined;
  if (classLabel && Array.isArray(classLabel.names)) {
    out.class_label = { ...classLabel, names: Object.fromEntries(classLabel.names.map((n, i) => [String(i), n])) };
  }
  return out;
}

/** `datasets.naming.camelcase_to_snakecase`: `ClassLabel` → `class_label`, `Array3D` → `array3_d`. */
const snakeCase = (name: string) => name.replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2').replace(/([a-z\d])([A-Z])/g, '$1_$2').toLowerCase();
