import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, test } from 'vitest';
import { initTestBackend } from '../engine/testing';
import { clipByGlobalNorm, ScheduledAdam } from './grad';

beforeAll(() => initTestBackend());

describe('clipByGlobalNorm', () => {
  test('scales all tensors by maxNorm / ‖g‖ when the global norm exceeds it', async () => {
    // ‖[3, 4]‖ = 5 with [0] → global norm 5; clip to 1 → × 0.2.
    const out = clipByGlobalNorm({ a: tf.tensor1d([3, 4]), b: tf.tensor1d([0]) }, 1);
    expect(out.norm).toBeCloseTo(5, 6);
    expect(Array.from(await out.grads.a!.data())).toEqual([expect.closeTo(0.6, 6), expect.closeTo(0.8, 6)]);
  });
  test('leaves small gradients unchanged', async () => {
    const out = clipByGlobalNorm({ a: tf.tensor1d([0.3, 0.4]) }, 1);
    expect(out.norm).toBeCloseTo(0.5, 6);
    expect(Array.from(await out.grads.a!.data())).toEqual([expect.closeTo(0.3, 6), expect.closeTo(0.4, 6)]);
  });
});

describe('ScheduledAdam', () => {
  test('a step that misses some variables keeps every moment with its own variable', async () => {
    const vars = new Map([
      ['a', tf.variable(tf.zeros([2, 3]))],
      ['b', tf.variable(tf.zeros([4]))],
    ]);
    const opt = new ScheduledAdam(0.1);
    opt.step({ a: tf.ones([2, 3]), b: tf.ones([4]) }, vars, 0.1);
    opt.step({ b: tf.ones([4]) }, vars, 0.1); // 'a' unreached: tfjs' positional moments would misalign
    opt.step({ a: tf.ones([2, 3]), b: tf.ones([4]) }, vars, 0.1);
    expect((await vars.get('a')!.data()).every((v) => v < 0)).toBe(true);
    expect(vars.get('b')!.shape).toEqual([4]);
    opt.dispose();
  });
});
