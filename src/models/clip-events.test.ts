import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { initTestBackend } from '../engine/testing';
import type { ClipEventsConfig } from './clip-events';
import {
  decodingTests,
  expectClipRowsOnly,
  gradientTests,
  mixedInputs,
  mixedSequences,
} from './gradient-checks.testutil';
import { Reasoner, REASONER_PRESETS, type ReasonerConfig, type ReasonerInput } from './reasoner';

const V = 64;
beforeAll(() => initTestBackend());

const inputs = (): ReasonerInput[] => mixedInputs(V);
const events: ClipEventsConfig = { hidden: 8, words: [[40], [41, 42], [43]], gateBias: -2 };
const config: Partial<ReasonerConfig> = { ...REASONER_PRESETS.tinyStemPointer, clipEvents: events };
const seqs = mixedSequences;
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
    expectClipRowsOnly(a, b);
    plain.dispose();
  });

  decodingTests(() => model, inputs);

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
