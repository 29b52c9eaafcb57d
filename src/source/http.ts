import { setTimeout as delay } from 'node:timers/promises';
import { RemuxError, redact } from '../errors.js';

/** How failed HTTP requests of a hub source are retried. */
export interface RetryPolicy {
  /** Tries per request, the first included. Default 6. */
  attempts: number;
  /** Wait before the second try; it doubles at each further try, with jitter. Default 500 ms. */
  baseDelayMs: number;
  /** Longest single wait, a server's `Retry-After` included. Default 30 s. */
  maxDelayMs: number;
  /** A request that receives no byte for this long is abandoned and tried again. Default 60 s. */
  idleTimeoutMs: number;
  /** Waits `ms`, or less when `signal` aborts; tests pass one that records the delays instead of waiting. */
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 6,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  idleTimeoutMs: 60_000,
  sleep: (ms, signal) => delay(ms, undefined, { signal }).catch(() => {}),
};

/** A response the caller must judge: a status not retried (4xx other than 429), or one that is not what was asked for. */
export class HttpStatusError extends RemuxError {
  /** `path`: the URL's path, or the whole URL (redacted) where the host may be the mistake. */
  constructor(readonly status: number, readonly path: string, detail: string) {
    super('ERR_REMUX_HTTP', `GET ${path}: ${detail}`);
  }
}

const isRetryableStatus = (status: number) => status === 429 || status >= 500;

/** What every request of a {@link retryingFetch} gets. */
export interface RequestDefaults {
  /** Aborting it (the run's Ctrl-C) ends a request, or a wait before the next try, at once. */
  signal?: AbortSignal;
  /** An `Authorization` header for requests to this origin that carry none (an endpoint's user and password). */
  authorization?: { origin: string; value: string };
}

/** `init` with an `Authorization` header, unless it has one (a token's) already. */
function withAuthorization(init: RequestInit | undefined, value: string): RequestInit {
  const headers = new Headers(init?.headers);
  if (!headers.has('authorization')) headers.set('authorization', value);
  return { ...init, headers };
}

/**
 * `fetch` with retries, for the hub client and our own range reads. Connection errors and resets
 * (not a host name that the resolver says does not exist), 429 (after the `Retry-After` the
 * server asks for) and 5xx are tried again with exponential backoff and jitter. The body is read
 * whole inside the loop, so a connection cut mid-body or a stalled one is retried too; the caller
 * gets a buffered `Response`. Other statuses come back
 * for the caller to judge. After `attempts` tries it throws one line naming the URL's path and
 * the last status or error — never the headers, which carry the token — with code
 * `ERR_REMUX_UNREACHABLE` when the last try got no answer at all. `signal` (the run's
 * Ctrl-C) ends a request or a wait at once, with an `ERR_REMUX_INTERRUPTED` error.
 */
export function retryingFetch(policy: RetryPolicy, { signal, authorization }: RequestDefaults = {}): typeof fetch {
  return async (input: string | URL | Request, given?: RequestInit): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : input);
    const init = authorization?.origin === url.origin ? withAuthorization(given, authorization.value) : given;
    const method = init?.method ?? 'GET';
    const interrupted = () => new RemuxError('ERR_REMUX_INTERRUPTED', `interrupted while waiting for ${method} ${url.pathname}; run the same command with --resume to continue`);
    let last = '';
    let unreachable = false;
    for (let attempt = 1; ; attempt++) {
      if (signal?.aborted) throw interrupted();
      let retryAfterMs: number | null = null;
      try {
        const response = await fetchWhole(input instanceof Request ? input.clone() : input, init, policy.idleTimeoutMs, signal);
        if (!isRetryableStatus(response.status)) return response;
        last = `status ${response.status}`;
        unreachable = false;
        retryAfterMs = retryAfter(response.headers.get('retry-after'));
      } catch (error) {
        if (signal?.aborted) throw interrupted();
        // A name the resolver says does not exist (a mistyped endpoint, or no network at all on a
        // machine whose resolver answers so) will not exist a second later: EAI_AGAIN is the
        // transient failure, ENOTFOUND is not.
        if (causeOf(error)?.code === 'ENOTFOUND') throw new RemuxError('ERR_REMUX_UNREACHABLE', `${method} ${url.pathname}: host ${url.hostname} not found (ENOTFOUND); not retried`);
        last = `error: ${networkError(error)}`;
        unreachable = true;
      }
      if (attempt >= policy.attempts) throw new RemuxError(unreachable ? 'ERR_REMUX_UNREACHABLE' : 'ERR_REMUX_HTTP', `${method} ${url.pathname}: gave up after ${attempt} attempts; last ${last}`);
      await policy.sleep(Math.min(policy.maxDelayMs, retryAfterMs ?? backoff(policy.baseDelayMs, attempt)), signal);
    }
  };
}

