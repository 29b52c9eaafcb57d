/**
 * Errors a user can act on. `UsageError` covers bad options, bad input paths and bad pipelines:
 * the CLI prints its message on one line and exits with code 2, without a stack trace.
 * `RemuxError` covers failures during a run (exit code 1). Both carry a stable `code`.
 */
export class RemuxError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RemuxError';
    this.code = code;
  }
}

export class UsageError extends RemuxError {
  constructor(message: string, code = 'ERR_REMUX_USAGE') {
    super(code, message);
    this.name = 'UsageError';
  }
}

/** The message of anything thrown, without its stack. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
