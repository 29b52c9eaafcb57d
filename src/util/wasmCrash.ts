/**
 * parquet-wasm panics on some corrupt pages (`RuntimeError: unreachable`), and the panic escapes
 * from inside its own promise machinery, past any try/catch of ours, as an uncaught exception.
 * The reader records what it is about to read, so that the CLI can still end with one line that
 * names the file and row group instead of a WASM stack trace.
 */
let current: string | null = null;

/** Marks the start (`what`) and end (`null`) of a read inside a WASM library. */
export function readingInWasm(what: string | null): void {
  current = what;
}

/** The one-line message for an uncaught WASM trap, or null if `error` is not one. */
export function wasmCrashMessage(error: unknown): string | null {
  if (!(error instanceof WebAssembly.RuntimeError)) return null;
  const where = current ? `${current}: ` : '';
  return `${where}the parquet reader crashed (${error.message}): the file is probably corrupt. Committed shards and the journal are intact; fix or drop the file and run the same command with --resume`;
}
