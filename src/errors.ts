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

/** Secrets met during the run (the hub token), which `redact` removes. */
const secrets = new Set<string>();

/** Makes `redact` remove `secret` from any text from now on. */
export function hideSecret(secret: string): void {
  if (secret !== '') secrets.add(secret);
}

/**
 * `text` as it may leave the process (a message, a note, a recorded option): every secret given
 * to `hideSecret`, the credentials of any `Bearer`/`Basic` authorization (a server may echo the
 * header back) and the user and password of any URL (`https://user:pass@host`) become `***`.
 */
export function redact(text: string): string {
  let safe = text.replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@]+@/gi, '$1***@').replace(/\b(Bearer|Basic)\s+[\w.~+/=-]+/g, '$1 ***');
  for (const secret of secrets) safe = safe.split(secret).join('***');
  return safe;
}
