import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, expect, test } from 'vitest';
import { measureActiveBackend } from './measure';
import { initTestBackend } from '../../tf/testing';

beforeAll(() => initTestBackend());

test('measureActiveBackend gives a positive, finite GFLOP/s from the median run and leaks no tensors', async () => {
  const before = tf.memory().numTensors;
  const gflops = await measureActiveBackend(3);
  expect(Number.isFinite(gflops) && gflops > 0).toBe(true);
  expect(tf.memory().numTensors).toBe(before);
  // With a clock that says every run took 5 ms: 2·128·256·256 + 6·128·256 FLOPs / 10 ms.
  let t = 0;
  const fixed = await measureActiveBackend(3, () => (t += 5));
  expect(fixed).toBeCloseTo((2 * 128 * 256 * 256 + 6 * 128 * 256) / 0.005 / 1e9, 6);
});
