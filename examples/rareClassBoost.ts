/**
 * A label-aware augmentation: images of rare classes get a strong random brightness change
 * (×0.5 to ×1.5), the others a mild one (×0.9 to ×1.1), so the rare classes' copies differ more
 * from one another. Which classes are rare is set by name (the ClassLabel names of the source).
 *
 *   remux run ./data --out ./out --copies 4 --augment examples/rareClassBoost.ts
 */
import type { AugmentFunction } from '../src/index.js';

export const RARE_CLASSES = ['nature'];
export const STRONG = [0.5, 1.5] as const;
export const MILD = [0.9, 1.1] as const;

const rareClassBoost: AugmentFunction = (batch, { tf, random, size, labels, labelNames }) => {
  const rare = labels.map((label) => (label !== null && labelNames !== null && RARE_CLASSES.includes(labelNames[label]) ? 1 : 0));
  const isRare = tf.tensor(rare, [size, 1, 1, 1], 'float32');
  const draw = random.uniform([size, 1]).reshape([size, 1, 1, 1]);
  const strong = draw.mul(STRONG[1] - STRONG[0]).add(STRONG[0]);
  const mild = draw.mul(MILD[1] - MILD[0]).add(MILD[0]);
  const factor = isRare.mul(strong).add(tf.scalar(1).sub(isRare).mul(mild));
  return batch.mul(factor);
};

export default rareClassBoost;
