/**
 * Samples a process's memory over time, in every thread: loaded with
 * `node --require dist/benchmarks/memoryTrace.cjs` (CommonJS because `--require`, unlike `--import`
 * in Node 20, also runs in worker threads), it appends one JSON line every 0.5 s to the file named
 * by REMUX_MEMORY_TRACE. Each line holds what this thread's isolate reports (heap, external,
 * arrayBuffers; WASM memories count in external, not in arrayBuffers), the resident size of each
 * V8 heap space (heapTotal counts reserved semi-space that is not resident), parquet-wasm's WASM
 * memory once the program has loaded it (main thread), and the process's resident memory from
 * /proc (anonymous and file-backed apart), so that `memory.ts` can say where a run's peak goes.
 */
const { appendFileSync, readFileSync } = require('node:fs') as typeof import('node:fs');
const { getHeapSpaceStatistics } = require('node:v8') as typeof import('node:v8');
const { isMainThread, threadId } = require('node:worker_threads') as typeof import('node:worker_threads');

const traceFile = process.env.REMUX_MEMORY_TRACE;
const INTERVAL_MS = 500;

/** kB fields of /proc/self/status, in bytes (VmRSS = RssAnon + RssFile + RssShmem). */
function procStatus(): Record<string, number> {
  const fields: Record<string, number> = {};
  for (const match of readFileSync('/proc/self/status', 'utf8').matchAll(/^(VmRSS|VmHWM|RssAnon|RssFile):\s+(\d+) kB/gm)) fields[match[1]] = Number(match[2]) * 1024;
  return fields;
}

/** parquet-wasm's memory if the program has loaded parquet-wasm (never loaded here: that would change what is measured). */
function parquetWasmBytes(): number | null {
  let path: string;
  try {
    path = require.resolve('parquet-wasm/node');
  } catch {
    return null;
  }
  const loaded = require.cache[path]?.exports as { wasmMemory?: () => WebAssembly.Memory } | undefined;
  return loaded?.wasmMemory ? loaded.wasmMemory().buffer.byteLength : null;
}

/** Resident bytes of each V8 heap space, by short name (`new_space` → `new`). */
function heapSpaces(): Record<string, number> {
  return Object.fromEntries(getHeapSpaceStatistics().map((space) => [space.space_name.replace(/_space$/, ''), space.physical_space_size]));
}

function sample(): void {
  const usage = process.memoryUsage();
  const line = { t: Math.round(performance.timeOrigin + performance.now()), thread: threadId, heapUsed: usage.heapUsed, heapTotal: usage.heapTotal, external: usage.external, arrayBuffers: usage.arrayBuffers, spaces: heapSpaces(), ...(isMainThread ? { parquetWasm: parquetWasmBytes(), ...procStatus() } : {}) };
  appendFileSync(traceFile!, `${JSON.stringify(line)}\n`);
}

if (traceFile) {
  sample();
  setInterval(sample, INTERVAL_MS).unref();
  // The last state, too: a run's peak is often at its end.
  process.on('exit', sample);
}
