/**
 * The package as npm publishes it: `npm pack`, installed into an empty folder, must give a working
 * `npx remux` and library, outside this clone. The install is offline: the dependency tree of
 * package-lock.json (less the dev dependencies) comes from npm's cache, which `npm ci` filled.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { readOutput, tempDir } from './helpers/output.js';
import { SAMPLE_PARQUET } from './helpers/samplePhotos.js';

const npm = (args: string[], cwd: string) => spawnSync('npm', [...args, '--no-audit', '--no-fund'], { cwd, encoding: 'utf8' });

interface LockEntry {
  dev?: boolean;
  [field: string]: unknown;
}

/**
 * An app that depends on the tarball only, with a lockfile that pins remux's own locked tree, so
 * that `npm ci --offline` needs no registry metadata (which a plain `npm install` would fetch).
 */
async function appLockedTo(tarball: string, integrity: string, app: string): Promise<void> {
  const lock = JSON.parse(await readFile('package-lock.json', 'utf8')) as { packages: Record<string, LockEntry> };
  const root = lock.packages[''];
  const resolved = `file:${tarball}`;
  const packages: Record<string, unknown> = {
    '': { dependencies: { remux: resolved } },
    'node_modules/remux': { ...root, resolved, integrity, devDependencies: undefined },
  };
  for (const [path, entry] of Object.entries(lock.packages)) if (path !== '' && !entry.dev) packages[path] = entry;
  await writeFile(`${app}/package.json`, JSON.stringify({ private: true, dependencies: { remux: resolved } }));
  await writeFile(`${app}/package-lock.json`, JSON.stringify({ lockfileVersion: 3, requires: true, packages }));
}

test('the packed package installs into an empty folder and runs there: npx remux --help, a run, the library', async (t) => {
  const work = await tempDir('package');
  t.after(() => rm(work, { recursive: true, force: true })); // ~300 MB of node_modules
  const packed = npm(['pack', '--ignore-scripts', '--json', '--pack-destination', work], '.');
  assert.equal(packed.status, 0, packed.stderr);
  const [tarball] = JSON.parse(packed.stdout) as Array<{ filename: string; integrity: string; files: Array<{ path: string }> }>;
  const files = tarball.files.map((f) => f.path);
  // What the runtime loads by path rather than by import: the WASM kernels, the worker threads, the adapter probe.
  for (const file of ['package.json', 'dist/src/cli/main.js', 'dist/src/index.d.ts', 'dist/kernels/wasm/resample.wasm', 'dist/src/execute/worker.js', 'dist/src/backend/adapterProbe.js', 'dist/src/util/typescriptHooks.js']) {
    assert.ok(files.includes(file), `${file} is in the package`);
  }
  assert.deepEqual(files.filter((f) => f.startsWith('dist/test/') || f.startsWith('dist/benchmarks/')), [], 'no tests or benchmarks in the package');

  const app = `${work}/app`;
  await mkdir(app);
  await appLockedTo(`${work}/${tarball.filename}`, tarball.integrity, app);
  const installed = npm(['ci', '--offline'], app);
  if (installed.status !== 0 && /ENOTCACHED/.test(installed.stderr)) return t.skip(`npm's cache lacks remux's dependencies (run npm ci once with network): ${installed.stderr.split('\n')[0]}`);
  assert.equal(installed.status, 0, installed.stderr);

  const help = spawnSync('npx', ['--offline', 'remux', '--help'], { cwd: app, encoding: 'utf8' });
  assert.equal(help.status, 0, help.stderr);
  assert.match(help.stdout, /^remux \d+\.\d+\.\d+: /);
  const out = `${work}/out`;
  const run = spawnSync('npx', ['--offline', 'remux', 'run', resolve(SAMPLE_PARQUET), '--out', out, '--size', '32', '--limit', '3', '--backend', 'wasm', '--quiet'], { cwd: app, encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  assert.equal((await readOutput(out)).rows.length, 3);
  const library = spawnSync(process.execPath, ['--input-type=module', '-e', "const { remux, parsePipeline } = await import('remux'); console.log(typeof remux, typeof parsePipeline)"], { cwd: app, encoding: 'utf8' });
  assert.equal(library.stdout, 'function function\n', library.stderr);
});
