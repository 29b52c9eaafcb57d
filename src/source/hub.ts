import { createHash } from 'node:crypto';
import { DataType, tableFromIPC, type Schema } from 'apache-arrow';
import { parquetMetadata, parquetReadObjects, type AsyncBuffer, type FileMetaData } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { readSchema } from 'parquet-wasm/node';
import { RemuxError, UsageError, hideSecret, messageOf, redact } from '../errors.js';
import { fromArray, mapOrdered, prefetchOne } from '../util/stream.js';
import { invalid } from '../validate.js';
import { DEFAULT_RETRY, HttpStatusError, expectJson, fetchRange, retryingFetch } from './http.js';
import { isHubUrl } from './hubRepo.js';
import { checkSameColumns, chooseColumns, groupsFrom, isStructImage, ownImageCell, sourceRow, type GroupToRead } from './parquetRows.js';
import type { Source, SourceOptions, SourceRow } from './source.js';
import { groupByUsableName, selectSplit, splitOfPath, type NameRule } from './splits.js';

/** The hub's own address, `@huggingface/hub`'s documented default. */
export const DEFAULT_ENDPOINT = 'https://huggingface.co';
/** Where the hub keeps its parquet conversion of a dataset that is stored otherwise. */
export const CONVERSION_REVISION = 'refs/convert/parquet';
/** First read of a footer; most footers fit, a larger one costs one more request. */
const FOOTER_FETCH_BYTES = 64 * 1024;
/** Footers read at once while opening. */
const OPEN_CONCURRENCY = 8;

/** How requests reach one dataset repo. */
interface Hub {
  repo: string;
  endpoint: string;
  token: string | undefined;
  fetch: typeof fetch;
  /** `hub dataset owner/name`, how messages name it. */
  what: string;
}

interface HubFile {
  /** Path in the repo, how rows and messages name the file. */
  path: string;
  buffer: AsyncBuffer;
  metadata: FileMetaData;
  schema: Schema;
  rowGroups: number[];
}

/**
 * A dataset on the Hugging Face hub, read like local parquet files but over HTTP range requests:
 * each file's footer first, then one row group at a time (the columns it needs only), one row
 * group fetched ahead. Neither a whole file nor the dataset is ever on disk or in memory.
 * A repo that stores no parquet is read from the hub's parquet conversion.
 */
