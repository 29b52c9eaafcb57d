import { formatBytes } from './progress.js';
import { UsageError } from '../errors.js';
import { finalizeOutputs } from '../sink/finalize.js';

export const FINALIZE_HELP = `Usage: remux finalize <out> [<more outs>…]

Joins the slices of a partitioned run (remux run --num-shards K --shard-index i) into one dataset:
checks that every slice is there, finished and run with the same options, and that every shard is
the file its journal committed (size, rows, sha256), holding every slice's lock; gives the shards their
final train-0000n-of-0000N.parquet names under the first <out>/data (moving them there from the
other directories), and writes one remux.json, one dataset card and one errors.jsonl. Each split
in the directories (--split validation next to train) is finalized so, and remux.json and the
card name them all.
Slices run with --push-to-hub (which uploaded their shards) then get one hub commit that gives the
shards their final names there and adds the card and remux.json; it reaches the hub through
HF_TOKEN and HF_ENDPOINT. Safe to run again if it was interrupted.
`;

/** `remux finalize`: returns the exit code. */
export async function finalizeCommand(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(FINALIZE_HELP);
    return 0;
  }
  const unknown = argv.find((a) => a.startsWith('-'));
  if (unknown) throw new UsageError(`remux finalize: unknown option ${unknown} (it takes output directories only; see remux finalize --help)`);
  if (argv.length === 0) throw new UsageError('remux finalize: missing output directory: remux finalize <out> [<more outs>…]');
  for (const summary of await finalizeOutputs(argv)) {
    const { rowsIn, rowsOut, skipped } = summary.counts;
    process.stdout.write(`remux: finalized ${summary.slices} slice(s) into ${summary.shards.length} shard(s) in ${summary.out}/data (split ${summary.split})\n  rows in ${rowsIn}, rows out ${rowsOut}, skipped ${skipped}, ${formatBytes(summary.bytes)}\n${summary.pushedTo ? `  pushed to hub dataset ${summary.pushedTo}\n` : ''}`);
  }
  return 0;
}
