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

/** Why a file operation failed, in words, without the path (the caller names it): `permission denied (EACCES)`. */
export function reasonOf(error: unknown): string {
  const { code } = error as NodeJS.ErrnoException;
  const words: Record<string, string> = {
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    ENOTDIR: 'a part of the path is a file, not a directory',
    ENOENT: 'no such file or directory',
    EROFS: 'read-only file system',
    ENOSPC: 'no space left on device',
    EEXIST: 'a file of that name exists',
  };
  return code && words[code] ? `${words[code]} (${code})` : messageOf(error);
}
