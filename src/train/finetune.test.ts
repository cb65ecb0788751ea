import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { initTestBackend } from '../tf/testing';
import { Embedder } from '../models/embedder';
import { Reasoner } from '../models/reasoner';
import { syntheticImageInput } from '../models/testdata';
import {
  DEFAULT_FINETUNE,
  evaluateHeldOut,
  targetRanks,
  FinetuneLoop,
  maxBatch,
  pickBatch,
  settingsProblems,
  type FinetuneSettings,
  type TrainPair,
} from './finetune';
import { copyWeights } from './grpo-trainer';
import { PRESETS } from './presets';

const preset = PRESETS.test;
let embedder: Embedder;
let base: Reasoner;
beforeAll(async () => {
  await initTestBackend();
  embedder = new Embedder(preset.embedderConfig);
  base = new Reasoner(preset.reasonerConfig);
});
afterAll(() => [embedder, base].forEach((m) => m.dispose()));

const img = (seed: number) => syntheticImageInput(seed, 48);
const INSTR = 'find an image that matches the caption';
// Three user pairs (two text queries, one image query), no world specs involved.
const PAIRS: TrainPair[] = [
  {
    id: 'p1',
    queryKey: 't:a red circle',
    targetId: 'u1',
    pair: { query: { text: 'a red circle' }, positive: { visual: img(1) }, instruction: INSTR },
  },
  {
    id: 'p2',
    queryKey: 't:a blue square',
    targetId: 'u2',
    pair: { query: { text: 'a blue square' }, positive: { visual: img(2) }, instruction: INSTR },
  },
  { id: 'p3', queryKey: 'i:u4', targetId: 'u3', pair: { query: { visual: img(4) }, positive: { visual: img(3) } } },
];
const SETTINGS: FinetuneSettings = {
  ...DEFAULT_FINETUNE,
  steps: 3,
  n: 2,
  batch: 2,
  lr: 1e-3,
  maxNewTokens: 10,
  seed: 5,
};

function fresh(): Reasoner {
  const r = new Reasoner(preset.reasonerConfig);
  copyWeights(base, r);
  return r;
}

describe('batches', () => {
  test('seeded, and never two pairs with the same query or target in one batch', () => {
    const pairs: TrainPair[] = [
      ...PAIRS,
      { ...PAIRS[0]!, id: 'p4', targetId: 'u9' },
      { ...PAIRS[1]!, id: 'p5', queryKey: 't:x' },
    ];
    for (let step = 0; step < 20; step++) {
      const b = pickBatch(pairs, step, 4, 3);
      expect(new Set(b.map((p) => p.queryKey)).size).toBe(b.length);
      expect(new Set(b.map((p) => p.targetId)).size).toBe(b.length);
      expect(pickBatch(pairs, step, 4, 3)).toEqual(b);
    }
    expect(maxBatch([PAIRS[0]!, { ...PAIRS[0]!, id: 'q', targetId: 'z' }])).toBe(1);
  });

  test('bad settings are refused with the offending field named', () => {
    expect(settingsProblems(DEFAULT_FINETUNE)).toEqual([]);
    expect(settingsProblems({ ...DEFAULT_FINETUNE, n: 1, lr: -1 }).join()).toMatch(
      /G \(rollouts per query\).*learning rate/,
    );
  });
});

