import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { test, type TestContext } from 'node:test';
import { takeLock } from '../src/sink/lock.js';
import { tempDir } from './helpers/output.js';
import { SAMPLE_PARQUET } from './helpers/samplePhotos.js';

const CLI = 'dist/src/cli/main.js';
// An explicit backend: `auto` would add its choice line to the stderr these tests match.
const ARGS = ['--size', '32', '--copies', '3', '--workers', '1', '--backend', 'wasm', '--quiet'];

const cli = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });

/** A process that holds the lock: started, seen holding `lock`, then paused (SIGSTOP) so that it holds it while the test runs another one. */
async function holding(t: TestContext, args: string[], lock: string): Promise<{ child: ChildProcess; finish: () => Promise<{ code: number | null; stderr: string }> }> {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  // A failed assertion must not leave a stopped process behind (the test run would wait for it).
  t.after(() => child.kill('SIGKILL'));
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  while (!(await readFile(lock, 'utf8').catch(() => '')).includes(`"pid":${child.pid},`)) {
    if (child.exitCode !== null) throw new Error(`the first process ended before it was seen holding ${lock}: ${stderr}`);
    await new Promise((r) => setTimeout(r, 2));
  }
  child.kill('SIGSTOP');
  return {
    child,
    finish: async () => {
      child.kill('SIGCONT');
      return { code: await exited, stderr };
    },
  };
}

const refusal = (pid: number, command: string) => new RegExp(`^remux: .* is in use: remux ${command} \\(pid ${pid} on host ${hostname()}, since \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\) holds .*\\.lock; wait for it to end or stop it\\n$`);

test('a second process on a locked output exits 2 naming the holder (run + --resume, --overwrite + --overwrite); the holder goes on', async (t) => {
  const out = await tempDir('lock-run');
  const first = await holding(t, ['run', SAMPLE_PARQUET, '--out', out, ...ARGS], `${out}/.remux.lock`);
  const resume = cli(['run', SAMPLE_PARQUET, '--out', out, ...ARGS, '--resume']);
  assert.equal(resume.status, 2);
  assert.match(resume.stderr, refusal(first.child.pid!, 'run'));
  assert.match(await readFile(`${out}/.remux.lock`, 'utf8'), new RegExp(`"pid":${first.child.pid},`), 'the refused process leaves the holder its lock');
  const done = await first.finish();
  assert.equal(done.code, 0, done.stderr);
  assert.ok(!(await readdir(out)).includes('.remux.lock'), 'released at the end');

  const second = await holding(t, ['run', SAMPLE_PARQUET, '--out', out, ...ARGS, '--overwrite'], `${out}/.remux.lock`);
  const overwrite = cli(['run', SAMPLE_PARQUET, '--out', out, ...ARGS, '--overwrite']);
  assert.equal(overwrite.status, 2);
  assert.match(overwrite.stderr, refusal(second.child.pid!, 'run'));
  assert.equal((await second.finish()).code, 0);
  assert.equal(cli(['run', SAMPLE_PARQUET, '--out', out, ...ARGS, '--resume']).status, 0, 'the output is whole and resumable');
});

test('finalize needs every slice\'s lock, and slices of one run hold their own', async (t) => {
  const out = await tempDir('lock-slices');
  const slice = (i: number, extra: string[] = []) => ['run', SAMPLE_PARQUET, '--out', out, ...ARGS, '--num-shards', '3', '--shard-index', String(i), ...extra];
  assert.equal(cli(slice(0)).status, 0);
  const running = await holding(t, slice(1), `${out}/.remux-00001-of-00003.lock`);
  const other = cli(slice(2));
  assert.equal(other.status, 0, `another slice runs while slice 1 does: ${other.stderr}`);
  const finalize = cli(['finalize', out]);
  assert.equal(finalize.status, 2);
  assert.match(finalize.stderr, refusal(running.child.pid!, 'run'));
  assert.match(finalize.stderr, /^remux: remux finalize: slice 1 of 3 in /);
  assert.ok(!(await readdir(out)).includes('remux.json'), 'nothing finalized');
  assert.ok(!(await readdir(out)).includes('.remux-00000-of-00003.lock'), 'finalize released the locks it had taken');
  assert.equal((await running.finish()).code, 0);
  const joined = cli(['finalize', out]);
  assert.equal(joined.status, 0, joined.stderr);
  assert.deepEqual((await readdir(out)).filter((f) => f.endsWith('.lock')), []);
});

