import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, test } from 'vitest';
import { initTestBackend } from '../tf/testing';
import { infoNCE } from './losses';

beforeAll(() => initTestBackend());

describe('infoNCE', () => {
  const eye = () =>
    tf.tensor2d([
      [1, 0],
      [0, 1],
    ]);
  test('hand-computed at scale 1: log(1 + e^−1) in both directions', async () => {
    expect((await infoNCE(eye(), eye(), 1).data())[0]).toBeCloseTo(Math.log(1 + Math.exp(-1)), 5);
  });
  test('hard negatives join the query → positive direction', async () => {
    const q2p = (Math.log(1 + 2 / Math.E) + Math.log(2 + 1 / Math.E)) / 2;
    const p2q = Math.log(1 + Math.exp(-1));
    const loss = await infoNCE(eye(), eye(), 1, tf.tensor2d([[0, 1]])).data();
    expect(loss[0]).toBeCloseTo((q2p + p2q) / 2, 5);
  });
  test('at the SPEC scale (50) matched pairs cost ~0 and swapped pairs ~50', async () => {
    expect((await infoNCE(eye(), eye()).data())[0]).toBeLessThan(1e-6);
    const swapped = tf.tensor2d([
      [0, 1],
      [1, 0],
    ]);
    expect((await infoNCE(eye(), swapped).data())[0]).toBeCloseTo(50, 3);
  });
});