export async function openHubSource(spec: string, repo: string, options: SourceOptions): Promise<Source> {
  // A hub row's image is its bytes; one that holds only a path is a recorded skip, never a local file read.
  if (options.imageRoot !== undefined) throw new UsageError(`source ${spec} is a hub dataset: --image-root applies to local parquet sources only (rows that hold an image path)`);
  const hub = connect(repo, options);
  const notes: string[] = [];
  // `owner/name` with --revision or --config means the hub; without, it may be a mistyped path.
  const mayBePath = !isHubUrl(spec) && options.revision === undefined && options.config === undefined;
  const { revision, files: listed } = await findParquet(hub, options.revision ?? 'main', notes).catch((error: unknown) => {
    throw mayBePath ? notPathNorOnHub(spec, hub, error) : error;
  });
  const conversion = revision === CONVERSION_REVISION;
  const { config, files: inConfig } = selectConfig(listed, options.config, conversion, hub.what, notes);
  const what = `${hub.what}${config === 'default' ? '' : ` (config ${config})`}`;
  // The conversion names a split by its folder, whatever the name; a repo by HF's file-name rules.
  const splitOf = conversion ? (p: string) => p.split('/')[1] ?? null : splitOfPath;
  const { split, paths } = selectSplit(inConfig.map((f) => f.path), options.split, what, notes, splitOf);
  const byPath = new Map(inConfig.map((f) => [f.path, f]));

  const files: HubFile[] = [];
  const opened = mapOrdered(fromArray(paths), OPEN_CONCURRENCY, (path) => openHubFile(hub, revision, path, byPath.get(path)!.size));
  for await (const file of opened) files.push(file);

  const schema = files[0].schema;
  const { imageColumn, labelColumn, labelNames, keptColumns, columns } = chooseColumns(schema, options, files[0].path, notes);
  for (const other of files.slice(1)) checkSameColumns(other.schema.fields.map((f) => f.name), other.path, columns);
  for (const { field } of keptColumns) {
    if (!HUB_KEEP_TYPES.some((is) => is(field.type))) throw new UsageError(`--keep-columns ${field.name}: columns of type ${field.type} are not read from hub sources yet (integers, floats, booleans, strings and binary are)`);
  }
  const isStruct = isStructImage(schema, imageColumn);
  const keptTypes = keptColumns.map(({ field }) => [field.name, field.type] as const);

  async function readGroup(task: GroupToRead): Promise<SourceRow[]> {
    const file = files[task.file];
    const first = task.fileRowStart + task.skip;
    let objects: Array<Record<string, unknown>>;
    try {
      // utf8: false keeps binary as bytes; columns typed as strings are still decoded.
      objects = await parquetReadObjects({ file: file.buffer, metadata: file.metadata, rowStart: first, rowEnd: task.fileRowStart + task.rows, columns, utf8: false, compressors });
    } catch (error) {
      if (error instanceof HttpStatusError) throw hubError(hub, revision, error, false);
      if (error instanceof RemuxError) throw error;
      throw new RemuxError('ERR_REMUX_SOURCE', `source ${file.path}: cannot read row group ${task.group} (rows ${task.fileRowStart}–${task.fileRowStart + task.rows - 1}): ${messageOf(error)}`);
    }
    return objects.map((o, i) => {
      const keep: Record<string, unknown> = {};
      for (const [name, type] of keptTypes) keep[name] = arrowValue(type, o[name]);
      const { row } = sourceRow(ownImageCell(o[imageColumn]), isStruct, labelColumn ? o[labelColumn] : null, labelNames, keep, file.path, task.sourceStart + task.skip + i, first + i);
      // As a local source's: bytes in a buffer of their own, to move to the worker that decodes them.
      if (row.bytes) row.ownsBytes = true;
      return row;
    });
  }

  return {
    description: spec,
    notes,
    split,
    version: createHash('sha256').update(JSON.stringify(paths.map((p) => [p, byPath.get(p)!.oid]))).digest('hex').slice(0, 16),
    totalRows: files.reduce((n, f) => n + f.rowGroups.reduce((a, b) => a + b, 0), 0),
    chunkRows: files.flatMap((f) => f.rowGroups),
    labelNames,
    hasLabels: labelColumn !== null,
    keptColumns,
    chunks: (fromIndex = 0) => prefetchOne(groupsFrom(files.map((f) => f.rowGroups), fromIndex), readGroup),
  };
}

/** Endpoint, token and a retrying fetch for one repo, from the options or the environment. */
function connect(repo: string, options: SourceOptions): Hub {
  const access = hubAccess(options);
  for (const [flag, value] of [['--config', options.config], ['--revision', options.revision]] as const) {
    if (value !== undefined && (typeof value !== 'string' || value.trim() === '')) throw invalid(flag, 'a non-empty name', value);
  }
  return { repo, ...access, what: `hub dataset ${repo}` };
}

/** How to reach the hub: its address, the token, and a fetch that retries. */
export interface HubAccess {
  endpoint: string;
  token: string | undefined;
  fetch: typeof fetch;
}

/**
 * The hub's address and token from `endpoint`/`token`, else `HF_ENDPOINT`/`HF_TOKEN`, checked,
 * with a {@link retryingFetch}; shared by the hub source and `--push-to-hub`. A user and password
 * in the address (`https://user:pass@mirror`) leave it (fetch refuses such URLs) and are sent to
 * that host as HTTP Basic authentication instead, unless a token is. Both are hidden from every
 * message (see `redact`).
 */
