// The box-following prior (follow.ts): which box each answer step follows, the prior's values on a hand-made
// context, and a Reasoner that has it: KV-cached decoding = recomputation, nothing leaks, WASM = CPU gradients.
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, test } from 'vitest';
import { fixture } from './fixture.testutil';
import { initTestBackend } from '../tf/testing';
import { addFollowParams, followedBoxes, followScores, type FollowConfig } from './follow';
import { decodingTests, logprobGradientTests, withAndWithout } from './gradient-checks.testutil';
import { ParamStore } from './layers';
import type { PointerContext } from './pointer';
import { Reasoner, REASONER_PRESETS, type ReasonerConfig, type ReasonerInput } from './reasoner';
import { seededRng } from './rng';
import { syntheticClip, syntheticIds, syntheticImageInput, TEST_ATTR, TEST_STEM_HEAD } from './testdata';

beforeAll(() => initTestBackend());

// Tiny pointer: locations 10–20 (0, 100, …, 1000); <answer> = 30; the shape word of TEST_ATTR is 42.
const stemPointer = { ...REASONER_PRESETS.tinyStemPointer.pointer!, stemHead: TEST_STEM_HEAD };
const follow: FollowConfig = { answerId: 30, shapeIds: [42], sigma: 100, gateBias: 0 };
const loc = (v: number) => 10 + v / 100;

describe('which box an answer step follows', () => {
  // two boxes, then <answer> 'a' 'red' 'star' 'and' 'a' 'blue' 'star' 'and' 'a' …
  const boxA = [100, 200, 300, 400];
  const boxB = [500, 600, 700, 800];
  const tokens = [3, ...boxA.map(loc), ...boxB.map(loc), 4, 30, 5, 40, 42, 6, 5, 41, 42, 6, 5];

  test('none before the answer; the k-th box after k shape words; none past the last box', () => {
    const got = followedBoxes(follow, stemPointer, { tokens: [tokens], offsets: [0] }, tokens.length + 1);
    const at = (t: number) => got[t]; // the box step t (predicting tokens[t]) reads, from tokens[0, t)
    for (let t = 0; t <= 10; t++) expect(at(t)).toBeNull(); // up to and including <answer> itself
    for (let t = 11; t <= 13; t++) expect(at(t)).toEqual(boxA); // 'a' 'red' 'star': the first object
    for (let t = 14; t <= 17; t++) expect(at(t)).toEqual(boxB); // after one shape word: the second
    expect(at(18)).toBeNull(); // two shape words said, two boxes: nothing left to follow
  });

  test('a decoding step reads the same as the teacher-forced step at its position', () => {
    const full = followedBoxes(follow, stemPointer, { tokens: [tokens], offsets: [0] }, tokens.length);
    for (const t of [4, 11, 16, 19])
      expect(followedBoxes(follow, stemPointer, { tokens: [tokens.slice(0, t)], offsets: [t] }, 1)[0]).toEqual(
        full[t] ?? null,
      );
  });

  test('an incomplete box is not a box', () => {
    const cut = [3, loc(100), loc(200), 4, 30, 5];
    expect(followedBoxes(follow, stemPointer, { tokens: [cut], offsets: [0] }, cut.length + 1).every((b) => !b)).toBe(
      true,
    );
  });

  test('the prior: gate · −distance² / 2σ², floored, 0 where nothing is followed', () => {
    const store = new ParamStore(seededRng(1));
    addFollowParams(store, 4);
    store.get('follow_gate_w').assign(tf.zeros([4, 1]));
    store.get('follow_gate_b').assign(tf.fill([1], Math.log(Math.E - 1))); // softplus → 1
    const mu = tf.tensor3d([[boxA, [100, 200, 300, 500], [900, 900, 1000, 1000]]]); // [1, 3, 4]
    const ctx = { mu } as unknown as PointerContext;
    const seq = [...boxA.map(loc), 30, 5];
    const flat = tf.ones([2, 4]) as tf.Tensor2D; // steps reading after '<answer>' and after 'a'
    const out = followScores(store, follow, stemPointer, ctx, flat, 2, { tokens: [seq], offsets: [5] })!;
    const rows = out.arraySync()[0]!;
    rows.forEach((r) => expect(r.map((v) => +v.toFixed(4))).toEqual([0, -0.5, -20]));
    expect(followScores(store, follow, stemPointer, ctx, flat, 2, { tokens: [[3, 4]], offsets: [2] })).toBeNull();
    tf.dispose([out, mu, flat]);
    store.dispose();
  });

  test('refused without the attribute reader', () => {
    const base = { ...REASONER_PRESETS.tinyStemPointer, pointer: stemPointer };
    expect(() => new Reasoner({ ...base, follow })).toThrow(/attr/);
    expect(() => new Reasoner({ ...base, attr: TEST_ATTR, follow: { ...follow, sigma: 0 } })).toThrow(/sigma/);
  });
});

describe('Reasoner with the box-following prior', () => {
  const config: Partial<ReasonerConfig> = {
    ...REASONER_PRESETS.tinyStemPointer,
    pointer: stemPointer,
    attr: TEST_ATTR,
    follow,
  };
  const inputs = (): ReasonerInput[] => [
    { visual: syntheticImageInput(1), promptIds: Int32Array.from([5, 40, 44, 7]) },
    { visual: syntheticClip(2, 16, 64), promptIds: syntheticIds(12, 3, 2, 39) },
    { promptIds: syntheticIds(13, 9, 2, 39) },
  ];
  // a box, then the answer's words: the image row's colour word reads at the box
  const seqs = () => [
    Int32Array.from([12, 13, 15, 16, 30, 40, 42, 41]),
    Int32Array.from([25, 30, 40, 42]),
    Int32Array.from([13, 30, 41, 2]),
  ];
  const model = fixture(() => new Reasoner(config));

  decodingTests(model, inputs);

  test('the prior changes the image row after its box only', async () => {
    const [a, b] = await withAndWithout(model(), { ...config, follow: null }, inputs(), seqs());
    for (let t = 0; t <= 4; t++) expect(b[0]![t]!).toBeCloseTo(a[0]![t]!, 5); // the box and <answer>
    expect([5, 6, 7].some((t) => Math.abs(a[0]![t]! - b[0]![t]!) > 1e-4)).toBe(true); // the answer's words
    [1, 2].forEach((r) => a[r]!.forEach((v, t) => expect(b[r]![t]!).toBeCloseTo(v, 5)));
  });

  logprobGradientTests(model, config, inputs, seqs);
});
