/**
 * What names a hub dataset, apart from the hub client (src/source/hub.ts), which is loaded only
 * when a run reads from or pushes to the hub.
 */

const PART = String.raw`\w(?:[\w.-]{0,94}\w)?`;
const REPO_ID = new RegExp(`^${PART}/${PART}$`);
const HF_PREFIX = 'hf://datasets/';

/**
 * The dataset repo id a source spec names: `owner/name` (Hugging Face's repo id rules: word
 * characters, `-` and `.`, not at either end, no `--` or `..`) or `hf://datasets/owner/name`;
 * null otherwise.
 */
export function hubRepoOf(spec: string): string | null {
  const id = spec.startsWith(HF_PREFIX) ? spec.slice(HF_PREFIX.length).replace(/\/$/, '') : spec;
  return REPO_ID.test(id) && !/--|\.\./.test(id) ? id : null;
}

export const isHubUrl = (spec: string) => spec.startsWith('hf://');
