import { RemuxError } from '../errors.js';

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
  /** Waits `ms`; tests pass one that records the delays instead of waiting. */
  sleep: (ms: number) => Promise<void>;
}

export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 6,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  idleTimeoutMs: 60_000,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** A response whose status the caller must judge (not retried: 4xx other than 429). */
export class HttpStatusError extends RemuxError {
  constructor(readonly status: number, readonly path: string, detail: string) {
    super('ERR_REMUX_HTTP', `GET ${path}: ${detail}`);
  }
}

const isRetryableStatus = (status: number) => status === 429 || status >= 500;

/**
 * `fetch` with retries, for the hub client and our own range reads. Connection errors and resets,
 * 429 (after the `Retry-After` the server asks for) and 5xx are tried again with exponential
 * backoff and jitter. The body is read whole inside the loop, so a connection cut mid-body or a
 * stalled one is retried too; the caller gets a buffered `Response`. Other statuses come back
 * for the caller to judge. After `attempts` tries it throws one line naming the URL's path and
 * the last status or error — never the headers, which carry the token.
 */
export function retryingFetch(policy: RetryPolicy): typeof fetch {
  return async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : input);
    let last = '';
    for (let attempt = 1; ; attempt++) {
      let retryAfterMs: number | null = null;
      try {
        const response = await fetchWhole(input instanceof Request ? input.clone() : input, init, policy.idleTimeoutMs);
        if (!isRetryableStatus(response.status)) return response;
        last = `status ${response.status}`;
        retryAfterMs = retryAfter(response.headers.get('retry-after'));
      } catch (error) {
        last = `error: ${networkError(error)}`;
      }
      if (attempt >= policy.attempts) throw new RemuxError('ERR_REMUX_HTTP', `${init?.method ?? 'GET'} ${url.pathname}: gave up after ${attempt} attempts; last ${last}`);
      await policy.sleep(Math.min(policy.maxDelayMs, retryAfterMs ?? backoff(policy.baseDelayMs, attempt)));
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

/** The whole response, read with an idle timeout that restarts at every chunk received. */
async function fetchWhole(input: string | URL | Request, init: RequestInit | undefined, idleTimeoutMs: number): Promise<Response> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => controller.abort(new Error(`no data for ${idleTimeoutMs / 1000} s`)), idleTimeoutMs);
  };
  arm();
  try {
    const response = await fetch(input, { ...init, signal: controller.signal });
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

/** `fetch failed (ECONNREFUSED)`, `terminated (other side closed)`: the message and its cause. */
function networkError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause as { code?: string; message?: string } | undefined;
  const detail = cause?.code ?? cause?.message;
  return detail ? `${error.message} (${detail})` : error.message;
}

/**
 * Bytes `[start, end)` of a file, through `fetcher` (a {@link retryingFetch}), as an ArrayBuffer
 * (what hyparquet's `AsyncBuffer.slice` returns). Anything but a 206 of the right length is an
 * {@link HttpStatusError}: a server that ignores `Range` would send the whole file.
 */
export async function fetchRange(fetcher: typeof fetch, url: string, start: number, end: number, headers: Record<string, string>, check?: (response: Response) => void): Promise<ArrayBuffer> {
  if (end <= start) return new ArrayBuffer(0);
  const path = new URL(url).pathname;
  const response = await fetcher(url, { headers: { ...headers, Range: `bytes=${start}-${end - 1}` } });
  if (response.status === 200) throw new HttpStatusError(200, path, 'the server ignored the Range header (expected 206 Partial Content)');
  if (response.status !== 206) throw new HttpStatusError(response.status, path, `status ${response.status}`);
  check?.(response);
  const body = await response.arrayBuffer();
  if (body.byteLength !== end - start) throw new HttpStatusError(206, path, `expected ${end - start} bytes for range ${start}-${end - 1} but received ${body.byteLength}`);
  return body;
}
