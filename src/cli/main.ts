#!/usr/bin/env node
import { createRequire } from 'node:module';
import { RemuxError, UsageError, messageOf, redact } from '../errors.js';
import { spaceOutMainThreadGc } from '../util/mainThreadGc.js';
import { wasmCrashMessage } from '../util/wasmCrash.js';
import { mainHelp } from './commands.js';

const { version } = createRequire(import.meta.url)('../../../package.json') as { version: string };

/** Exit codes: 0 done, 1 the run failed, 2 bad usage or bad input (nothing was started), 130 interrupted (resumable). */
async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(mainHelp(version));
    return command === undefined ? 2 : 0;
  }
  if (command === '--version' || command === '-v') {
    process.stdout.write(`${version}\n`);
    return 0;
  }
  spaceOutMainThreadGc();
  // Each command loads what it needs when it runs: `--help` and usage errors answer at once.
  if (command === 'preview') return (await import('./preview.js')).previewCommand(rest);
  if (command === 'finalize') return (await import('./finalize.js')).finalizeCommand(rest);
  if (command === 'bench') return (await import('./bench.js')).benchCommand(rest).then((code) => process.exit(code)); // Dawn keeps the event loop alive
  if (command === 'doctor') return (await import('./doctor.js')).doctorCommand(rest, version).then((code) => process.exit(code)); // Dawn keeps the event loop alive
  if (command !== 'run') throw new UsageError(`unknown command ${JSON.stringify(command)}: expected run, preview, finalize, bench or doctor (see remux --help)`);
  const { parseRunArgs, runHelp } = await import('./args.js');
  const { options, quiet, help } = parseRunArgs(rest);
  if (help) {
    process.stdout.write(runHelp());
    return 0;
  }
  const { remux } = await import('../pipeline.js');
  const { progressReporter, summaryText } = await import('./progress.js');
  const progress = progressReporter(process.stderr);
  const stop = stopOnSignals();
  const summary = await remux({
    ...options,
    signal: stop.signal,
    onProgress: quiet ? undefined : (p) => progress.update(p),
    onNote: (note, kind) => {
      if (!(quiet && kind === 'backend')) process.stderr.write(`remux: ${redact(note)}\n`);
    },
  }).finally(() => {
    progress.done();
    stop.dispose();
  });
  process.stdout.write(`${summaryText(summary)}\n`);
  return 0;
}

/**
 * The first Ctrl-C (or SIGTERM) asks the run to stop cleanly: it drops the open shard and keeps
 * what is committed. A second one exits at once, as soon as the worker threads have ended (one
 * ended in a native call can abort the process); commits are atomic, so that state is resumable too.
 */
function stopOnSignals(): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const onSignal = (name: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      process.stderr.write(`\nremux: ${name} again: stopping now; run the same command with --resume to continue\n`);
      void import('../execute/pool.js').then(({ closeWorkerPools }) => closeWorkerPools()).finally(() => process.exit(130));
      return;
    }
    process.stderr.write(`\nremux: ${name}: stopping after the rows in flight (press Ctrl-C again to stop at once)\n`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

process.on('uncaughtException', (error) => {
  const message = wasmCrashMessage(error);
  if (!message) throw error;
  process.stderr.write(`remux: ${message}\n`);
  process.exit(1);
});

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    // Whatever a server answered, the token and an endpoint's credentials are never printed.
    if (error instanceof UsageError) {
      process.stderr.write(`remux: ${redact(error.message)}\n`);
      process.exitCode = 2;
    } else if (error instanceof RemuxError) {
      process.stderr.write(`remux: ${redact(error.message)}\n`);
      process.exitCode = error.code === 'ERR_REMUX_INTERRUPTED' ? 130 : 1;
    } else {
      process.stderr.write(`remux: unexpected error: ${redact(messageOf(error))}\n(set REMUX_DEBUG=1 for the stack trace, and please report it)\n`);
      if (process.env.REMUX_DEBUG) console.error(error);
      process.exitCode = 1;
    }
  },
);
