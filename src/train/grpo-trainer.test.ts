import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { initTestBackend } from '../engine/testing';
import { Reasoner, REASONER_PRESETS } from '../models/reasoner';
import { seededRng } from '../models/rng';
import { syntheticIds, syntheticImageInput } from '../models/testdata';
import { ScheduledAdam } from './grad';
import { grpoUpdate, similarity } from './grpo-trainer';

let policy: Reasoner;
beforeAll(async () => {
  await initTestBackend();
  policy = new Reasoner(REASONER_PRESETS.tiny);
});
afterAll(() => policy.dispose());

describe('GRPO update on a tiny Reasoner', () => {
  test('raises the log-probs of high-advantage rollouts and lowers the low-advantage ones', async () => {
    const inputs = [{ visual: syntheticImageInput(1, 32), promptIds: syntheticIds(3, 5, 2, 64) }, { promptIds: syntheticIds(4, 4, 2, 64) }];
    const n = 4;
    const gen = await policy.generate(inputs, { n, maxNewTokens: 6, temperature: 1, rng: seededRng(7) });
    const advantages = Float32Array.from([1.2, -0.4, 0.5, -1.3, -1, 1, -1, 1]);
    const sum = (lp: Float32Array) => lp.reduce((a, b) => a + b, 0);
    const before = (await policy.logprobsData(inputs, gen.tokens, { groupSize: n })).map(sum);
    const ref = await policy.logprobsData(inputs, gen.tokens, { groupSize: n });
    const optimizer = new ScheduledAdam(1e-2);
    const after0 = tf.memory().numTensors;
    let diag = { loss: 0, kl: 0, clipFrac: 0, gradNorm: 0 };
    for (let k = 0; k < 3; k++) diag = grpoUpdate(policy, optimizer, inputs, gen.tokens, gen.logprobs, ref, advantages, { n, temperature: 1, clipEps: 0.2, klCoef: 0.01, gradClip: 1, lr: 1e-2 });
    const after = (await policy.logprobsData(inputs, gen.tokens, { groupSize: n })).map(sum);
    advantages.forEach((a, r) => {
      if (a > 0) expect(after[r]!, `row ${r}`).toBeGreaterThan(before[r]!);
      else expect(after[r]!, `row ${r}`).toBeLessThan(before[r]!);
    });
    expect(diag.kl).toBeGreaterThan(0);
    expect(diag.gradNorm).toBeGreaterThan(0);
    // the optimizer's moments exist after the first update; later updates add no tensors
    const stable = tf.memory().numTensors;
    grpoUpdate(policy, optimizer, inputs, gen.tokens, gen.logprobs, ref, advantages, { n, temperature: 1, clipEps: 0.2, klCoef: 0.01, gradClip: 1, lr: 1e-2 });
    expect(tf.memory().numTensors).toBe(stable);
    expect(stable).toBeGreaterThan(after0 - 1);
    optimizer.dispose();
  });
});

describe('similarity', () => {
  test('row-major dot products', () => {
    const s = similarity([Float32Array.of(1, 0), Float32Array.of(0, 1)], [Float32Array.of(0.6, 0.8)]);
    expect(Array.from(s)).toEqual([expect.closeTo(0.6, 6), expect.closeTo(0.8, 6)]);
  });
});
