import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, test } from 'vitest';
import { initTestBackend } from '../tf/testing';
import { grpoPolicyLoss, klK3, tokenMean } from './policy-loss';

beforeAll(() => initTestBackend());

const t2 = (rows: number[][]) => tf.tensor2d(rows);
const scalar = async (x: tf.Tensor) => (await x.data())[0];

describe('klK3', () => {
  test('is 0 when the policies agree and exp(d) − d − 1 otherwise', async () => {
    const k = await klK3(
      tf.tensor1d([Math.log(0.5), Math.log(0.25)]),
      tf.tensor1d([Math.log(0.5), Math.log(0.5)]),
    ).data();
    expect(k[0]).toBeCloseTo(0, 6);
    expect(k[1]).toBeCloseTo(2 - Math.log(2) - 1, 6);
  });
});

describe('tokenMean', () => {
  test('averages only masked-in tokens', async () => {
    expect(await scalar(tokenMean(t2([[1, 2, 100]]), t2([[1, 1, 0]])))).toBeCloseTo(1.5);
    expect(await scalar(tokenMean(t2([[1]]), t2([[0]])))).toBe(0);
  });
});

describe('grpoPolicyLoss', () => {
  test('at ratio 1 the surrogate is −A and KL is 0', async () => {
    const zeros = t2([[0, 0]]);
    const out = grpoPolicyLoss({
      logp: zeros,
      oldLogp: zeros,
      refLogp: zeros,
      advantages: tf.tensor1d([0.7]),
      mask: t2([[1, 1]]),
    });
    expect(await scalar(out.loss)).toBeCloseTo(-0.7, 6);
    expect(await scalar(out.kl)).toBeCloseTo(0, 6);
    expect(await scalar(out.clippedFrac)).toBe(0);
  });
  test('clips the ratio at 1 ± ε on the side the advantage favours', async () => {
    const logp = t2([[Math.log(1.5)], [Math.log(1.5)]]);
    const old = t2([[0], [0]]);
    const out = grpoPolicyLoss(
      { logp, oldLogp: old, refLogp: logp, advantages: tf.tensor1d([1, -1]), mask: t2([[1], [1]]) },
      { clipEps: 0.2 },
    );
    // A = +1: −min(1.5, 1.2) = −1.2; A = −1: −min(−1.5, −1.2) = 1.5; token-mean = 0.15.
    expect(await scalar(out.surrogate)).toBeCloseTo(0.15, 5);
    expect(await scalar(out.clippedFrac)).toBeCloseTo(0.5, 6);
  });
  test('adds β · token-mean(k3)', async () => {
    const logp = t2([[Math.log(0.25)]]);
    const ref = t2([[Math.log(0.5)]]);
    const out = grpoPolicyLoss(
      { logp, oldLogp: logp, refLogp: ref, advantages: tf.tensor1d([0]), mask: t2([[1]]) },
      { klCoef: 0.1 },
    );
    expect(await scalar(out.loss)).toBeCloseTo(0.1 * (1 - Math.log(2)), 5);
  });
  test('a gradient step raises the log-prob of high-advantage samples and lowers low-advantage ones', async () => {
    // A tiny policy: logits over 3 tokens; rollout 0 chose token 0 (A>0), rollout 1 chose token 1 (A<0).
    const logits = tf.variable(tf.zeros([3]));
    const chosen = tf.oneHot(tf.tensor1d([0, 1], 'int32'), 3).toFloat(); // [2, 3]
    const logpOf = () =>
      tf.sum(tf.mul(tf.logSoftmax(logits).reshape([1, 3]), chosen), 1).reshape([2, 1]) as tf.Tensor2D;
    const old = logpOf();
    const before = await logpOf().data();
    const opt = tf.train.sgd(0.5);
    for (let i = 0; i < 3; i++) {
      opt.minimize(
        () =>
          grpoPolicyLoss({
            logp: logpOf(),
            oldLogp: old,
            refLogp: old,
            advantages: tf.tensor1d([1, -1]),
            mask: t2([[1], [1]]),
          }).loss,
      );
    }
    const after = await logpOf().data();
    expect(after[0]).toBeGreaterThan(before[0]);
    expect(after[1]).toBeLessThan(before[1]);
  });
});
