/**
 * Module hooks (registered with `module.register`) that let `--augment` take a TypeScript file
 * without a build step: `.ts`/`.mts`/`.cts` modules are transpiled (types stripped, no type
 * checking) as ES modules when loaded. They run on Node's loader thread.
 */
import { readFile } from 'node:fs/promises';
import ts from 'typescript';

type LoadResult = { format: string; source?: string | ArrayBuffer | Uint8Array; shortCircuit?: boolean };
type NextLoad = (url: string, context: unknown) => Promise<LoadResult>;

export async function load(url: string, context: unknown, nextLoad: NextLoad): Promise<LoadResult> {
  if (!/\.[mc]?ts$/.test(new URL(url).pathname)) return nextLoad(url, context);
  const source = await readFile(new URL(url), 'utf8');
  const { outputText } = ts.transpileModule(source, {
    fileName: new URL(url).pathname,
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: false, sourceMap: false, inlineSourceMap: true },
  });
  return { format: 'module', source: outputText, shortCircuit: true };
}
