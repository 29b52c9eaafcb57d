/**
 * Prepares what `benchmarks/gpu/run.sh` needs on a GPU machine that reaches no registry and takes
 * 64 MiB of files: one `benchmarks/gpu/carry/remux-gpu.tar.xz` holding
 *   dist/src/cli/     the CLI, its worker, the adapter probe and the WebGPU conformance suite,
 *                     each bundled with esbuild (pure-JS dependencies inside), and the WASM kernels;
 *   dist/src/util/typescriptHooks.js  the loader hook `--augment file.ts` registers (TypeScript inside);
 *   node_modules/     only the packages with native or WASM parts (Dawn, sharp + libvips,
 *                     libjpeg-turbo, parquet-wasm), linux-x64 builds only, with their runtime deps;
 *   .gpu/bin/node     this Node binary, for a machine without one;
 *   .gpu/lib/         the Vulkan loader (libvulkan.so.1), for a machine without one;
 *   .gpu/photos256.parquet  with --photos DIR: those JPEGs as a parquet source.
 *
 *   npm run build && node dist/benchmarks/gpu/pack.js [--photos <dir of 256² JPEGs>]
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { writeHfParquet } from '../../test/helpers/hfParquet.js';

const LIMIT = 64 * 2 ** 20;
const STAGE = 'benchmarks/gpu/carry/stage';
const TARBALL = 'benchmarks/gpu/carry/remux-gpu.tar.xz';

/** Packages loaded at run time from node_modules (native addons, WASM read from disk, `require(name)`). */
const EXTERNAL = ['webgpu', 'sharp', '@julusian/jpeg-turbo', 'parquet-wasm', 'jpeg-js', '@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'];
/** Build-time dependencies of those, not needed to run. */
const BUILD_ONLY = new Set(['cmake-js', 'node-addon-api']);
/** Inside a copied package: other platforms' builds and other bundler targets. */
const foreign = (path: string) => /(darwin|win32|freebsd|android|arm64|linux-arm|musl|ia32|wasm32)/.test(path) || /parquet-wasm\/(bundler|esm)\b/.test(path);

const { values } = parseArgs({ options: { photos: { type: 'string' } } });

rmSync(STAGE, { recursive: true, force: true });
mkdirSync(`${STAGE}/dist/src/cli`, { recursive: true });
await bundle();
copyPackages();
copyRuntime();
if (values.photos) await photosParquet(values.photos);
mkdirSync('benchmarks/gpu/carry', { recursive: true });
execFileSync('sh', ['-c', `tar -C ${STAGE} -cf - . | xz -9 -T0 > ${TARBALL}`], { stdio: 'inherit' });
rmSync(STAGE, { recursive: true, force: true });
const size = statSync(TARBALL).size;
console.log(`${TARBALL}: ${(size / 2 ** 20).toFixed(1)} MiB (limit 64 MiB)`);
if (size > LIMIT) throw new Error(`${TARBALL} is over 64 MiB`);

/** One ESM bundle per entry point, side by side, so `new URL('./worker.js', import.meta.url)` finds its neighbours. */
async function bundle(): Promise<void> {
  const esbuild = await import('esbuild');
  const nodeEsm = { bundle: true, platform: 'node', format: 'esm', target: 'node20', logLevel: 'warning' } as const;
  // CommonJS dependencies inside an ESM bundle still call require().
  const requireShim = "import { createRequire as __remuxRequire } from 'node:module'; const require = __remuxRequire(import.meta.url);";
  await esbuild.build({
    ...nodeEsm,
    entryPoints: { main: 'dist/src/cli/main.js', worker: 'dist/src/execute/worker.js', adapterProbe: 'dist/src/backend/adapterProbe.js', 'webgpu.test': 'dist/test/webgpu.test.js' },
    outdir: `${STAGE}/dist/src/cli`,
    external: EXTERNAL,
    banner: { js: requireShim },
  });
  // `--augment file.ts` registers this module as a loader hook by its URL beside the pipeline's
  // (../util/ from the bundles): it runs in Node's loader thread, so it is a bundle of its own.
  await esbuild.build({
    ...nodeEsm,
    entryPoints: { typescriptHooks: 'dist/src/util/typescriptHooks.js' },
    outdir: `${STAGE}/dist/src/util`,
    // TypeScript's own CommonJS code also reads __filename and __dirname.
    banner: {
      js: `${requireShim} import { fileURLToPath as __remuxPath } from 'node:url'; const __filename = __remuxPath(import.meta.url); const __dirname = __remuxPath(new URL('.', import.meta.url));`,
    },
  });
  copyFileSync('dist/kernels/wasm/resample.wasm', `${STAGE}/dist/src/cli/resample.wasm`);
  // The bundled pipeline reads the version from ../../package.json of its own file.
  copyFileSync('package.json', `${STAGE}/dist/package.json`);
}

/** The external packages and their runtime dependencies, this platform's builds only. */
function copyPackages(): void {
  const queue = EXTERNAL.filter((name) => existsSync(`node_modules/${name}`));
  const seen = new Set<string>();
  while (queue.length > 0) {
    const name = queue.pop()!;
    if (seen.has(name) || BUILD_ONLY.has(name) || !existsSync(`node_modules/${name}/package.json`)) continue;
    seen.add(name);
    cpSync(`node_modules/${name}`, `${STAGE}/node_modules/${name}`, { recursive: true, filter: (src) => !foreign(src.slice(`node_modules/${name}`.length)) });
    const pkg = JSON.parse(readFileSync(`node_modules/${name}/package.json`, 'utf8')) as { dependencies?: Record<string, string>; optionalDependencies?: Record<string, string> };
    queue.push(...Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies }).filter((dep) => !foreign(dep)));
  }
  console.log(`packages: ${[...seen].sort().join(', ')}`);
}

/** This Node binary and the Vulkan loader the dynamic linker gives this process. */
function copyRuntime(): void {
  mkdirSync(`${STAGE}/.gpu/bin`, { recursive: true });
  mkdirSync(`${STAGE}/.gpu/lib`, { recursive: true });
  copyFileSync(process.execPath, `${STAGE}/.gpu/bin/node`);
  const loader = /libvulkan\.so\.1 \(libc6,x86-64\) => (\S+)/.exec(execFileSync('ldconfig', ['-p'], { encoding: 'utf8' }))?.[1];
  if (!loader) throw new Error('no libvulkan.so.1 here (apt-get install libvulkan1)');
  copyFileSync(loader, `${STAGE}/.gpu/lib/libvulkan.so.1`);
}

async function photosParquet(dir: string): Promise<void> {
  const files = readdirSync(dir).filter((f) => /\.jpe?g$/i.test(f)).sort();
  await writeHfParquet(`${STAGE}/.gpu/photos256.parquet`, files.map((f) => ({ bytes: new Uint8Array(readFileSync(join(dir, f))), label: 0 })), { labelNames: ['photo'] });
  console.log(`photos: ${files.length} from ${dir}`);
}
