import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { listFiles, statOrNull } from '../../src/source/files.js';

/**
 * A Hugging Face hub on 127.0.0.1 for tests: it serves `root/<owner>/<name>/<revision>/…` as
 * dataset repos (the revision folder named with encodeURIComponent, so
 * `refs%2Fconvert%2Fparquet` holds the parquet conversion) and can fail on request.
 *
 * Routes, as `@huggingface/hub` 2.17 calls them (read from its src/lib):
 * - `listFiles` → `GET {hubUrl}/api/datasets/{owner}/{name}/tree/{revision}[/{path}]?recursive=…&expand=…`,
 *   `Authorization: Bearer …` when given a token; follows `Link: <…>; rel="next"` (absolute URL)
 *   page by page; a non-2xx status becomes a `HubApiError` carrying it. The revision goes into
 *   the path as given: remux passes it encoded, so it is one segment here.
 * - `fileDownloadInfo` → `GET {hubUrl}/datasets/{id}/resolve/{revision}/{path}` with
 *   `Range: bytes=0-0`, expecting 206, `Content-Range` and `ETag` (a `Content-Type` of
 *   `application/vnd.xet-fileinfo+json` would switch it to Xet); `pathsInfo` →
 *   `POST {hubUrl}/api/datasets/{id}/paths-info/{revision}`. remux calls neither (the tree
 *   listing gives the sizes), so paths-info is not served.
 * remux's own reads: `GET {hubUrl}/datasets/{owner}/{name}/resolve/{revision}/{path}` with
 * `Range: bytes=a-b` (206 with `Content-Range`, `ETag`).
 */

export type FaultKind = 'cut' | '429' | '500' | 'trickle' | 'stall';

export interface Fault {
  kind: FaultKind;
  /** Requests whose path matches fail; default: every request. */
  match?: RegExp;
  /** How many matching requests fail. Default 1. */
  times?: number;
  /** Matching requests to let through first. Default 0. */
  skip?: number;
}

export interface FakeHubOptions {
  root: string;
  /** When set, every request must carry `Authorization: Bearer <token>` (else 401). */
  token?: string;
  /** Repos (`owner/name`) that answer 403, as a gated repo does before its terms are accepted. */
  forbidden?: string[];
  /** Tree entries per page. Default 3, so that listings paginate. */
  pageSize?: number;
}

export interface LoggedRequest {
  method: string;
  /** Path and query, as requested. */
  url: string;
  range: string | null;
  status: number;
  fault: FaultKind | null;
}

interface Reply {
  status: number;
  headers: Record<string, string>;
  body: Uint8Array;
}

export interface FakeHub {
  /** `http://127.0.0.1:<port>`, the `hubUrl`/`endpoint`. */
  url: string;
  requests: LoggedRequest[];
  inject(fault: Fault): void;
  /** Forgets the faults not yet served and the request log. */
  reset(): void;
  close(): Promise<void>;
}