export function hubAccess(options: Pick<SourceOptions, 'endpoint' | 'token' | 'retry' | 'signal'>): HubAccess {
  const endpointWhere = options.endpoint !== undefined ? '--endpoint' : 'HF_ENDPOINT';
  const given = options.endpoint ?? (process.env.HF_ENDPOINT || DEFAULT_ENDPOINT);
  const url = URL.canParse(given) ? new URL(given) : null;
  if (url?.protocol !== 'http:' && url?.protocol !== 'https:') throw invalid(endpointWhere, 'an http(s) URL', redact(given));
  const basic = url.username || url.password ? `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}` : null;
  url.username = '';
  url.password = '';
  const token = options.token ?? (process.env.HF_TOKEN || undefined);
  // The token is never echoed: not in this message, nor in any other.
  if (token !== undefined) hideSecret(token);
  if (token !== undefined && !token.startsWith('hf_')) throw new UsageError(`expected a Hugging Face access token (hf_…) for ${options.token !== undefined ? '--token' : 'HF_TOKEN'} but received one that does not start with hf_`);
  const authorization = basic === null ? undefined : { origin: url.origin, value: basic };
  return { endpoint: url.href.replace(/\/+$/, ''), token, fetch: retryingFetch({ ...DEFAULT_RETRY, ...options.retry }, { signal: options.signal, authorization }) };
}

/**
 * The parquet files of the repo at `revision` or, when `main` stores none, of the hub's parquet
 * conversion (which is of main); a one-line error when neither exists.
 */
