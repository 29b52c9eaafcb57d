import { readdir, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { UsageError, messageOf } from '../errors.js';

/** Every file under `root`, as paths relative to it with `/` separators, sorted. Hidden entries are skipped. */
export async function listFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  async function walk(dir: string): Promise<void> {
    const entries = await readdir(dir, { withFileTypes: true });
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const full = join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile()) out.push(relative(root, full).split(sep).join('/'));
    }
  }
  await walk(root);
  return out.sort(compareStrings);
}

/** Code-point order, the same on every machine and locale. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export async function statOrNull(path: string) {
  try {
    return await stat(path);
  } catch {
    return null;
  }
}

export function hasGlob(pattern: string): boolean {
  return /[*?[{]/.test(pattern);
}

/** `*` matches within a path segment, `**` across segments, `?` one character, `{a,b}` alternatives. */
export function globToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*' && pattern[i + 1] === '*') {
      re += pattern[i + 2] === '/' ? '(?:.*/)?' : '.*';
      i += pattern[i + 2] === '/' ? 2 : 1;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '{') {
      const close = pattern.indexOf('}', i);
      if (close < 0) throw new UsageError(`source glob ${pattern}: unclosed "{"`);
      re += `(?:${pattern.slice(i + 1, close).split(',').map(escape).join('|')})`;
      i = close;
    } else re += escape(c);
  }
  return new RegExp(`^${re}$`);
}

const escape = (s: string) => s.replace(/[.+^$()|[\]\\]/g, '\\$&');

/** Files matching a glob, relative paths resolved against the directory before the first wildcard. */
export async function expandGlob(pattern: string): Promise<string[]> {
  const normalized = pattern.split(sep).join('/');
  const segments = normalized.split('/');
  const firstWild = segments.findIndex(hasGlob);
  const base = segments.slice(0, firstWild).join('/') || '.';
  const regex = globToRegExp(segments.slice(firstWild).join('/'));
  let files: string[];
  try {
    files = await listFiles(base);
  } catch (error) {
    throw new UsageError(`cannot read source ${pattern}: ${messageOf(error)}`);
  }
  return files.filter((f) => regex.test(f)).map((f) => (base === '.' ? f : `${base}/${f}`));
}
