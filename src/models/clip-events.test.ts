import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { initTestBackend } from '../engine/testing';
import type { ClipEventsConfig } from './clip-events';
import { expectCacheMatchesRecompute, gradientTests } from './gradient-checks.testutil';
import { Reasoner, REASONER_PRESETS, type ReasonerConfig, type ReasonerInput } from './reasoner';
import { seededRng } from './rng';
import { syntheticClip, syntheticIds, syntheticImageInput } from './testdata';

const V = 64;
beforeAll(() => initTestBackend());

const inputs = (): ReasonerInput[] => [
  { visual: syntheticImageInput(1, 32), promptIds: syntheticIds(11, 6, 2, V) },
  { visual: syntheticClip(2, 16, 64), promptIds: syntheticIds(12, 3, 2, V) },
  { promptIds: syntheticIds(13, 9, 2, V) },
];
const events: ClipEventsConfig = { hidden: 8, words: [[40], [41, 42], [43]], gateBias: -2 };
const config: Partial<ReasonerConfig> = { ...REASONER_PRESETS.tinyStemPointer, clipEvents: events };
const seqs = () => [
  Int32Array.from([12, 15, 18, 22, 40]),
  Int32Array.from([25, 41, 11, 30, 43]),
  Int32Array.from([13, 17, 45, 40, 2]),
];
const logprobs = async (m: Reasoner) => m.logprobsData(inputs(), seqs(), { groupSize: 1, temperature: 1 });

describe('clip-event detector and reader (clip-events.ts)', () => {
  let model: Reasoner;
  beforeAll(() => void (model = new Reasoner(config)));
  afterAll(() => model.dispose());

  test('images and text score exactly as without it; clips differ', async () => {
    const plain = new Reasoner(REASONER_PRESETS.tinyStemPointer);
    for (const [name, v] of plain.params.vars) model.params.get(name).assign(v);
    const a = await logprobs(plain);
    const b = await logprobs(model);
    a[0]!.forEach((v, t) => expect(b[0]![t]!).toBeCloseTo(v, 5)); // the image
    a[2]!.forEach((v, t) => expect(b[2]![t]!).toBeCloseTo(v, 5)); // text only
    expect(Math.max(...a[1]!.map((v, t) => Math.abs(v - b[1]![t]!)))).toBeGreaterThan(1e-4); // the clip
    plain.dispose();
  });

  test('KV-cached decoding equals full recomputation; leak-free', async () => {
    await expectCacheMatchesRecompute(model, inputs);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++)
      await model.generate(inputs(), { n: 2, maxNewTokens: 6, temperature: 1, rng: seededRng(i) });
    expect(tf.memory().numTensors).toBe(before);
  });

  test('a bad config is refused', () => {
    expect(() => new Reasoner({ ...REASONER_PRESETS.tinyPointer, clipEvents: events })).toThrow(/stem/);
    expect(() => new Reasoner({ ...config, clipEvents: { ...events, words: [[V + 5]] } })).toThrow(/words/);
  });

  gradientTests(
    () => model,
    () => new Reasoner(config),
    (m) => () => tf.tidy(() => tf.neg(tf.sum(m.logprobs(inputs(), seqs(), { groupSize: 1 }).logprobs)) as tf.Scalar),
  );
});
