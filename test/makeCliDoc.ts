/** Writes docs/cli.md from the command definitions: `npm run docs:cli`. */
import { writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { cliReference } from '../src/cli/commands.js';

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };
await writeFile('docs/cli.md', await cliReference(version));
console.log('wrote docs/cli.md');
