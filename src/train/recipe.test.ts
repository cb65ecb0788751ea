import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, test } from 'vitest';
import { initTestBackend } from '../engine/testing';
import { memoryStore } from './checkpoint';
import { Reasoner } from '../models/reasoner';
import { seededRng } from '../models/rng';
import { VOCAB } from '../tcot/default';
import { Rng } from '../world/rng';
import { copyWeights, grpoReasonerInputs, rolloutRewards, trainGrpo, worldGrpoPair, type GrpoStepLog } from './grpo-trainer';
import { PRESETS } from './presets';
import { runRecipe, type StepLog } from './recipe';
import { streamSource } from './stream';
import { TASKS } from '../world/types';

beforeAll(() => initTestBackend());

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

describe('the recipe end to end (test preset: tiny models, same vocabulary and code path as quick/full)', () => {
  test('losses fall, EG-RL reward rises on a fixed batch, nothing leaks, and a finished run resumes without retraining', async () => {
    const preset = PRESETS.test;
    const tensorsBefore = tf.memory().numTensors;
    const store = memoryStore();
    const logs: StepLog[] = [];
    const result = await runRecipe({ preset, seed: 3, store, onStep: (l) => logs.push(l) });
    expect(result.state.done).toEqual(['vision', 'embedder', 'sft', 'grpo']);

    // Vision stage: held-out figures exist; every stage saw fresh pairs (counted).
    const vis = logs.filter((l) => l.stage === 'vision');
    expect(vis).toHaveLength(preset.vision!.stage.steps);
    expect(result.state.vision!.objects).toBeGreaterThan(0);
    expect(result.state.seen!.embedder).toBeGreaterThan(preset.embedder.steps);
    expect(result.state.seen!.sft).toBeGreaterThan(preset.sft.maxSteps);

    // Embedder: the mean InfoNCE over the last round-robin cycle of tasks is below the first cycle's.
    const emb = logs.filter((l) => l.stage === 'embedder');
    expect(mean(emb.slice(-11).map((l) => l.loss))).toBeLessThan(mean(emb.slice(0, 11).map((l) => l.loss)));

    // SFT: training and validation loss fall.
    const sft = logs.filter((l) => l.stage === 'sft');
    expect(mean(sft.slice(-3).map((l) => l.loss))).toBeLessThan(mean(sft.slice(0, 3).map((l) => l.loss)));
    const vals = sft.flatMap((l) => (l.valLoss !== undefined ? [l.valLoss] : []));
    expect(vals[vals.length - 1]!).toBeLessThan(vals[0]!);
    expect(result.state.sft!.bestValLoss).toBeLessThan(vals[0]! + 1e-9);

    // GRPO logs carry every SPEC field.
    const grpo = logs.filter((l): l is GrpoStepLog => l.stage === 'grpo');
    expect(grpo).toHaveLength(preset.grpo.steps);
    for (const key of ['reward', 'format', 'orm', 'prm', 'formatRate', 'kl', 'clipFrac', 'entropy', 'gradNorm', 'lr', 'dt'] as const) expect(grpo[0]![key]).toBeDefined();

    // EG-RL on one fixed batch (a one-task pool of two pairs): the policy's expected reward — the mean over
    // 16 rollouts per input sampled with a fixed generator — rises after 20 GRPO steps, on average over three
    // training seeds (one seed alone rose in 5 of 6 probes: the estimate over 64 rollouts is noisy).
    const pool = streamSource(3, { region: 900_000, want: 'match', sameTask: true }).batch(TASKS.indexOf('image-i2t'), 2).items;
    const pairs = pool.map(worldGrpoPair);
    const expectedReward = async (policy: Reasoner) => {
      const gen = await policy.generate(grpoReasonerInputs(pairs), { n: 16, maxNewTokens: preset.grpo.maxNewTokens, temperature: 1, rng: seededRng(123), stopId: VOCAB.id('<eos>') });
      return mean(Array.from((await rolloutRewards(result.embedder, pairs, gen.tokens, 16, preset.grpo, new Rng(5))).total));
    };
    const before = await expectedReward(result.sft);
    const after: number[] = [];
    for (const trainSeed of [11, 12, 13]) {
      const policy = new Reasoner(preset.reasonerConfig);
      copyWeights(result.sft, policy);
      await trainGrpo(policy, result.sft, result.embedder, pool, { ...preset.grpo, steps: 20, lr: 1e-2 }, trainSeed);
      after.push(await expectedReward(policy));
      policy.dispose();
    }
    expect(mean(after)).toBeGreaterThan(before);

    // Resume of a finished run: loads every stage, trains nothing, same weights.
    const resumedLogs: StepLog[] = [];
    const resumed = await runRecipe({ preset, seed: 3, store, resume: true, onStep: (l) => resumedLogs.push(l) });
    expect(resumedLogs).toHaveLength(0);
    const name = 'h0.attn_qkv_w';
    expect(Array.from(resumed.sft.params.get(name).dataSync())).toEqual(Array.from(result.sft.params.get(name).dataSync()));

    for (const r of [result, resumed]) [r.embedder, r.sft, r.egrl].forEach((m) => m.dispose());
    expect(tf.memory().numTensors).toBe(tensorsBefore);
  });

  test('an interrupted stage resumes from its checkpoint', async () => {
    const preset = { ...PRESETS.test, checkpointEvery: 4 };
    const store = memoryStore();
    const first = await runRecipe({ preset, seed: 4, store });
    // Pretend the run stopped inside SFT after step 8: state says so, and the .partial weights exist.
    const state = (await store.loadState())!;
    await store.saveState({ ...state, done: ['vision', 'embedder'], current: { stage: 'sft', step: 8 } });
    await store.saveModel('reasoner-sft.partial', first.sft);
    const logs: StepLog[] = [];
    const again = await runRecipe({ preset, seed: 4, store, resume: true, onStep: (l) => logs.push(l) });
    const sftSteps = logs.filter((l) => l.stage === 'sft').map((l) => l.step);
    expect(sftSteps[0]).toBe(8);
    expect(logs.filter((l) => l.stage === 'embedder')).toHaveLength(0);
    expect(logs.filter((l) => l.stage === 'grpo')).toHaveLength(preset.grpo.steps);
    for (const r of [first, again]) [r.embedder, r.sft, r.egrl].forEach((m) => m.dispose());
  });
});
