/**
 * Child process of `probeAdapter()`: asks Dawn for its adapter and prints one JSON line, the
 * adapter's report or why there is none. Dawn's own warnings go to this process's stderr.
 */
import { messageOf } from '../errors.js';
import { describeAdapter, requestAdapter } from './webgpu.js';

try {
  const { adapter } = await requestAdapter();
  process.stdout.write(`${JSON.stringify({ adapter: describeAdapter(adapter) })}\n`);
} catch (error) {
  process.stdout.write(`${JSON.stringify({ error: messageOf(error) })}\n`);
}