export async function startFakeHub(options: FakeHubOptions): Promise<FakeHub> {
  const faults: Array<Required<Fault>> = [];
  const requests: LoggedRequest[] = [];
  const server = createServer((req, res) => {
    handle(req, options, url).then(
      (reply) => {
        const fault = takeFault(faults, req.url ?? '');
        requests.push({ method: req.method ?? '', url: req.url ?? '', range: req.headers.range ?? null, status: fault === '429' ? 429 : fault === '500' ? 500 : reply.status, fault });
        send(res, reply, fault);
      },
      (error: unknown) => {
        res.writeHead(500).end(String(error));
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    requests,
    inject: (fault) => faults.push({ match: /./, times: 1, skip: 0, ...fault }),
    reset: () => {
      faults.length = 0;
      requests.length = 0;
    },
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function takeFault(faults: Array<Required<Fault>>, path: string): FaultKind | null {
  const fault = faults.find((f) => f.times > 0 && f.match.test(path));
  if (!fault) return null;
  if (fault.skip > 0) {
    fault.skip--;
    return null;
  }
  fault.times--;
  return fault.kind;
}

const json = (status: number, value: unknown, headers: Record<string, string> = {}): Reply => ({
  status,
  headers: { 'Content-Type': 'application/json', ...headers },
  body: new TextEncoder().encode(JSON.stringify(value)),
});

async function handle(req: IncomingMessage, options: FakeHubOptions, base: string): Promise<Reply> {
  if (options.token && req.headers.authorization !== `Bearer ${options.token}`) return json(401, { error: 'Invalid credentials in Authorization header' });
  const url = new URL(req.url ?? '/', base);
  const tree = /^\/api\/datasets\/([^/]+\/[^/]+)\/tree\/([^/]+)(?:\/(.*))?$/.exec(url.pathname);
  const resolve = /^\/datasets\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(url.pathname);
  const match = tree ?? resolve;
  if (req.method !== 'GET' || !match) return json(404, { error: 'Not found' });
  const [, repo, revision] = match;
  if (options.forbidden?.includes(repo)) return json(403, { error: 'Access to this dataset is restricted' });
  if (!(await statOrNull(`${options.root}/${repo}`))) return json(404, { error: 'Repository not found' }, { 'X-Error-Code': 'RepoNotFound' });
  // The revision folder is named encoded; a request may send it encoded or not.
  const dir = `${options.root}/${repo}/${encodeURIComponent(decodeURIComponent(revision))}`;
  if (!(await statOrNull(dir))) return json(404, { error: 'Invalid rev id' }, { 'X-Error-Code': 'RevisionNotFound' });
  if (tree) return listTree(dir, url, tree[3] ?? '', options.pageSize ?? 3);
  return serveFile(`${dir}/${decodeURIComponent(match[3])}`, req.headers.range ?? null);
}

/** A page of the tree listing, with a `Link` to the next page as the hub paginates. */
async function listTree(dir: string, url: URL, path: string, pageSize: number): Promise<Reply> {
  const prefix = path ? `${path}/` : '';
  const recursive = url.searchParams.get('recursive') === 'true';
  const entries: Array<{ type: string; path: string; size: number; oid: string }> = [];
  const dirs = new Set<string>();
  for (const file of (await listFiles(dir)).filter((f) => f.startsWith(prefix))) {
    const rest = file.slice(prefix.length);
    if (!recursive && rest.includes('/')) {
      dirs.add(prefix + rest.split('/')[0]);
      continue;
    }
    const bytes = await readFile(`${dir}/${file}`);
    entries.push({ type: 'file', path: file, size: bytes.length, oid: createHash('sha1').update(bytes).digest('hex') });
  }
  for (const d of dirs) entries.push({ type: 'directory', path: d, size: 0, oid: '0'.repeat(40) });
  const cursor = Number(url.searchParams.get('cursor') ?? 0);
  const next = cursor + pageSize < entries.length ? new URL(url) : null;
  next?.searchParams.set('cursor', String(cursor + pageSize));
  return json(200, entries.slice(cursor, cursor + pageSize), next ? { Link: `<${next}>; rel="next"` } : {});
}

/** The file, or the bytes one `Range: bytes=a-b` (or `a-`, `-n`) asks for, as 206 with `Content-Range`. */
async function serveFile(path: string, range: string | null): Promise<Reply> {
  const info = await statOrNull(path);
  if (!info?.isFile()) return json(404, { error: 'Entry not found' }, { 'X-Error-Code': 'EntryNotFound' });
  const bytes = new Uint8Array(await readFile(path));
  const headers = { 'Accept-Ranges': 'bytes', ETag: `"${createHash('sha256').update(bytes).digest('hex')}"`, 'Content-Type': 'application/octet-stream' };
  const m = range ? /^bytes=(\d*)-(\d*)$/.exec(range) : null;
  if (!m) return { status: 200, headers, body: bytes };
  const start = m[1] === '' ? Math.max(0, bytes.length - Number(m[2])) : Number(m[1]);
  const end = m[1] === '' || m[2] === '' ? bytes.length - 1 : Math.min(Number(m[2]), bytes.length - 1);
  if (start > end) return { status: 416, headers: { 'Content-Range': `bytes */${bytes.length}` }, body: new Uint8Array(0) };
  return { status: 206, headers: { ...headers, 'Content-Range': `bytes ${start}-${end}/${bytes.length}` }, body: bytes.subarray(start, end + 1) };
}

/**
 * Sends the reply, or fails as the fault says: an error status, a connection cut halfway through
 * the body, the body a few bytes at a time, or half the body and then nothing (the connection
 * left open until the server closes).
 */
function send(res: ServerResponse, reply: Reply, fault: FaultKind | null): void {
  if (fault === '429') return void res.writeHead(429, { 'Retry-After': '1' }).end('slow down');
  if (fault === '500') return void res.writeHead(500).end('internal error');
  res.writeHead(reply.status, { ...reply.headers, 'Content-Length': String(reply.body.length) });
  if (fault === 'cut') {
    res.write(reply.body.subarray(0, reply.body.length >> 1));
    setImmediate(() => res.destroy());
    return;
  }
  if (fault === 'trickle') return trickle(res, reply.body, 0);
  if (fault === 'stall') return void res.write(reply.body.subarray(0, reply.body.length >> 1));
  res.end(reply.body);
}

function trickle(res: ServerResponse, body: Uint8Array, offset: number): void {
  if (offset >= body.length) return void res.end();
  res.write(body.subarray(offset, offset + 512));
  setTimeout(() => trickle(res, body, offset + 512), 1);
}
