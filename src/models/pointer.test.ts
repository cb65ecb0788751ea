import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { initTestBackend } from '../engine/testing';
import { ParamStore } from './layers';
import { addPointerParams, pointerContext, pointerLogits, type PointerConfig } from './pointer';
import { Reasoner, REASONER_PRESETS, type ReasonerInput } from './reasoner';
import { seededRng } from './rng';
import { expectCacheMatchesRecompute, gradientTests } from './gradient-checks.testutil';
import { syntheticClip, syntheticIds, syntheticImageInput } from './testdata';

const V = 64;
beforeAll(() => initTestBackend());

describe('pointer logits', () => {
  test('a step pointing at a vision token puts its location mass on that token’s coordinate, its frame mass on its frame; none without vision', () => {
    const c: PointerConfig = { locStart: 4, locBins: 11, frameStart: 15, frames: 4, dk: 4, sigma: 40 };
    const store = new ParamStore(seededRng(1));
    addPointerParams(store, 8, c);
    store.get('ptr_box_w').assign(tf.zeros([8, 4])); // μ = the token's centre
    store.get('ptr_type_b').assign(tf.tensor1d([20, 0, 0, 0])); // next coordinate: x1
    store.get('ptr_type_w').assign(tf.zeros([8, 4]));
    const vision = tf.randomNormal([3, 1, 8], 0, 1, 'float32', 3) as tf.Tensor3D;
    const geometry = [
      { cx: [250], cy: [600], span: [500], frame: [-1] },
      { cx: [750], cy: [100], span: [500], frame: [2] },
      { cx: [], cy: [], span: [], frame: [] },
    ];
    const ctx = pointerContext(store, c, vision, geometry, 1e-5);
    const out = pointerLogits(store, c, ctx, tf.randomNormal([3, 1, 8], 0, 1, 'float32', 4) as tf.Tensor3D, tf.zeros([3, 24])).arraySync();
    const argmax = (row: number[], from: number, n: number) => row.slice(from, from + n).indexOf(Math.max(...row.slice(from, from + n)));
    expect(argmax(out[0]!, c.locStart, c.locBins)).toBe(2); // 250 → bin 2 of 0, 100, …, 1000 (nearest 200/300)
    expect(argmax(out[1]!, c.locStart, c.locBins)).toBe(7); // 750 → bin 7 or 8: bins 700 and 800 are equidistant; 7 comes first
    expect(argmax(out[1]!, c.frameStart, c.frames)).toBe(2);
    expect(out[2]!.every((v) => v === 0)).toBe(true);
    expect(out[0]!.slice(0, c.locStart).every((v) => v === 0)).toBe(true); // other ids untouched
    tf.dispose([vision, ...Object.values(ctx)]);
    store.dispose();
  });
});

describe('Reasoner with the pointer', () => {
  const config = REASONER_PRESETS.tinyPointer;
  let model: Reasoner;
  const inputs = (): ReasonerInput[] => [
    { visual: syntheticImageInput(1), promptIds: syntheticIds(11, 6, 2, V) },
    { visual: syntheticClip(2, 16, 64), promptIds: syntheticIds(12, 3, 2, V) },
    { promptIds: syntheticIds(13, 9, 2, V) },
  ];
  beforeAll(() => void (model = new Reasoner(config)));
  afterAll(() => model.dispose());

  test('KV-cached decoding equals full recomputation; teacher-forced = sampled log-probs; leak-free', async () => {
    await expectCacheMatchesRecompute(model, inputs);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) await model.generate(inputs(), { n: 2, maxNewTokens: 6, temperature: 1, rng: seededRng(i) });
    expect(tf.memory().numTensors).toBe(before);
  });

  const loss = (m: Reasoner) => () =>
    tf.tidy(() => {
      // Targets that use location (10–20) and frame (21–36) ids, so every pointer weight is reached.
      const seqs = [Int32Array.from([12, 15, 18, 22, 40]), Int32Array.from([25, 26, 11, 30]), Int32Array.from([13, 17, 45, 50, 2])];
      const { logprobs } = m.logprobs(inputs(), seqs, { groupSize: 1 });
      return tf.neg(tf.sum(logprobs)) as tf.Scalar;
    });
  gradientTests(() => model, () => new Reasoner(config), loss);
});

describe('pointer outputs on the T-CoT vocabulary', () => {
  test('sampled T-CoTs of a pointing Reasoner always parse: boxes of 4 coordinates in 0–1000, frames ≥ 0 (never throws)', async () => {
    const { VOCAB } = await import('../tcot/default');
    const { parseTokens } = await import('../tcot/parse');
    const { shippedPointer } = await import('../train/presets');
    const model = new Reasoner({ ...REASONER_PRESETS.tinyPointer, vocabSize: VOCAB.size, bosId: VOCAB.id('<bos>'), padId: VOCAB.id('<pad>'), pointer: { ...shippedPointer(), dk: 8 } });
    const ins: ReasonerInput[] = [{ visual: syntheticImageInput(3), promptIds: Int32Array.of(VOCAB.id('<sep>')) }, { visual: syntheticClip(4, 16, 64), promptIds: Int32Array.of(VOCAB.id('<sep>')) }];
    const gen = await model.generate(ins, { n: 16, maxNewTokens: 40, temperature: 1.5, rng: seededRng(9) });
    for (const ids of gen.tokens) {
      const parsed = parseTokens(VOCAB, ids);
      for (const b of parsed.evidence?.key === 'bbox_2d' ? parsed.evidence.boxes : []) {
        expect(b).toHaveLength(4);
        for (const v of b) expect(v >= 0 && v <= 1000).toBe(true);
      }
      for (const f of parsed.evidence?.key === 'key_frames' ? parsed.evidence.frames : []) expect(Number.isInteger(f) && f >= 0).toBe(true);
    }
    expect(gen.tokens.some((t) => t.some((id) => VOCAB.isLoc(id)))).toBe(true);
    model.dispose();
  });
});
