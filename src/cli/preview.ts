import { stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { RemuxError, UsageError, messageOf } from '../errors.js';
import type { PresetName } from '../augment/presets.js';
import { preview, type PreviewOptions } from '../preview.js';
import { integer, parseCommandArgs, size } from './args.js';

export const PREVIEW_HELP = `Usage: remux preview <source> -o <grid.png> [options]

Draws a contact sheet: each source image beside its augmented copies, labelled with row and copy.

Options:
  -o, --output FILE         PNG to write (required)
  --pipeline FILE           augmentation pipeline, .json or .yaml (randomResizedCrop + horizontalFlip)
  --preset NAME             a named pipeline instead: imagenet-train, imagenet-eval,
                            randaugment, trivialaugment
  --size N|HxW              output size of ops that name none (224)
  -n, --rows N              source rows to show (8)
  --copies K                augmented copies per row (4)
  --seed N                  seed (0)
  --split NAME              split to read when the source has several
  --image-column COL        image column of a parquet source
  --augment FILE            your own batch function, run on each row's copies after the pipeline
  --config, --revision, --token, --endpoint
                            hub datasets, as for remux run
`;

/** `remux preview`: returns the exit code. */
export async function previewCommand(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs(
    argv,
    {
      output: { type: 'string', short: 'o' }, pipeline: { type: 'string' }, preset: { type: 'string' }, size: { type: 'string' },
      rows: { type: 'string', short: 'n' }, copies: { type: 'string' }, seed: { type: 'string' }, split: { type: 'string' },
      'image-column': { type: 'string' }, augment: { type: 'string' }, config: { type: 'string' }, revision: { type: 'string' },
      token: { type: 'string' }, endpoint: { type: 'string' }, help: { type: 'boolean' },
    },
    'preview',
  );
  if (parsed.values.help) {
    process.stdout.write(PREVIEW_HELP);
    return 0;
  }
  const v = parsed.values as Record<string, string | undefined>; // every option but --help takes a value
  if (parsed.positionals.length !== 1) throw new UsageError('expected one source: remux preview <source> -o <grid.png>');
  if (!v.output) throw new UsageError('missing -o/--output: the PNG file to write');
  const optional = (flag: string, raw: string | undefined) => (raw === undefined ? undefined : integer(flag, raw));
  const options: PreviewOptions = {
    source: parsed.positionals[0], pipeline: v.pipeline, preset: v.preset as PresetName | undefined, size: v.size === undefined ? undefined : size(v.size),
    rows: optional('-n', v.rows), copies: optional('--copies', v.copies), seed: optional('--seed', v.seed), split: v.split, imageColumn: v['image-column'],
    augment: v.augment, config: v.config, revision: v.revision, token: v.token, endpoint: v.endpoint,
  };
  await checkFolder(v.output);
  const png = await preview(options);
  await writeFile(v.output, png).catch((error: unknown) => {
    throw new RemuxError('ERR_REMUX_WRITE', `cannot write -o ${v.output}: ${messageOf(error)}`);
  });
  process.stdout.write(`remux: wrote ${v.output}\n`);
  return 0;
}

/** The PNG's folder must exist before the preview is drawn: saying so at the end would waste the work. */
async function checkFolder(output: string): Promise<void> {
  const folder = dirname(output);
  const info = await stat(folder).catch(() => null);
  if (!info?.isDirectory()) throw new UsageError(`-o ${output}: folder ${folder} ${info ? 'is a file' : 'does not exist'}`);
}
