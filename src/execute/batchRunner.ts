import type * as tfjs from '@tensorflow/tfjs-core';
import { runUserAugment, type LoadedAugment } from '../augment/userFunction.js';
import type { DeviceRunner } from '../backend/device.js';
import type { BatchRunner } from './batched.js';

/** A user's batch function and what it runs with. */
export interface UserStep {
  augment: LoadedAugment;
  tf: typeof tfjs;
  seed: number;
  labelNames: string[] | null;
  hasLabels: boolean;
}

/**
 * What a batch goes through on the main thread: the device's passes (when a GPU runs them; on the
 * CPU backends the workers already have), then the user's function, if any. The device work is
 * queued on call (double buffering); user calls run one at a time, since tfjs's tensor scopes are
 * a stack that interleaved async calls would tangle.
 */
export function batchRunner(device: DeviceRunner | null, user: UserStep | null): BatchRunner {
  let previous: Promise<unknown> = Promise.resolve();
  return (samples) => {
    const images = device ? device(samples) : Promise.resolve(samples.map((s) => ({ data: s.data, size: s.size })));
    if (!user) return images.then((list) => ({ images: list, labels: null }));
    const result = Promise.all([images, previous.catch(() => {})]).then(async ([list]) => {
      const members = list.map((image, i) => ({ data: image.data, width: image.size.width, height: image.size.height, sourceIndex: samples[i].sourceIndex, copy: samples[i].copy, label: samples[i].label }));
      const out = await runUserAugment(user.augment, user.tf, members, user.seed, user.labelNames, user.hasLabels);
      return { images: out.images.map((o) => ({ data: o.data, size: { width: o.width, height: o.height } })), labels: out.labels };
    });
    previous = result;
    return result;
  };
}