test('a lock left by a dead process on this host, or not refreshed on another one, is taken over with a note; a refreshed one is not', async () => {
  const dead = spawnSync(process.execPath, ['-e', '']).pid;
  const out = await tempDir('lock-stale');
  await writeFile(`${out}/.remux.lock`, JSON.stringify({ pid: dead, host: hostname(), since: '2026-01-02T03:04:05.000Z', command: 'run' }));
  const run = cli(['run', SAMPLE_PARQUET, '--out', out, ...ARGS]);
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stderr, `remux: took over ${out}/.remux.lock from remux run (pid ${dead} on host ${hostname()}, since 2026-01-02T03:04:05.000Z), which is no longer running\n`);
  assert.ok(!(await readdir(out)).includes('.remux.lock'));

  const remoteHolder = JSON.stringify({ pid: dead, host: 'elsewhere', since: '2026-01-02T03:04:05.000Z', command: 'finalize' });
  await writeFile(`${out}/.remux.lock`, remoteHolder);
  const remote = cli(['run', SAMPLE_PARQUET, '--out', out, ...ARGS, '--overwrite']);
  assert.equal(remote.status, 2);
  assert.equal(remote.stderr, `remux: --out ${out} is in use: remux finalize (pid ${dead} on host elsewhere, since 2026-01-02T03:04:05.000Z) holds ${out}/.remux.lock; wait for it to end or stop it (a lock from another host is taken over once it goes 60 s without a refresh)\n`);

  // Its holder stopped refreshing it an hour ago (a pod killed, then retried under another name).
  const hourAgo = new Date(Date.now() - 3600_000);
  await utimes(`${out}/.remux.lock`, hourAgo, hourAgo);
  const retried = cli(['run', SAMPLE_PARQUET, '--out', out, ...ARGS, '--overwrite']);
  assert.equal(retried.status, 0, retried.stderr);
  assert.match(retried.stderr, /^remux: took over .*\/\.remux\.lock from remux finalize \(pid \d+ on host elsewhere, since 2026-01-02T03:04:05\.000Z\), which has not refreshed it for 36\d\d s\n$/);
});

test('library: a lock that names this very process, which does not hold it (a restarted container, remux pid 1 again), is taken over; one it holds is not', async () => {
  const out = await tempDir('lock-self');
  const path = `${out}/.remux.lock`;
  await writeFile(path, JSON.stringify({ pid: process.pid, host: hostname(), since: '2026-01-02T03:04:05.000Z', command: 'run' }));
  const notes: string[] = [];
  const lock = await takeLock(path, `--out ${out}`, 'run', (note) => notes.push(note));
  assert.deepEqual(notes, [`took over ${path} from remux run (pid ${process.pid} on host ${hostname()}, since 2026-01-02T03:04:05.000Z), which is no longer running`]);
  await assert.rejects(takeLock(path, `--out ${out}`, 'run'), { code: 'ERR_REMUX_LOCKED', message: new RegExp(`^--out ${out} is in use: remux run \\(pid ${process.pid} `) });
  await lock[Symbol.asyncDispose]();
  assert.deepEqual(await readdir(out), [], 'released: no lock, no draft or guard file left');
});

test('the lock is released when a run fails', async () => {
  const out = await tempDir('lock-fail');
  const failed = spawnSync(process.execPath, [CLI, 'run', SAMPLE_PARQUET, '--out', out, ...ARGS], { encoding: 'utf8', env: { ...process.env, REMUX_FAULT: 'write-error:1' } });
  assert.equal(failed.status, 1, failed.stderr);
  assert.match(failed.stderr, /no space left on device/);
  assert.deepEqual((await readdir(out)).filter((f) => f.endsWith('.lock')), []);
});

test('an --out that cannot be a directory: one line naming it and why, exit 2, at once', async () => {
  const dir = await tempDir('lock-bad-out');
  await writeFile(`${dir}/file`, 'x');
  const cases: Array<[string, string]> = [
    ['/proc/remux-x', 'remux: --out /proc/remux-x: cannot create this directory: /proc takes no new directories (ENOENT)\n'],
    [`${dir}/file/sub`, `remux: --out ${dir}/file/sub: cannot create this directory (a part of the path is a file, not a directory (ENOTDIR))\n`],
    [`${dir}/file`, `remux: --out ${dir}/file is a file: give a directory\n`],
    ['/proc/self', 'remux: --out /proc/self: cannot write the lock file /proc/self/.remux.lock (no such file or directory (ENOENT)): give a directory remux can write to\n'],
  ];
  for (const [out, stderr] of cases) {
    const result = spawnSync(process.execPath, [CLI, 'run', SAMPLE_PARQUET, '--out', out, ...ARGS], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(result.stderr, stderr, out);
    assert.equal(result.status, 2, out);
  }
});
