import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, test } from 'vitest';
import { initTestBackend } from '../tf/testing';
import { memoryStore } from './checkpoint';
import type { GrpoStepLog } from './grpo-trainer';
import { Reasoner } from '../models/reasoner';
import { PRESETS } from './presets';
import type { EmbedderStepLog } from './embedder-trainer';
import { runRecipe, type StepLog } from './recipe';
import type { SftStepLog } from './sft-trainer';

beforeAll(() => initTestBackend());

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

describe('the recipe end to end (test preset: tiny models, same vocabulary and code path as quick/full)', () => {
  test('losses fall, every stage logs, nothing leaks, and a finished run resumes without retraining', async () => {
    const preset = PRESETS.test;
    const tensorsBefore = tf.memory().numTensors;
    const store = memoryStore();
    const logs: StepLog[] = [];
    const result = await runRecipe({ preset, seed: 3, store, onStep: (l) => logs.push(l) });
    expect(result.state.done).toEqual(['vision', 'embedder', 'sft', 'adapt', 'grpo']);

    // Vision stage: held-out figures exist; every stage saw fresh pairs (counted).
    const vis = logs.filter((l) => l.stage === 'vision');
    expect(vis).toHaveLength(preset.vision!.stage.steps);
    expect(result.state.vision!.objects).toBeGreaterThan(0);
    expect(result.state.seen!.embedder).toBeGreaterThan(preset.embedder.steps);
    expect(result.state.seen!.sft).toBeGreaterThan(preset.sft.maxSteps);
    // Adapt: the Embedder's second pass ran on the cold-start Reasoner's own T-CoTs.
    expect(logs.filter((l) => l.stage === 'adapt')).toHaveLength(preset.adapt!.steps);

    // Embedder: the mean InfoNCE over the last round-robin cycle of tasks is below the first cycle's.
    const emb = logs.filter((l): l is EmbedderStepLog => l.stage === 'embedder');
    expect(mean(emb.slice(-11).map((l) => l.loss))).toBeLessThan(mean(emb.slice(0, 11).map((l) => l.loss)));

    // SFT: training and validation loss fall.
    const sft = logs.filter((l): l is SftStepLog => l.stage === 'sft');
    expect(mean(sft.slice(-3).map((l) => l.loss))).toBeLessThan(mean(sft.slice(0, 3).map((l) => l.loss)));
    const vals = sft.flatMap((l) => (l.valLoss !== undefined ? [l.valLoss] : []));
    expect(vals[vals.length - 1]!).toBeLessThan(vals[0]!);
    expect(result.state.sft!.bestValLoss).toBeLessThan(vals[0]! + 1e-9);

    // GRPO logs carry every SPEC field.
    const grpo = logs.filter((l): l is GrpoStepLog => l.stage === 'grpo');
    expect(grpo).toHaveLength(preset.grpo.steps);
    for (const key of [
      'reward',
      'format',
      'orm',
      'prm',
      'formatRate',
      'kl',
      'clipFrac',
      'entropy',
      'gradNorm',
      'lr',
      'dt',
    ] as const)
      expect(grpo[0]![key]).toBeDefined();

    // Resume of a finished run: loads every stage, trains nothing, same weights.
    const resumedLogs: StepLog[] = [];
    const resumed = await runRecipe({ preset, seed: 3, store, resume: true, onStep: (l) => resumedLogs.push(l) });
    expect(resumedLogs).toHaveLength(0);
    const name = 'h0.attn_qkv_w';
    expect(Array.from(resumed.sft.params.get(name).dataSync())).toEqual(
      Array.from(result.sft.params.get(name).dataSync()),
    );

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

describe('the recipe with the stem pointer', () => {
  test('the cold start starts from the vision stage’s detector head (its boxes are the stem’s), and its loss falls', async () => {
    const { shippedStemPointer } = await import('../models/shipped');
    const { VisionModel } = await import('../models/vision');
    const { HEAD_OUT } = await import('../models/stem-head');
    const base = PRESETS.test;
    const frozen = {
      ...base,
      reasonerConfig: { ...base.reasonerConfig, pointer: { ...shippedStemPointer(), dk: 8 } },
      sft: { ...base.sft, lr: 0 },
    };
    const store = memoryStore();
    const result = await runRecipe({ preset: frozen, seed: 5, store });
    const vision = new VisionModel({ ...base.vision!.config, headOut: HEAD_OUT, seed: 3 });
    expect(await store.loadModel('vision', vision)).toBe(true);
    expect(Array.from(result.sft.params.get('ptr_head_w').dataSync())).toEqual(
      Array.from(vision.params.get('head_w').dataSync()),
    );
    expect(Array.from(result.sft.params.get('ptr_head_b').dataSync())).toEqual(
      Array.from(vision.params.get('head_b').dataSync()),
    );
    vision.dispose();
    [result.embedder, result.sft, result.egrl].forEach((m) => m.dispose());

    const logs: StepLog[] = [];
    const trained = await runRecipe({
      preset: { ...base, reasonerConfig: frozen.reasonerConfig },
      seed: 5,
      store: memoryStore(),
      onStep: (l) => logs.push(l),
    });
    const sft = logs.filter((l): l is SftStepLog => l.stage === 'sft');
    expect(mean(sft.slice(-3).map((l) => l.loss))).toBeLessThan(mean(sft.slice(0, 3).map((l) => l.loss)));
    [trained.embedder, trained.sft, trained.egrl].forEach((m) => m.dispose());
  });

  test('a Reasoner with the clip-event detector gets it trained before its cold start, and its scores recorded', async () => {
    const { shippedStemPointer, shippedClipEvents } = await import('../models/shipped');
    const base = PRESETS.test;
    const preset = {
      ...base,
      reasonerConfig: {
        ...base.reasonerConfig,
        clipSize: 32,
        pointer: { ...shippedStemPointer(), dk: 8 },
        clipEvents: { ...shippedClipEvents(), hidden: 8 },
      },
      clipEvents: { steps: 3, clips: 1, lr: 1e-2, eventWeight: 4 },
    };
    const fresh = new Reasoner(preset.reasonerConfig);
    const init = fresh.params.get('vis.ev_w2').dataSync().slice();
    fresh.dispose();
    const result = await runRecipe({ preset, seed: 5, store: memoryStore() });
    expect(result.state.clipEvents?.clips).toBe(200);
    expect(result.state.seconds['clip-events']).toBeGreaterThan(0);
    const trained = result.sft.params.get('vis.ev_w2').dataSync();
    // (the test preset's cold start trains its stem, and so the detector, too)
    expect(trained.some((v, i) => v !== init[i])).toBe(true);
    // EG-RL freezes it with the stem
    expect(Array.from(result.egrl.params.get('vis.ev_w2').dataSync())).toEqual(Array.from(trained));
    [result.embedder, result.sft, result.egrl].forEach((m) => m.dispose());
  });

  test('a preset with `extend`: the cold start, then its second part with the new heads from the first part’s weights; EG-RL and the result use the extended model; resumes', async () => {
    const { shippedStemPointer, shippedAttr, shippedScene, shippedFollow } = await import('../models/shipped');
    const base = PRESETS.test;
    const reasonerConfig = { ...base.reasonerConfig, pointer: { ...shippedStemPointer(), dk: 8 }, attr: shippedAttr() };
    const preset = {
      ...base,
      reasonerConfig,
      extend: {
        heads: { scene: shippedScene(), follow: shippedFollow() },
        sft: { ...base.sft, maxSteps: 6, evalEvery: 3, hardSides: true },
      },
    };
    const store = memoryStore();
    const logs: StepLog[] = [];
    const result = await runRecipe({ preset, seed: 6, store, onStep: (l) => logs.push(l) });
    expect(result.state.done).toEqual(['vision', 'embedder', 'sft', 'extend', 'adapt', 'grpo']);
    const ext = logs.filter((l): l is SftStepLog => l.stage === 'extend');
    expect(ext.map((l) => l.step)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(result.state.extend!.bestValLoss).toBeGreaterThan(0);
    expect(result.state.seen!.extend).toBeGreaterThan(0);
    expect(result.sft.config.scene).toEqual(shippedScene());
    expect(result.egrl.config.scene).toEqual(shippedScene());
    expect(result.egrl.config.follow).toEqual(shippedFollow());
    // the first part's weights are saved apart and without the heads; the second part starts from them
    const first = new Reasoner(reasonerConfig);
    expect(await store.loadModel('reasoner-sft', first)).toBe(true);
    expect(first.params.vars.has('scene_gate_w')).toBe(false);
    expect(first.params.vars.has('follow_gate_w')).toBe(false);
    const resumed = await runRecipe({ preset, seed: 6, store, resume: true });
    expect(Array.from(resumed.sft.params.get('scene_gate_w').dataSync())).toEqual(
      Array.from(result.sft.params.get('scene_gate_w').dataSync()),
    );
    for (const r of [result, resumed]) [r.embedder, r.sft, r.egrl].forEach((m) => m.dispose());
    first.dispose();
  });

  test('a preset with `polish`: after EG-RL the Embedder trains again; EG-RL is as without it; resumes without retraining', async () => {
    const base = PRESETS.test;
    const preset = { ...base, polish: { ...base.embedder, steps: 4, offset: 1000, rngSeed: 11 } };
    const store = memoryStore();
    const logs: StepLog[] = [];
    const result = await runRecipe({ preset, seed: 7, store, onStep: (l) => logs.push(l) });
    expect(result.state.done).toEqual(['vision', 'embedder', 'sft', 'adapt', 'grpo', 'polish']);
    const stages = logs.map((l) => l.stage);
    expect(stages.lastIndexOf('grpo')).toBeLessThan(stages.indexOf('polish'));
    expect(logs.filter((l) => l.stage === 'polish').map((l) => l.step)).toEqual([0, 1, 2, 3]);
    expect(result.state.seen!.polish).toBeGreaterThan(0);
    const without = await runRecipe({ preset: base, seed: 7, store: memoryStore() });
    const values = (m: { params: { vars: Map<string, tf.Variable> } }) =>
      [...m.params.vars.values()].map((v) => Array.from(v.dataSync()));
    expect(values(result.egrl)).toEqual(values(without.egrl)); // EG-RL was rewarded by the Embedder before polish
    expect(values(result.embedder)).not.toEqual(values(without.embedder));
    const resumed = await runRecipe({ preset, seed: 7, store, resume: true }); // the polished Embedder was saved
    expect(values(resumed.embedder)).toEqual(values(result.embedder));
    for (const r of [result, without, resumed]) [r.embedder, r.sft, r.egrl].forEach((m) => m.dispose());
  });
});
