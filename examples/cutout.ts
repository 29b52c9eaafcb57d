/**
 * Cutout (DeVries & Taylor, 2017) with a per-sample size: each image loses one black rectangle
 * whose sides are 10–40 % of the image's, at a random place (it may run off the edge).
 *
 *   remux run ./data --out ./out --augment examples/cutout.ts
 */
import type { AugmentFunction } from '../src/index.js';

export const SIDE_RANGE = [0.1, 0.4] as const;

const cutout: AugmentFunction = (batch, { tf, random, size }) => {
  const [, height, width] = batch.shape;
  const [low, high] = SIDE_RANGE;
  // Four numbers per image: its box's height and width (fractions), then its centre (fractions).
  const draws = random.uniform([size, 4]);
  const column = (k: number) => draws.slice([0, k], [size, 1]).reshape([size, 1, 1, 1]);
  const boxHeight = column(0).mul(high - low).add(low).mul(height);
  const boxWidth = column(1).mul(high - low).add(low).mul(width);
  const top = column(2).mul(height).sub(boxHeight.div(2)).round();
  const left = column(3).mul(width).sub(boxWidth.div(2)).round();
  const rows = tf.range(0, height).reshape([1, height, 1, 1]);
  const cols = tf.range(0, width).reshape([1, 1, width, 1]);
  const inside = rows.greaterEqual(top).logicalAnd(rows.less(top.add(boxHeight.round())))
    .logicalAnd(cols.greaterEqual(left)).logicalAnd(cols.less(left.add(boxWidth.round())));
  return tf.where(inside.tile([1, 1, 1, 3]), tf.zerosLike(batch), batch);
};

export default cutout;
