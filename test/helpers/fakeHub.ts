import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { relative } from 'node:path';
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
 *
 * Writes (`--push-to-hub`), as the client's `createRepo` and `commit` (src/lib/create-repo.ts,
 * commit.ts) call them, and remux's own rename commit:
 * - `createRepo` → `POST {hubUrl}/api/repos/create` `{ name, organization, type: 'dataset' }`:
 *   200 `{ url, id }`, or 409 when the repo exists.
 * - `commit` → `POST {hubUrl}/api/datasets/{id}/preupload/{branch}` `{ files: [{ path, size, sample }] }`
 *   → `{ files: [{ path, uploadMode }] }`: `lfs` for `*.parquet` (the hub's default
 *   `.gitattributes` tracks them), `regular` otherwise; for the LFS files
 *   `POST {hubUrl}/datasets/{id}.git/info/lfs/objects/batch` `{ operation: 'upload', transfers,
 *   objects: [{ oid, size }] }` → `{ transfer: 'basic', objects }`, each with
 *   `actions.upload.href` unless the object is already stored (then nothing is uploaded). Only
 *   `basic` is answered: the client asks for `xet` too unless `useXet: false`, and a
 *   `transfer` other than `xet` keeps it on plain LFS. Then `PUT {href}` of the bytes (no
 *   Authorization header: on the hub the href is a presigned storage URL, so this route takes
 *   no token), and `POST {hubUrl}/api/datasets/{id}/commit/{branch}`, NDJSON: a `header` line,
 *   then `lfsFile` `{ path, algo, size, oid }` (an already stored object, by its sha256),
 *   `file` `{ path, content, encoding: 'base64' }` and `deletedFile` `{ path }` lines; applied
 *   all or nothing (404 for a missing path to delete, 422 for an unknown LFS object).
 * Committed files land in `root/<owner>/<name>/<branch>/`, where the read routes serve them (the
 * tree listing gives `*.parquet` entries an `lfs: { oid, size }` as the hub does).
 */

/**
 * `html`: a 200 HTML page instead of the answer (a login page, a proxy's error page); `shift`: a
 * range read answered with as many bytes one byte further on, `Content-Range` saying so.
 */
export type FaultKind = 'cut' | '429' | '500' | 'trickle' | 'stall' | 'html' | 'shift';

export interface Fault {
  kind: FaultKind;
  /** Requests whose path matches fail; default: every request. */
  match?: RegExp;
  /** How many matching requests fail. Default 1. */
  times?: number;
  /** Matching requests to let through first. Default 0. */
  skip?: number;
  /** The `Retry-After` of a 429, in seconds. Default 1. */
  retryAfter?: number;
}

export interface FakeHubOptions {
  root: string;
  /** When set, every request must carry `Authorization: Bearer <token>` (else 401). */
  token?: string;
  /** Repos (`owner/name`) that answer 403, as a gated repo does before its terms are accepted. */
  forbidden?: string[];
  /** Tree entries per page. Default 3, so that listings paginate. */
  pageSize?: number;
  /**
   * Paths the tree listing shows besides the stored files, each served from a stored one: both
   * `<owner>/<name>/<revision folder>/<path>`, under `root`. For names no directory can hold
   * (`..`, a leading dot, which `listFiles` skips) that a broken or hostile endpoint could list.
   */
  aliases?: Record<string, string>;
  /** Requests whose path matches answer 400 with the Authorization header in the error text, as some servers do. */
  echoAuthorization?: RegExp;
}

/** One commit the hub applied: the repo, its title and what each line did. */
export interface LoggedCommit {
  repo: string;
  summary: string;
  operations: Array<{ key: 'lfsFile' | 'file' | 'deletedFile'; path: string }>;
}

export interface LoggedRequest {
  method: string;
  /** Path and query, as requested. */
  url: string;
  range: string | null;
  status: number;
  fault: FaultKind | null;
  /** The scheme of its Authorization header (`Bearer`, `Basic`), never the credentials. */
  authScheme: string | null;
}

interface Reply {
  status: number;
  headers: Record<string, string>;
  body: Uint8Array;
}

export interface Gate {
  /** Requests waiting at the gate now. */
  held(): number;
  /** Lets the waiting requests and all later ones through. */
  release(): void;
}

export interface FakeHub {
  /** `http://127.0.0.1:<port>`, the `hubUrl`/`endpoint`. */
  url: string;
  requests: LoggedRequest[];
  /** Commits applied, oldest first. */
  commits: LoggedCommit[];
  /** Each request as received (method, URL, headers but Authorization, body), for tests that look for a leaked token. */
  received: string[];
  inject(fault: Fault): void;
  /** Holds matching requests unanswered until `release()`, to catch a client with requests in flight. */
  hold(match: RegExp): Gate;
  /** Forgets the faults not yet served and the request log. */
  reset(): void;
  close(): Promise<void>;
}

