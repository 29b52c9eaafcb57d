/**
 * The shard thread: encodes the open shard's row groups (Arrow, parquet-wasm, zstd) and writes
 * them to its `.tmp` file, hashing as it goes, so that none of that per-row work is the main
 * thread's. One shard at a time, in the order of the messages: `open`, its `rows` (one row group
 * each), `end`. It answers `pulled` once parquet-wasm has taken a row group (the main thread
 * keeps at most one waiting: backpressure), then `written` or `failed`.
 */
import { open } from 'node:fs/promises';
import { parentPort, workerData } from 'node:worker_threads';
import { tableFromIPC } from 'apache-arrow';
import { transformParquetStream } from 'parquet-wasm/node';
import type { OutputRow } from './shardWriter.js';
import { nameThread } from '../util/threadName.js';
import { toWasmBatches, writeAll, writerProperties, type ShardEncoding } from './shardEncoding.js';

/** What the thread starts with: the encoding, its schema as an empty IPC stream (a `Schema` does not cross threads). */
export interface ShardThreadInit extends Omit<ShardEncoding, 'schema'> {
  schemaIpc: Uint8Array;
}

export type ToShardThread = { kind: 'open'; tmpPath: string } | { kind: 'rows'; rows: OutputRow[] } | { kind: 'end' };
export type FromShardThread = { kind: 'pulled' } | { kind: 'written'; bytes: number; sha256: string } | { kind: 'failed'; message: string; code?: string };

const init = workerData as ShardThreadInit;
const encoding: ShardEncoding = { ...init, schema: tableFromIPC(init.schemaIpc).schema };
const port = parentPort!;
nameThread('remux-shards');

/** The open shard's row groups not yet taken by parquet-wasm; `null` ends the shard. */
let waiting: Array<OutputRow[] | null> = [];
let wake: (() => void) | null = null;

port.on('message', (message: ToShardThread) => {
  if (message.kind === 'open') return void writeShard(message.tmpPath);
  waiting.push(message.kind === 'rows' ? message.rows : null);
  wake?.();
});

async function next(): Promise<OutputRow[] | null> {
  while (waiting.length === 0) await new Promise<void>((resolve) => (wake = resolve));
  wake = null;
  return waiting.shift()!;
}

async function writeShard(tmpPath: string): Promise<void> {
  waiting = [];
  try {
    const handle = await open(tmpPath, 'w');
    try {
      const input = new ReadableStream(
        {
          async pull(controller) {
            const rows = await next();
            if (rows === null) return controller.close();
            port.postMessage({ kind: 'pulled' } satisfies FromShardThread);
            for (const batch of toWasmBatches(encoding.schema, rows)) controller.enqueue(batch);
          },
        },
        { highWaterMark: 0 },
      );
      const written = await writeAll(await transformParquetStream(input, writerProperties(encoding)), handle);
      port.postMessage({ kind: 'written', ...written } satisfies FromShardThread);
    } finally {
      await handle.close();
    }
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    port.postMessage({ kind: 'failed', message: error instanceof Error ? error.message : String(error), code: typeof code === 'string' ? code : undefined } satisfies FromShardThread);
  }
}
