import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, test } from 'vitest';
import { initTestBackend } from '../tf/testing';
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

  test('state round-trip: a resumed optimizer takes the same next step as an uninterrupted one', async () => {
    const make = (seed: number) =>
      new Map<string, tf.Variable>([
        [
          'w',
          tf.variable(
            tf.tensor2d([
              [seed, 1],
              [2, -seed],
            ]),
          ),
        ],
        ['b', tf.variable(tf.tensor1d([0.5, -0.5]))],
      ]);
    const gradsAt = (k: number) => ({
      w: tf.tensor2d([
        [k, -1],
        [0.5, k * k],
      ]),
      b: tf.tensor1d([1, -k]),
    });
    // Uninterrupted: three steps.
    const straight = make(3);
    const opt = new ScheduledAdam(0.1);
    for (const k of [1, 2, 3]) opt.step(gradsAt(k), straight, 0.05);
    // Interrupted after two: the weights and the optimizer state go to plain arrays and come back into new
    // variables and a new optimizer (as after a reload), then the third step.
    const first = make(3);
    const opt1 = new ScheduledAdam(0.1);
    for (const k of [1, 2]) opt1.step(gradsAt(k), first, 0.05);
    const state = await opt1.getState();
    expect(state[0]!.name).toBe('iter');
    expect(state).toHaveLength(1 + 2 * 2);
    const weights = new Map([...first].map(([n, v]) => [n, { shape: v.shape, values: v.dataSync().slice() }]));
    opt1.dispose();
    const resumed = new Map<string, tf.Variable>(
      [...weights].map(([n, w]) => [n, tf.variable(tf.tensor(w.values, w.shape))]),
    );
    const opt2 = new ScheduledAdam(0.1);
    await opt2.setState(state);
    opt2.step(gradsAt(3), resumed, 0.05);
    for (const name of ['w', 'b']) {
      const a = await straight.get(name)!.data();
      const b = await resumed.get(name)!.data();
      a.forEach((v, i) => expect(b[i]).toBeCloseTo(v, 6));
    }
    // Fresh moments (no setState) would take a different step: the state matters.
    const fresh = new Map<string, tf.Variable>(
      [...weights].map(([n, w]) => [n, tf.variable(tf.tensor(w.values, w.shape))]),
    );
    const opt3 = new ScheduledAdam(0.1);
    opt3.step(gradsAt(3), fresh, 0.05);
    expect(Array.from(await fresh.get('w')!.data())).not.toEqual(Array.from(await straight.get('w')!.data()));
    [opt, opt2, opt3].forEach((o) => o.dispose());
  });

  test('getState and setState leave no tensors behind (checkpoints every few steps, resumes)', async () => {
    const vars = new Map([['w', tf.variable(tf.ones([3, 2]))]]);
    const opt = new ScheduledAdam(0.1);
    const step = () => {
      const g = { w: tf.ones([3, 2]) };
      opt.step(g, vars, 0.05);
      tf.dispose(g.w);
    };
    step();
    const before = tf.memory().numTensors;
    const state = await opt.getState();
    expect(tf.memory().numTensors).toBe(before);
    await opt.setState(state); // replaces the two moments it has
    await opt.setState(state);
    expect(tf.memory().numTensors).toBe(before);
    // The restored moments are live: the next step runs on them and leaves the count as it was.
    step();
    expect(tf.memory().numTensors).toBe(before);
    expect((await opt.getState())[0]!.values[0]).toBe(2);
    opt.dispose();
    tf.dispose([...vars.values()]);
  });
});