export async function startFakeHub(options: FakeHubOptions): Promise<FakeHub> {
  const faults: Array<Required<Fault>> = [];
  const requests: LoggedRequest[] = [];
  const state: HubState = { lfs: new Map(), commits: [], received: [] };
  const gates: Array<{ match: RegExp; waiting: Array<() => void>; open: boolean }> = [];
  const server = createServer((req, res) => {
    // The fault is drawn first: a write answered 429 or 500 must not have happened.
    const taken = takeFault(faults, req.url ?? '');
    const fault = taken?.kind ?? null;
    const gate = gates.find((g) => !g.open && g.match.test(req.url ?? ''));
    readBody(req)
      .then((body) => (gate ? new Promise<Buffer>((resolve) => gate.waiting.push(() => resolve(body))) : body))
      .then((body) => {
        state.received.push(`${req.method} ${req.url} ${JSON.stringify({ ...req.headers, authorization: undefined })} ${body.toString('latin1')}`);
        if (fault === '429' || fault === '500') return json(500, {});
        if (fault === 'html') return { status: 200, headers: { 'Content-Type': 'text/html; charset=utf-8' }, body: new TextEncoder().encode('<!doctype html><title>Sign in</title>') };
        if (options.echoAuthorization?.test(req.url ?? '')) return json(400, { error: `Bad request (Authorization: ${req.headers.authorization})` });
        return handle(req, body, options, url, state, fault === 'shift');
      })
      .then(
      (reply) => {
        requests.push({ method: req.method ?? '', url: req.url ?? '', range: req.headers.range ?? null, status: fault === '429' ? 429 : fault === '500' ? 500 : reply.status, fault, authScheme: req.headers.authorization?.split(' ')[0] ?? null });
        send(res, reply, taken);
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
    commits: state.commits,
    received: state.received,
    inject: (fault) => faults.push({ match: /./, times: 1, skip: 0, retryAfter: 1, ...fault }),
    hold: (match) => {
      const gate = { match, waiting: [] as Array<() => void>, open: false };
      gates.push(gate);
      return {
        held: () => gate.waiting.length,
        release: () => {
          gate.open = true;
          for (const go of gate.waiting.splice(0)) go();
        },
      };
    },
    reset: () => {
      faults.length = 0;
      for (const gate of gates.splice(0)) for (const go of gate.waiting.splice(0)) go();
      requests.length = 0;
      state.commits.length = 0;
      state.received.length = 0;
    },
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function takeFault(faults: Array<Required<Fault>>, path: string): Required<Fault> | null {
  const fault = faults.find((f) => f.times > 0 && f.match.test(path));
  if (!fault) return null;
  if (fault.skip > 0) {
    fault.skip--;
    return null;
  }
  fault.times--;
  return fault;
}

const json = (status: number, value: unknown, headers: Record<string, string> = {}): Reply => ({
  status,
  headers: { 'Content-Type': 'application/json', ...headers },
  body: new TextEncoder().encode(JSON.stringify(value)),
});

/** What the writes change beyond the files: stored LFS objects and the commit log. */
interface HubState {
  /** By `owner/name:sha256`: as on the hub, a repo sees only its own objects. */
  lfs: Map<string, Uint8Array>;
  commits: LoggedCommit[];
  received: string[];
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function handle(req: IncomingMessage, body: Buffer, options: FakeHubOptions, base: string, state: HubState, shift: boolean): Promise<Reply> {
  const url = new URL(req.url ?? '/', base);
  const upload = /^\/lfs-upload\/([^/]+\/[^/]+)\/([0-9a-f]{64})$/.exec(url.pathname);
  if (req.method === 'PUT' && upload) return storeObject(state, upload[1], upload[2], body);
  if (options.token && req.headers.authorization !== `Bearer ${options.token}`) return json(401, { error: 'Invalid credentials in Authorization header' });
  if (req.method === 'POST') return handleWrite(url, body, options, base, state);
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
  const aliases = aliasesUnder(options, dir);
  if (tree) return listTree(dir, url, tree[3] ?? '', options.pageSize ?? 3, aliases);
  const path = decodeURIComponent(match[3]);
  return serveFile(aliases.find((a) => a.path === path)?.file ?? `${dir}/${path}`, req.headers.range ?? null, shift);
}

/** The write routes: repo creation, preupload, the LFS batch, commits. */
async function handleWrite(url: URL, body: Buffer, options: FakeHubOptions, base: string, state: HubState): Promise<Reply> {
  if (url.pathname === '/api/repos/create') {
    const { name, organization, type } = JSON.parse(body.toString()) as { name: string; organization: string; type: string };
    if (type !== 'dataset') return json(400, { error: `only dataset repos here, not ${type}` });
    const dir = `${options.root}/${organization}/${name}`;
    if (await statOrNull(dir)) return json(409, { error: 'You already created this dataset repo' });
    await mkdir(`${dir}/main`, { recursive: true });
    return json(200, { url: `${base}/datasets/${organization}/${name}`, id: `${organization}/${name}` });
  }
  const route = /^\/(?:api\/datasets\/([^/]+\/[^/]+)\/(preupload|commit)\/([^/]+)|datasets\/([^/]+\/[^/]+)\.git\/info\/lfs\/objects\/batch)$/.exec(url.pathname);
  if (!route) return json(404, { error: 'Not found' });
  const repo = route[1] ?? route[4];
  if (!(await statOrNull(`${options.root}/${repo}`))) return json(404, { error: 'Repository not found' }, { 'X-Error-Code': 'RepoNotFound' });
  if (route[2] === 'preupload') {
    const { files } = JSON.parse(body.toString()) as { files: Array<{ path: string }> };
    return json(200, { files: files.map((f) => ({ path: f.path, uploadMode: isLfsPath(f.path) ? 'lfs' : 'regular' })) });
  }
  if (route[2] === 'commit') return applyCommit(`${options.root}/${repo}/${encodeURIComponent(decodeURIComponent(route[3]))}`, repo, body.toString(), state);
  const batch = JSON.parse(body.toString()) as { operation: string; transfers: string[]; objects: Array<{ oid: string; size: number }> };
  if (batch.operation !== 'upload' || !batch.transfers.includes('basic')) return json(400, { message: 'basic upload transfers only' });
  const objects = batch.objects.map((o) => (state.lfs.has(`${repo}:${o.oid}`) ? o : { ...o, actions: { upload: { href: `${base}/lfs-upload/${repo}/${o.oid}` } } }));
  return json(200, { transfer: 'basic', objects }, { 'Content-Type': 'application/vnd.git-lfs+json' });
}

/** The hub's default `.gitattributes` stores parquet files with LFS. */
const isLfsPath = (path: string) => path.endsWith('.parquet');

/** `PUT` of an LFS object: kept only when its bytes have the sha256 it was announced with. */
function storeObject(state: HubState, repo: string, oid: string, body: Buffer): Reply {
  if (createHash('sha256').update(body).digest('hex') !== oid) return json(400, { error: 'sha256 mismatch' });
  state.lfs.set(`${repo}:${oid}`, new Uint8Array(body));
  return { status: 200, headers: { ETag: `"${oid}"` }, body: new Uint8Array(0) };
}

type CommitLine =
  | { key: 'header'; value: { summary: string } }
  | { key: 'lfsFile'; value: { path: string; oid: string } }
  | { key: 'file'; value: { path: string; content: string; encoding: string } }
  | { key: 'deletedFile'; value: { path: string } };

/** An NDJSON commit, checked whole before any file changes (a commit lands entirely or not at all). */
async function applyCommit(dir: string, repo: string, ndjson: string, state: HubState): Promise<Reply> {
  if (!(await statOrNull(dir))) return json(404, { error: 'Invalid rev id' }, { 'X-Error-Code': 'RevisionNotFound' });
  const lines = ndjson.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as CommitLine);
  const header = lines.find((l) => l.key === 'header');
  const writes: Array<{ path: string; bytes: Uint8Array | null }> = [];
  for (const line of lines) {
    if (line.key === 'lfsFile') {
      const bytes = state.lfs.get(`${repo}:${line.value.oid}`);
      if (!bytes) return json(422, { error: `LFS object ${line.value.oid} not found for ${line.value.path}` });
      writes.push({ path: line.value.path, bytes });
    } else if (line.key === 'file') {
      writes.push({ path: line.value.path, bytes: new Uint8Array(Buffer.from(line.value.content, 'base64')) });
    } else if (line.key === 'deletedFile') {
      if (!(await statOrNull(`${dir}/${line.value.path}`))) return json(404, { error: `${line.value.path} does not exist` }, { 'X-Error-Code': 'EntryNotFound' });
      writes.push({ path: line.value.path, bytes: null });
    }
  }
  for (const { path, bytes } of writes) {
    if (bytes === null) await rm(`${dir}/${path}`);
    else {
      await mkdir(`${dir}/${path}`.slice(0, `${dir}/${path}`.lastIndexOf('/')), { recursive: true });
      await writeFile(`${dir}/${path}`, bytes);
    }
  }
  const operations = lines.flatMap((l) => (l.key === 'header' ? [] : [{ key: l.key, path: l.value.path }]));
  state.commits.push({ repo, summary: header?.key === 'header' ? header.value.summary : '', operations });
  const oid = createHash('sha1').update(ndjson).digest('hex');
  return json(200, { commitOid: oid, commitUrl: `/datasets/${repo}/commit/${oid}` });
}

/** The `aliases` of one revision folder: each listed path in it, and the stored file that serves it. */
function aliasesUnder(options: FakeHubOptions, dir: string): Array<{ path: string; file: string }> {
  const prefix = `${relative(options.root, dir)}/`;
  return Object.entries(options.aliases ?? {}).filter(([listed]) => listed.startsWith(prefix)).map(([listed, stored]) => ({ path: listed.slice(prefix.length), file: `${options.root}/${stored}` }));
}

/** A page of the tree listing, with a `Link` to the next page as the hub paginates. */
async function listTree(dir: string, url: URL, path: string, pageSize: number, aliases: Array<{ path: string; file: string }>): Promise<Reply> {
  const prefix = path ? `${path}/` : '';
  const recursive = url.searchParams.get('recursive') === 'true';
  const entries: Array<{ type: string; path: string; size: number; oid: string; lfs?: { oid: string; size: number; pointerSize: number } }> = [];
  const dirs = new Set<string>();
  const stored = (await listFiles(dir)).map((f) => ({ path: f, file: `${dir}/${f}` }));
  for (const { path: file, file: storedAt } of [...stored, ...aliases].filter((f) => f.path.startsWith(prefix))) {
    const rest = file.slice(prefix.length);
    if (!recursive && rest.includes('/')) {
      dirs.add(prefix + rest.split('/')[0]);
      continue;
    }
    const bytes = await readFile(storedAt);
    const lfs = isLfsPath(file) ? { lfs: { oid: createHash('sha256').update(bytes).digest('hex'), size: bytes.length, pointerSize: 134 } } : {};
    entries.push({ type: 'file', path: file, size: bytes.length, oid: createHash('sha1').update(bytes).digest('hex'), ...lfs });
  }
  for (const d of dirs) entries.push({ type: 'directory', path: d, size: 0, oid: '0'.repeat(40) });
  const cursor = Number(url.searchParams.get('cursor') ?? 0);
  const next = cursor + pageSize < entries.length ? new URL(url) : null;
  next?.searchParams.set('cursor', String(cursor + pageSize));
  return json(200, entries.slice(cursor, cursor + pageSize), next ? { Link: `<${next}>; rel="next"` } : {});
}

/** The file, or the bytes one `Range: bytes=a-b` (or `a-`, `-n`) asks for (`shift`: one byte further on), as 206 with `Content-Range`. */
async function serveFile(path: string, range: string | null, shift: boolean): Promise<Reply> {
  const info = await statOrNull(path);
  if (!info?.isFile()) return json(404, { error: 'Entry not found' }, { 'X-Error-Code': 'EntryNotFound' });
  const bytes = new Uint8Array(await readFile(path));
  const headers = { 'Accept-Ranges': 'bytes', ETag: `"${createHash('sha256').update(bytes).digest('hex')}"`, 'Content-Type': 'application/octet-stream' };
  const m = range ? /^bytes=(\d*)-(\d*)$/.exec(range) : null;
  if (!m) return { status: 200, headers, body: bytes };
  const by = shift ? 1 : 0;
  const start = (m[1] === '' ? Math.max(0, bytes.length - Number(m[2])) : Number(m[1])) + by;
  const end = (m[1] === '' || m[2] === '' ? bytes.length - 1 : Math.min(Number(m[2]), bytes.length - 1)) + by;
  if (start > end) return { status: 416, headers: { 'Content-Range': `bytes */${bytes.length}` }, body: new Uint8Array(0) };
  return { status: 206, headers: { ...headers, 'Content-Range': `bytes ${start}-${end}/${bytes.length}` }, body: bytes.subarray(start, end + 1) };
}

/**
 * Sends the reply, or fails as the fault says: an error status, a connection cut halfway through
 * the body, the body a few bytes at a time, or half the body and then nothing (the connection
 * left open until the server closes).
 */
function send(res: ServerResponse, reply: Reply, taken: Required<Fault> | null): void {
  const fault = taken?.kind;
  if (fault === '429') return void res.writeHead(429, { 'Retry-After': String(taken!.retryAfter) }).end('slow down');
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