describe('the fine-tuning loop on a tiny model', () => {
  test('reward components are reported, KL starts at 0, weights change, tensors do not leak', async () => {
    const policy = fresh();
    const loop = new FinetuneLoop(policy, base, embedder, PAIRS, SETTINGS);
    const before = Array.from(policy.params.vars.get('tok_emb')!.dataSync());
    const first = await loop.runStep();
    for (const key of [
      'format',
      'orm',
      'prm',
      'acc',
      'formatRate',
      'kl',
      'clipFrac',
      'entropy',
      'gradNorm',
      'tokens',
    ] as const)
      expect(Number.isFinite(first[key]), key).toBe(true);
    expect(Number.isFinite(first.reward.mean) && Number.isFinite(first.reward.std)).toBe(true);
    // The policy starts as the reference: k3 = exp(0) − 0 − 1 = 0.
    expect(first.kl).toBeCloseTo(0, 5);
    expect(first.pairs.length).toBe(2);
    // Where the step's time went: every phase ran, and together they fit in the step.
    const phases = Object.values(loop.timing);
    expect(phases.every((ms) => ms > 0)).toBe(true);
    expect(phases.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(first.dt * 1000 + 1);
    expect(Array.from(policy.params.vars.get('tok_emb')!.dataSync())).not.toEqual(before);
    const second = await loop.runStep();
    expect(second.kl).toBeGreaterThan(0);
    const tensors = tf.memory().numTensors;
    await loop.runStep();
    expect(tf.memory().numTensors).toBe(tensors);
    expect(loop.done).toBe(true);
    loop.dispose();
    policy.dispose();
  });

  test('checkpoint → resume takes the same next step as no interruption (same seed)', async () => {
    const strip = (log: { dt: number }) => ({ ...log, dt: 0 });
    const a = fresh();
    const straight = new FinetuneLoop(a, base, embedder, PAIRS, SETTINGS);
    const logs = [await straight.runStep(), await straight.runStep(), await straight.runStep()];

    const b = fresh();
    const interrupted = new FinetuneLoop(b, base, embedder, PAIRS, SETTINGS);
    await interrupted.runStep();
    await interrupted.runStep();
    const saved = await interrupted.state();
    // Through a structured clone, as IndexedDB stores it.
    const stored = structuredClone(saved);
    interrupted.dispose();
    b.dispose();

    const c = fresh(); // a reload: the built-in Reasoner again, then the checkpoint
    const resumed = new FinetuneLoop(c, base, embedder, PAIRS, SETTINGS);
    await resumed.restore(stored);
    expect(resumed.step).toBe(2);
    const next = await resumed.runStep();
    expect(strip(next)).toEqual(strip(logs[2]!));
    // Equal to float rounding: tfjs' Adam restores β^t as pow(β, t) where a running run multiplies it up step by step.
    const straightW = a.params.vars.get('tok_emb')!.dataSync();
    const resumedW = c.params.vars.get('tok_emb')!.dataSync();
    straightW.forEach((v, i) => expect(resumedW[i]).toBeCloseTo(v, 7));
    [straight, resumed].forEach((l) => l.dispose());
    [a, c].forEach((m) => m.dispose());
  });

  test('targetRanks: 1 + the other candidates scoring at least as high (ties count against the target)', () => {
    const sim = Float32Array.from([0.9, 0.1, 0.5, /* query 2 */ 0.2, 0.7, 0.7]);
    expect(targetRanks(sim, [0, 1])).toEqual([1, 2]);
    expect(targetRanks(sim, [2, 0])).toEqual([2, 3]);
  });

  test('held-out evaluation ranks each target among the candidates', async () => {
    const candidates = [{ visual: img(1) }, { visual: img(2) }, { visual: img(3) }];
    const queries = [
      { id: 'h1', query: { text: 'a red circle' }, instruction: INSTR, target: 0 },
      { id: 'h2', query: { visual: img(3) }, target: 2 },
    ];
    const r = await evaluateHeldOut(base, embedder, queries, candidates, 10);
    expect(r.ranks.length).toBe(2);
    r.ranks.forEach((rank) => expect(rank).toBeGreaterThanOrEqual(1));
    r.ranks.forEach((rank) => expect(rank).toBeLessThanOrEqual(3));
    expect(r.mrr).toBeCloseTo(r.ranks.reduce((s, k) => s + 1 / k, 0) / 2, 6);
    // An image query identical to its target is its own nearest neighbour when both read the same T-CoT.
    expect(r.ranks[1]).toBe(1);
    expect(await evaluateHeldOut(base, embedder, [], candidates, 10)).toMatchObject({ queries: 0 });
    // Evaluating again gives the same ranks and leaves no tensors behind.
    const tensors = tf.memory().numTensors;
    expect((await evaluateHeldOut(base, embedder, queries, candidates, 10)).ranks).toEqual(r.ranks);
    expect(tf.memory().numTensors).toBe(tensors);
    // With keepTcots the greedy T-CoTs behind the ranks come back, one per query and candidate (none without it).
    expect(r.tcots).toBeUndefined();
    const kept = await evaluateHeldOut(base, embedder, queries, candidates, 10, { keepTcots: true });
    expect(kept.ranks).toEqual(r.ranks);
    expect(kept.tcots!.queries.length).toBe(2);
    expect(kept.tcots!.candidates.length).toBe(3);
    // The identical image query and its target read the same T-CoT.
    expect([...kept.tcots!.queries[1]!]).toEqual([...kept.tcots!.candidates[2]!]);
  });
});