/** Exponential backoff with jitter, so that many clients cut off at once do not come back at once. */
export function backoff(baseDelayMs: number, attempt: number): number {
  // Math.random is fine here: the delay never changes the output.
  return baseDelayMs * 2 ** (attempt - 1) * (0.5 + Math.random() / 2);
}

/** `Retry-After` in milliseconds: delta-seconds or an HTTP date; null when absent or unreadable. */
export function retryAfter(header: string | null, now = Date.now()): number | null {
  if (header === null) return null;
  if (/^\s*\d+\s*$/.test(header)) return Number(header) * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

/** The whole response, read with an idle timeout that restarts at every chunk received; `signal` ends it at once. */
async function fetchWhole(input: string | URL | Request, init: RequestInit | undefined, idleTimeoutMs: number, signal: AbortSignal | undefined): Promise<Response> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => controller.abort(new Error(`no data for ${idleTimeoutMs / 1000} s`)), idleTimeoutMs);
  };
  arm();
  try {
    const response = await fetch(input, { ...init, signal: signal ? AbortSignal.any([controller.signal, signal]) : controller.signal });
    const chunks: Uint8Array[] = [];
    if (response.body) {
      for await (const chunk of response.body) {
        chunks.push(chunk);
        arm();
      }
    }
    const empty = [101, 204, 205, 304].includes(response.status);
    return new Response(empty ? null : Buffer.concat(chunks), { status: response.status, statusText: response.statusText, headers: response.headers });
  } finally {
    clearTimeout(timer);
  }
}

/** What a failed `fetch` wraps: a system error's code (`ECONNREFUSED`, `ENOTFOUND`) or a message. */
const causeOf = (error: unknown) => (error instanceof Error ? (error.cause as { code?: string; message?: string } | undefined) : undefined);

/** `fetch failed (ECONNREFUSED)`, `terminated (other side closed)`: the message and its cause. */
function networkError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = causeOf(error);
  const detail = cause?.code ?? cause?.message;
  return detail ? `${error.message} (${detail})` : error.message;
}

/** The URL as messages show it: whole, without a user and password. */
export const shownUrl = (url: string | URL) => redact(String(url));

/**
 * `fetcher` for an API that answers JSON: a success of another type (a mirror's or a proxy's
 * HTML page, say) is an {@link HttpStatusError} naming the URL, instead of a parse error.
 */
export function expectJson(fetcher: typeof fetch): typeof fetch {
  return async (input, init) => {
    const response = await fetcher(input, init);
    const type = response.headers.get('content-type');
    if (response.ok && !/^application\/([\w.-]+\+)?json\s*(;|$)/i.test(type ?? '')) {
      throw new HttpStatusError(response.status, shownUrl(input instanceof Request ? input.url : input), `expected JSON (the hub's API) but received ${type ?? 'no Content-Type'}; check --endpoint or HF_ENDPOINT`);
    }
    return response;
  };
}

/**
 * Bytes `[start, end)` of a file of `size` bytes, through `fetcher` (a {@link retryingFetch}), as
 * an ArrayBuffer (what hyparquet's `AsyncBuffer.slice` returns). Anything but a 206 of exactly
 * that range (`Content-Range`) and length is an {@link HttpStatusError} naming the URL: a server
 * that ignores `Range` would send the whole file, one that answers another range other bytes.
 */
export async function fetchRange(fetcher: typeof fetch, url: string, start: number, end: number, size: number, headers: Record<string, string>, check?: (response: Response) => void): Promise<ArrayBuffer> {
  if (end <= start) return new ArrayBuffer(0);
  const shown = shownUrl(url);
  const response = await fetcher(url, { headers: { ...headers, Range: `bytes=${start}-${end - 1}` } });
  if (response.status === 200) throw new HttpStatusError(200, shown, 'the server ignored the Range header (expected 206 Partial Content)');
  if (response.status !== 206) throw new HttpStatusError(response.status, shown, `status ${response.status}`);
  // First: a file that changed says so, rather than that its size did.
  check?.(response);
  const expected = `bytes ${start}-${end - 1}/${size}`;
  const range = response.headers.get('content-range');
  if (range?.trim() !== expected) throw new HttpStatusError(206, shown, `expected Content-Range ${expected} but received ${range === null ? 'none' : range}`);
  const body = await response.arrayBuffer();
  if (body.byteLength !== end - start) throw new HttpStatusError(206, shown, `expected ${end - start} bytes for range ${start}-${end - 1} but received ${body.byteLength}`);
  return body;
}
