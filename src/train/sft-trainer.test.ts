import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, expect, test } from 'vitest';
import { initTestBackend } from '../tf/testing';
import { Reasoner, REASONER_PRESETS } from '../models/reasoner';
import { worldReasonerInput } from '../models/inputs';
import { syntheticImageInput } from '../models/testdata';
import { VOCAB } from '../tcot/default';
import { sftExamples, sftLoss, type SftExample } from './sft-trainer';
import { streamSource } from './stream';

beforeAll(() => initTestBackend());

test('sftLoss: token mean by default; evidenceWeight weighs location and frame tokens, and nothing else', async () => {
  const reasoner = new Reasoner({
    ...REASONER_PRESETS.tiny,
    vocabSize: VOCAB.size,
    bosId: VOCAB.id('<bos>'),
    padId: VOCAB.id('<pad>'),
  });
  const word = VOCAB.id('<thinking>');
  const eos = VOCAB.id('<eos>');
  const targets = [
    Int32Array.from([word, VOCAB.locId(100), VOCAB.locId(900), word, eos]),
    Int32Array.from([word, VOCAB.frameId(3)!, eos]),
  ];
  const batch: SftExample[] = targets.map((target, i) => ({
    task: 'image-cls',
    input: { visual: syntheticImageInput(i, 32), promptIds: Int32Array.from([word]) },
    target,
  }));
  const lp = (
    await reasoner.logprobsData(
      batch.map((e) => e.input),
      targets,
    )
  ).map((a) => Array.from(a));
  const evidence = targets.map((t) => Array.from(t, (id) => VOCAB.isLoc(id) || VOCAB.isFrame(id)));
  const weighted = (w: number) => {
    let num = 0;
    let den = 0;
    lp.forEach((row, b) =>
      row.forEach((v, t) => ((num -= v * (evidence[b]![t] ? w : 1)), (den += evidence[b]![t] ? w : 1))),
    );
    return num / den;
  };
  const value = (w?: number) => tf.tidy(() => sftLoss(reasoner, batch, w).dataSync()[0]!);
  expect(value()).toBeCloseTo(weighted(1), 5);
  expect(value(4)).toBeCloseTo(weighted(4), 5);
  expect(Math.abs(value(4) - value(1))).toBeGreaterThan(1e-4); // the weight changes the loss
  const before = tf.memory().numTensors;
  value(4);
  expect(tf.memory().numTensors).toBe(before);
  reasoner.dispose();
});

test('sftExamples: query and positive of every pair; with hardSides its hard negative too (of every task, or of the tasks listed), under the same instruction', () => {
  const pairs = streamSource(3, { region: 7, want: 'match', sameTask: false }).batch(0, 6).items;
  const withHard = pairs.filter((p) => p.hardNegative);
  expect(withHard.length).toBeGreaterThan(0);
  expect(sftExamples(pairs)).toHaveLength(2 * pairs.length);
  const all = sftExamples(pairs, true);
  expect(all).toHaveLength(2 * pairs.length + withHard.length);
  const task = withHard[0]!.task;
  const some = sftExamples(pairs, [task]);
  expect(some).toHaveLength(2 * pairs.length + withHard.filter((p) => p.task === task).length);
  const hardTargets = all.filter((e) => withHard.some((p) => p.hardNegative!.tcotIds === e.target));
  expect(hardTargets).toHaveLength(withHard.length);
  hardTargets.forEach((e) => {
    const pair = withHard.find((p) => p.hardNegative!.tcotIds === e.target)!;
    expect(e.task).toBe(pair.task);
    const want = worldReasonerInput(VOCAB, pair.hardNegative!.input, pair.instruction);
    expect(Array.from(e.input.promptIds)).toEqual(Array.from(want.promptIds));
  });
});
