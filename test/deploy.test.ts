import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import YAML from 'yaml';
import { parseRunArgs } from '../src/cli/args.js';
import { resolveOptions } from '../src/options.js';

interface Container {
  command: string[];
  resources?: { limits?: Record<string, unknown> };
  volumeMounts: Array<{ name: string; mountPath: string }>;
}
interface JobSpec {
  completionMode?: string;
  completions?: number;
  template: { spec: { containers: Container[]; volumes: Array<{ name: string; persistentVolumeClaim: { claimName: string } }> } };
}

test('the Kubernetes manifest runs one pod per slice with the CLI as it is, then finalize on the same output', async () => {
  const docs = YAML.parseAllDocuments(await readFile('deploy/remux-indexed-job.yaml', 'utf8')).map((d) => d.toJS() as { kind: string; spec: JobSpec });
  assert.deepEqual(docs.map((d) => d.kind), ['Job', 'Job']);
  const [slices, finalize] = docs.map((d) => d.spec);
  assert.equal(slices.completionMode, 'Indexed', 'the slice index comes from an Indexed Job');

  const worker = slices.template.spec.containers[0];
  assert.deepEqual(worker.command.slice(0, 2), ['remux', 'run']);
  assert.ok(!worker.command.includes('--shard-index'), 'the index must come from JOB_COMPLETION_INDEX, not a fixed flag');
  const { options } = parseRunArgs(worker.command.slice(2)); // unknown flags or bad values throw here
  assert.equal(options.numShards, slices.completions, '--num-shards must equal the Job\'s completions');
  assert.equal(options.resume, true, 'a retried pod continues its slice');
  assert.ok(worker.resources?.limits?.['nvidia.com/gpu'], 'each pod asks for a GPU');

  process.env.JOB_COMPLETION_INDEX = String(slices.completions! - 1);
  try {
    const resolved = resolveOptions({ ...options, backend: 'cpu' });
    assert.equal(resolved.shardIndex, slices.completions! - 1, 'the last pod runs the last slice');
  } finally {
    delete process.env.JOB_COMPLETION_INDEX;
  }

  const mounted = (c: Container, path: string) => c.volumeMounts.some((m) => path.startsWith(`${m.mountPath}/`));
  assert.ok(mounted(worker, options.out), `--out ${options.out} is on the mounted volume`);
  const joiner = finalize.template.spec.containers[0];
  assert.deepEqual(joiner.command, ['remux', 'finalize', options.out]);
  assert.ok(mounted(joiner, options.out));
  const claim = (s: JobSpec) => s.template.spec.volumes.map((v) => v.persistentVolumeClaim.claimName);
  assert.deepEqual(claim(finalize), claim(slices), 'both Jobs use the same volume');
});
