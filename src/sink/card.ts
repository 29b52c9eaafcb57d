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
 * The dataset card: its YAML header declares the config, the data files and the features, so
 * `load_dataset("<out>")` finds the split and gives back Image and ClassLabel features.
 */
export function datasetCard(input: CardInput): string {
  const header = {
    configs: [{ config_name: 'default', data_files: [{ split: input.split, path: `data/${input.split}-*` }] }],
    dataset_info: {
      features: Object.entries(input.features).map(([name, feature]) => ({ name, ...cardFeature(feature) })),
      splits: [{ name: input.split, num_bytes: input.bytes, num_examples: input.rows }],
      download_size: input.bytes,
      dataset_size: input.bytes,
    },
    tags: ['remux', 'image-augmentation'],
  };
  return `---
${YAML.stringify(header).trimEnd()}
---

# Remuxed dataset

${input.rows} rows in ${input.files.length} parquet shard(s) under \`data/\`, written by remux from \`${input.source}\`:
${input.copies} augmented cop${input.copies === 1 ? 'y' : 'ies'} of every source row, seed ${input.seed}.

Columns: \`image\` (the augmented image), ${'label' in input.features ? '`label`, ' : ''}\`source_index\` (row in the source
split), \`copy\` (which of the copies), plus any columns kept from the source.
Every image is a pure function of (seed, source_index, copy): \`remux.json\` records the options to
reproduce it.

Pipeline:

\`\`\`json
${JSON.stringify(input.pipeline, null, 2)}
\`\`\`

Load it with:

\`\`\`python
from datasets import load_dataset
ds = load_dataset("path/to/this/folder", split="${input.split}")
\`\`\`
`;
}

/** A feature as the card's YAML spells it (`dtype: image`, `class_label: {names: …}`). */
function cardFeature(feature: unknown): Record<string, unknown> {
  const f = feature as { _type?: string; dtype?: string; names?: string[] } | null;
  if (f?._type === 'Image') return { dtype: 'image' };
  if (f?._type === 'ClassLabel') return { dtype: { class_label: { names: Object.fromEntries((f.names ?? []).map((n, i) => [String(i), n])) } } };
  if (f?._type === 'Value' && f.dtype) return { dtype: f.dtype };
  return {};
}