async function findParquet(hub: Hub, revision: string, notes: string[]): Promise<{ revision: string; files: ListedFile[] }> {
  const files = await listParquet(hub, revision);
  if (files === null) throw new UsageError(`${hub.what}: not found at revision ${revision} (HTTP 404); check the repo id and --revision`, 'ERR_REMUX_HUB_NOT_FOUND');
  if (files.length > 0) return { revision, files };
  if (revision !== 'main') throw new UsageError(`${hub.what} has no parquet files at revision ${revision}${revision === CONVERSION_REVISION ? '' : ` (the hub's parquet conversion, ${CONVERSION_REVISION}, is of main: leave out --revision to read it)`}`);
  const converted = await listParquet(hub, CONVERSION_REVISION);
  if (!converted?.length) throw new UsageError(`${hub.what} has no parquet files at revision main and no parquet conversion (${CONVERSION_REVISION})`);
  notes.push(`${hub.what} stores no parquet files at main: reading the hub's parquet conversion (${CONVERSION_REVISION})`);
  return { revision: CONVERSION_REVISION, files: converted };
}

interface ListedFile {
  path: string;
  size: number;
  /** The content's id in the repo (the LFS sha256, else the git blob id). */
  oid: string;
}

/** The repo's `.parquet` files at `revision`, with their sizes; null when the revision (or repo) does not exist. */
async function listParquet(hub: Hub, revision: string): Promise<ListedFile[] | null> {
  const { listFiles, HubApiError } = await import('@huggingface/hub');
  const files: ListedFile[] = [];
  try {
    // The client puts the revision into the path as it is: encoded, `refs/convert/parquet` stays one segment.
    const entries = listFiles({ repo: { type: 'dataset', name: hub.repo }, revision: encodeURIComponent(revision), recursive: true, hubUrl: hub.endpoint, accessToken: hub.token, fetch: expectJson(hub.fetch) });
    for await (const entry of entries) {
      if (entry.type === 'file' && entry.path.endsWith('.parquet')) files.push({ path: entry.path, size: entry.size, oid: entry.lfs?.oid ?? entry.oid ?? '' });
    }
  } catch (error) {
    if (error instanceof HubApiError) {
      if (error.statusCode === 404) return null;
      throw hubError(hub, revision, new HttpStatusError(error.statusCode, new URL(error.url || hub.endpoint).pathname, `status ${error.statusCode}`), true);
    }
    if (error instanceof HttpStatusError) throw hubError(hub, revision, error, true);
    throw error;
  }
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * The config a parquet file belongs to. In the conversion (`{config}/{split}/0000.parquet`) its
 * first folder; in a repo, a first folder other than `data` that names no split
 * (`{config}/train-00000-of-00001.parquet`, as `push_to_hub(config_name=…)` writes), else `default`.
 */
export function configOfPath(path: string, conversion: boolean): string {
  const segments = path.split('/');
  if (segments.length < 2) return 'default';
  if (conversion) return segments[0];
  return segments[0] === 'data' || splitOfPath(`${segments[0]}/x`) !== null ? 'default' : segments[0];
}

/**
 * A config name as the hub's listings give them (`default`, `wikitext-103-v1`, `20220301.en`):
 * letters, digits, `_`, `.` and `-`, starting and ending with a letter, digit or `_`. Anything
 * else (`..`, a leading dot, `\`, a control character) is not a name to carry into messages or
 * files.
 */
const CONFIG_NAME = /^[\p{L}\p{M}\p{N}_](?:[\p{L}\p{M}\p{N}_.-]*[\p{L}\p{M}\p{N}_])?$/u;
const CONFIG_NAME_RULE = 'letters, digits, _, . and -, starting and ending with a letter, digit or _';
const CONFIG_RULE: NameRule = { kind: 'config', test: (name) => CONFIG_NAME.test(name), rule: CONFIG_NAME_RULE };

/** The files of `--config`, else of `default`, else of the only config; an error naming the configs otherwise. Files of a config with an unusable name are left out, with a note. */
export function selectConfig(files: ListedFile[], requested: string | undefined, conversion: boolean, what: string, notes: string[]): { config: string; files: ListedFile[] } {
  if (requested !== undefined && !CONFIG_NAME.test(requested)) throw invalid('--config', `a config name (${CONFIG_NAME_RULE})`, requested);
  const byConfig = groupByUsableName(files, (f) => configOfPath(f.path, conversion), (f) => f.path, CONFIG_RULE, what, notes, 'parquet file');
  const found = [...byConfig.keys()].sort();
  const config = requested ?? (byConfig.has('default') ? 'default' : found.length === 1 ? found[0] : null);
  if (requested !== undefined && !byConfig.has(requested)) throw new UsageError(`--config ${requested}: ${what} has no such config; it has ${found.join(', ')}`);
  if (config === null) throw new UsageError(`${what} has several configs (${found.join(', ')}): choose one with --config`);
  if (requested === undefined && found.length > 1) notes.push(`${what} has configs ${found.join(', ')}: reading ${config} (choose another with --config)`);
  return { config, files: byConfig.get(config)! };
}

/** Footer first (one request, two when it is large), then the metadata and the Arrow schema from it. */
async function openHubFile(hub: Hub, revision: string, path: string, size: number): Promise<HubFile> {
  const url = `${hub.endpoint}/datasets/${hub.repo}/resolve/${encodeURIComponent(revision)}/${path.split('/').map(encodeURIComponent).join('/')}`;
  // Node's fetch drops the Authorization header when a redirect leaves the hub's origin (a CDN).
  const headers: Record<string, string> = hub.token ? { Authorization: `Bearer ${hub.token}` } : {};
  const check = sameVersion(path);
  const buffer: AsyncBuffer = { byteLength: size, slice: (start, end = size) => fetchRange(hub.fetch, url, start, end, size, headers, check) };
  try {
    const footer = await readFooter(buffer);
    const metadata = parquetMetadata(footer);
    // parquet-wasm maps the parquet schema to Arrow as the local reader does; it needs only the footer.
    const schema = tableFromIPC(readSchema(concatBytes(MAGIC, footer)).intoIPCStream()).schema;
    return { path, buffer, metadata, schema, rowGroups: metadata.row_groups.map((g) => Number(g.num_rows)) };
  } catch (error) {
    if (error instanceof HttpStatusError) throw hubError(hub, revision, error, true);
    if (error instanceof RemuxError) throw error;
    throw new UsageError(`source ${path}: not a readable parquet file (${messageOf(error)})`);
  }
}

/**
 * Every read of a file must see one version of it: a branch pushed to during a run would
 * otherwise mix row groups of two versions. The first ETag is the file's; another one stops the run.
 */
function sameVersion(path: string): (response: Response) => void {
  let first: string | null = null;
  return (response) => {
    const tag = response.headers.get('etag');
    if (tag === null) return;
    first ??= tag;
    if (tag !== first) throw new RemuxError('ERR_REMUX_SOURCE', `source ${path} changed on the hub during the run (ETag ${first} became ${tag}): pin --revision to a commit, or start again`);
  };
}

const MAGIC = new TextEncoder().encode('PAR1');

/** The footer: metadata, its 4-byte length and the closing `PAR1`. */
async function readFooter(buffer: AsyncBuffer): Promise<Uint8Array> {
  const size = buffer.byteLength;
  if (size < 12) throw new Error(`${size} bytes is too short for parquet`);
  const tailStart = Math.max(0, size - FOOTER_FETCH_BYTES);
  const tail = new Uint8Array(await buffer.slice(tailStart, size));
  const view = new DataView(tail.buffer, tail.byteOffset);
  if (view.getUint32(tail.length - 4, true) !== 0x31524150) throw new Error('no PAR1 at its end');
  const footerLength = view.getUint32(tail.length - 8, true) + 8;
  if (footerLength > size - 4) throw new Error(`footer of ${footerLength} bytes in a file of ${size}`);
  if (footerLength <= tail.length) return tail.subarray(tail.length - footerLength);
  return concatBytes(new Uint8Array(await buffer.slice(size - footerLength, tailStart)), tail);
}

function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/**
 * A status error as the user should read it: 401/403 name the token and gated repos, 404 the
 * repo, revision and config; others say what was requested. A `UsageError` while opening
 * (nothing has started), a `RemuxError` during the run; a 401 or 403 has code `ERR_REMUX_HUB_DENIED`.
 */
function hubError(hub: Hub, revision: string, error: HttpStatusError, opening: boolean): RemuxError {
  const denied = error.status === 401 || error.status === 403;
  const message = denied
    ? `${hub.what}: access denied (HTTP ${error.status}); check the repo id, HF_TOKEN or --token, and that your account has access (a gated repo asks you to accept its terms on its page)`
    : error.status === 404
      ? `${hub.what}: not found at revision ${revision} (HTTP 404 for ${error.path}); check the repo id, --revision and --config`
      : error.message;
  const code = denied ? 'ERR_REMUX_HUB_DENIED' : 'ERR_REMUX_HUB';
  return opening ? new UsageError(message, code) : new RemuxError(code, message);
}

/**
 * `owner/name` that is no local path was taken for a hub dataset; when the hub has none (404),
 * denies access (401, 403: the hub answers so for a repo that does not exist, too) or cannot be
 * reached, the name may be a mistyped path: one line that says both, and which hub was asked.
 */
function notPathNorOnHub(spec: string, hub: Hub, error: unknown): unknown {
  const noPath = `source ${spec}: no such file or directory, and`;
  if (!(error instanceof RemuxError)) return error;
  if (error.code === 'ERR_REMUX_HUB_NOT_FOUND') return new UsageError(`${noPath} the hub at ${hub.endpoint} has no dataset ${hub.repo} (HTTP 404)`);
  if (error.code === 'ERR_REMUX_HUB_DENIED') return new UsageError(`${noPath} on the hub at ${hub.endpoint}, ${error.message}`);
  if (error.code === 'ERR_REMUX_UNREACHABLE') return new UsageError(`${noPath} the hub at ${hub.endpoint} could not be reached to look for dataset ${hub.repo} (${error.message})`);
  return error;
}

/** Arrow types whose values hyparquet gives as Arrow's `Vector.get` does, once integers are normalised. */
const HUB_KEEP_TYPES = [DataType.isInt, DataType.isFloat, DataType.isBool, DataType.isUtf8, DataType.isLargeUtf8, DataType.isBinary, DataType.isLargeBinary];

/** A hyparquet value as Arrow's `Vector.get` gives it (the local reader): 64-bit integers as bigint, null for missing. */
function arrowValue(type: DataType, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (DataType.isInt(type)) return type.bitWidth === 64 ? BigInt(value as number | bigint) : Number(value);
  return value;
}
