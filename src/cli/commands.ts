import { RUN_FLAGS, runHelp } from './args.js';

/**
 * A subcommand of `remux`: how it is called, what it does, its full help (loaded with the
 * command's module, so that `remux --help` loads none of them).
 */
export interface Command {
  name: string;
  usage: string;
  summary: string;
  help: () => Promise<string>;
}

export const COMMANDS: Command[] = [
  { name: 'run', usage: 'remux run <source> --out <dir> [options]', summary: 'remux a dataset (remux run --help for the options)', help: async () => runHelp() },
  { name: 'preview', usage: 'remux preview <source> -o <grid.png> [...]', summary: 'contact sheet of augmented copies (remux preview --help)', help: async () => (await import('./preview.js')).PREVIEW_HELP },
  { name: 'finalize', usage: 'remux finalize <out> [<more outs>…]', summary: 'join the slices of a partitioned run (remux finalize --help)', help: async () => (await import('./finalize.js')).FINALIZE_HELP },
  { name: 'bench', usage: 'remux bench <source> --out <dir> [...]', summary: 'CPU vs GPU throughput per backend and stage (remux bench --help)', help: async () => (await import('./bench.js')).benchHelp() },
  { name: 'doctor', usage: 'remux doctor', summary: 'what this machine offers: Node, cores, codecs, backends, GPU adapter', help: async () => (await import('./doctor.js')).DOCTOR_HELP },
];

export function mainHelp(version: string): string {
  const lines = COMMANDS.map((c) => `  ${c.usage.padEnd(44)}  ${c.summary}`);
  return `remux ${version}: bake image augmentations into a dataset, streamed into sharded parquet\n\nUsage:\n${lines.join('\n')}\n  remux --version\n`;
}

/** docs/cli.md: generated from the definitions above (`npm run docs:cli`), so it cannot drift from the code. */
export async function cliReference(version: string): Promise<string> {
  const escape = (text: string) => text.replace(/\|/g, '\\|');
  const runTable = ['| flag | what it does (default) |', '|---|---|', ...RUN_FLAGS.map((f) => `| \`--${f.name}${f.value ? ` ${escape(f.value)}` : ''}\` | ${escape(f.help)} |`)];
  const sections = [];
  for (const c of COMMANDS) {
    const body = c.name === 'run' ? `${runHelp().split('\nOptions:')[0].trim()}\n\`\`\`\n\n${runTable.join('\n')}` : `${(await c.help()).trim()}\n\`\`\``;
    sections.push(`## remux ${c.name}\n\n${c.summary}.\n\n\`\`\`\n${body}\n`);
  }
  return `<!-- Generated from src/cli/commands.ts by \`npm run docs:cli\`; a test fails when it is out of date. -->\n# remux command-line reference\n\n\`\`\`\n${mainHelp(version).trim()}\n\`\`\`\n\n${sections.join('\n')}`;
}
