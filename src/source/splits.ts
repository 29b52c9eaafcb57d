import { UsageError } from '../errors.js';
import { invalid } from '../validate.js';

/** Folder and file-name words that Hugging Face's loaders read as split names. */
const SPLIT_WORDS: Record<string, string> = {
  train: 'train', training: 'train',
  test: 'test', testing: 'test', eval: 'test', evaluation: 'test',
  validation: 'validation', valid: 'validation', val: 'validation', dev: 'validation',
};

export function isSplitWord(word: string): boolean {
  return word.toLowerCase() in SPLIT_WORDS;
}

/**
 * The split a file belongs to, from its path relative to the source root:
 * `train-00000-of-00002.parquet` or `cats-00000-of-00001.parquet` (Hugging Face's shard names),
 * `test.parquet`, `test-foo.parquet`, or a directory named like a split (`validation/…`).
 * Null when the path names no split. Image folders pass `byFileName = false`: an image called
 * `test.jpg` is not a split.
 */
export function splitOfPath(relativePath: string, byFileName = true): string | null {
  const segments = relativePath.split('/');
  const name = byFileName ? segments[segments.length - 1] : '';
  const shard = /^(.+?)-\d{5}-of-\d{5}\.[^.]+$/.exec(name);
  if (shard) return SPLIT_WORDS[shard[1].toLowerCase()] ?? shard[1];
  const word = /^([A-Za-z]+)(?:[-_.].*)?\.[^.]+$/.exec(name)?.[1]?.toLowerCase();
  if (word && SPLIT_WORDS[word]) return SPLIT_WORDS[word];
  for (const dir of segments.slice(0, -1).reverse()) {
    const split = SPLIT_WORDS[dir.toLowerCase()];
    if (split) return split;
  }
  return null;
}

/**
 * Hugging Face's rule for split names (`datasets`' `_split_re`, `^\w+(\.\w+)*$`). A split names
 * the output files (`data/<split>-00000-of-00001.parquet`) and goes into the dataset card, so
 * nothing else may pass: no `/` or `\` (a path out of --out; `\` on Windows), no `..` or leading
 * dot, no control character, no space.
 */
const SPLIT_NAME = /^[\p{L}\p{M}\p{N}_]+(?:\.[\p{L}\p{M}\p{N}_]+)*$/u;
const SPLIT_NAME_RULE = 'letters, digits and _, in parts joined by dots, as Hugging Face requires';

export const isSplitName = (name: string) => SPLIT_NAME.test(name);

/** Some of `items`, quoted (control characters escaped), for a one-line message. */
function quoteSome(items: string[], most = 3): string {
  const shown = items.slice(0, most).map((item) => JSON.stringify(item)).join(', ');
  return items.length > most ? `${shown} and ${items.length - most} more` : shown;
}

/** A name that goes into output file names and messages (a split's, a config's), and what one may be. */
export interface NameRule {
  kind: 'split' | 'config';
  test: (name: string) => boolean;
  /** What a name may be, in words. */
  rule: string;
}

/**
 * `items` grouped by name; those whose name breaks `name`'s rule are left out with a note naming
 * them, not the whole source (the name asked for may be fine), and refused when nothing is left.
 * `unit` is what the error calls the items (`file`, `parquet file`).
 */
export function groupByUsableName<T>(items: readonly T[], nameOf: (item: T) => string, pathOf: (item: T) => string, name: NameRule, what: string, notes: string[], unit = 'file'): Map<string, T[]> {
  const byName = new Map<string, T[]>();
  const badlyNamed: string[] = [];
  for (const item of items) {
    const itemName = nameOf(item);
    if (name.test(itemName)) byName.set(itemName, [...(byName.get(itemName) ?? []), item]);
    else badlyNamed.push(pathOf(item));
  }
  if (badlyNamed.length > 0) {
    const why = `whose ${name.kind} name is not one (${name.rule})`;
    if (byName.size === 0) throw new UsageError(`${what} has no ${name.kind} with a usable name: every ${unit} is one ${why}: ${quoteSome(badlyNamed)}`);
    notes.push(`${what}: left out ${badlyNamed.length} file(s) ${why}: ${quoteSome(badlyNamed)}`);
  }
  return byName;
}

const SPLIT_RULE: NameRule = { kind: 'split', test: isSplitName, rule: SPLIT_NAME_RULE };

/**
 * Keeps the files of one split. With `--split`, those files (error naming the splits found when
 * there are none); without it, `train` when the source has several splits, or everything when
 * the paths name no split. `splitOf` reads a path's split (default {@link splitOfPath}).
 */
export function selectSplit(paths: string[], requested: string | undefined, what: string, notes: string[], splitOf: (path: string) => string | null = splitOfPath): { split: string; paths: string[] } {
  if (requested !== undefined && !isSplitName(requested)) throw invalid('--split', `a split name (${SPLIT_NAME_RULE})`, requested);
  const bySplit = groupByUsableName(paths, (p) => splitOf(p) ?? 'train', (p) => p, SPLIT_RULE, what, notes);
  const found = [...bySplit.keys()].sort();
  if (requested !== undefined) {
    const canonical = SPLIT_WORDS[requested.toLowerCase()] ?? requested;
    const chosen = bySplit.get(canonical);
    if (!chosen) throw new UsageError(`--split ${requested}: ${what} has no such split; it has ${found.join(', ')}`);
    return { split: canonical, paths: chosen };
  }
  if (bySplit.size === 1) return { split: found[0], paths: bySplit.get(found[0])! };
  if (bySplit.has('train')) {
    notes.push(`${what} has splits ${found.join(', ')}: reading train (choose another with --split)`);
    return { split: 'train', paths: bySplit.get('train')! };
  }
  throw new UsageError(`${what} has several splits (${found.join(', ')}): choose one with --split`);
}
