import { describe, expect, test } from 'vitest';
import { rng } from '../world/rng';
import {
  DEFAULT_REWARD_WEIGHTS,
  formatReward,
  ormAgainstAnchors,
  ormBatch,
  ormFromSimilarities,
  prmForRollout,
  totalReward,
} from './rewards';

describe('ORM', () => {
  // s = [0.9, 0.8, 0.1, 0.85], positives {0, 1}, n = 2: top-2 = {0, 3} → acc = 0.5.
  // margin = 0.85 − (e^{−1.5}·0.1 + 1·0.85)/(e^{−1.5} + 1) (hardest negative weighs most).
  const s = [0.9, 0.8, 0.1, 0.85];
  const w = Math.exp(-1.5);
  const margin = 0.85 - (w * 0.1 + 0.85) / (w + 1);
  test('accuracy and margin, hand-computed', () => {
    const r = ormFromSimilarities(s, [0, 1]);
    expect(r.acc).toBe(0.5);
    expect(r.margin).toBeCloseTo(margin, 6);
  });
  test('combinations: sum (default) and the reference product', () => {
    expect(ormFromSimilarities(s, [0, 1]).orm).toBeCloseTo(0.25 + 0.5 * margin, 6);
    expect(ormFromSimilarities(s, [0, 1], { combine: 'product' }).orm).toBeCloseTo(0.5 * 0.5 * margin, 6);
  });
  test('a perfect ranking gets acc 1 and a positive margin; a reversed one acc 0 and a negative margin', () => {
    const good = ormFromSimilarities([0.9, 0.9, 0.1, 0.2], [0, 1]);
    expect(good.acc).toBe(1);
    expect(good.margin).toBeGreaterThan(0);
    const bad = ormFromSimilarities([0.1, 0.2, 0.9, 0.9], [0, 1]);
    expect(bad.acc).toBe(0);
    expect(bad.margin).toBeLessThan(0);
  });
  test('ormBatch reads each row against its own pair', () => {
    // 2 pairs × n=1: rollout 0 matches other-side 0, rollout 1 wrongly prefers other-side 0.
    const sim = Float32Array.from([0.9, 0.1, 0.8, 0.3]);
    const parts = ormBatch(sim, 2, 1);
    expect(parts[0].acc).toBe(1);
    expect(parts[1].acc).toBe(0);
    expect(parts[1].margin).toBeCloseTo(0.3 - 0.8, 6);
    expect(() => ormBatch(sim, 3, 1)).toThrow(/expected 3×3/);
  });
  test('ormAgainstAnchors scores each rollout against one anchor per pair, its own pair the positive', () => {
    // 2 pairs × n = 2 rollouts, against 2 anchors: rows [rollout][anchor].
    const sim = Float32Array.from([0.9, 0.1, 0.2, 0.7, 0.3, 0.8, 0.6, 0.5]);
    const parts = ormAgainstAnchors(sim, 2, 2);
    expect(parts.map((p) => p.acc)).toEqual([1, 0, 1, 0]);
    expect(parts[1]!.margin).toBeCloseTo(0.2 - 0.7, 6); // one negative: it is the softmax's whole weight
    expect(parts[2]!.margin).toBeCloseTo(0.8 - 0.3, 6);
    expect(parts[0]!.orm).toBeCloseTo(0.5 + 0.5 * 0.8, 6);
    expect(() => ormAgainstAnchors(sim, 2, 3)).toThrow(/expected 6×2/);
  });
  test('anchors past the pairs (hard negatives) are negatives of every rollout', () => {
    // 2 pairs × n = 1 against 2 anchors and 1 hard negative: rollout 0 beats its hard negative, rollout 1 does not.
    const sim = Float32Array.from([0.9, 0.1, 0.5, 0.3, 0.6, 0.7]);
    const parts = ormAgainstAnchors(sim, 2, 1, { negTemperature: 1e-3 }, 3);
    expect(parts.map((p) => p.acc)).toEqual([1, 0]);
    expect(parts[0]!.margin).toBeCloseTo(0.9 - 0.5, 4); // the hardest negative takes the softmax's weight
    expect(parts[1]!.margin).toBeCloseTo(0.6 - 0.7, 4);
    expect(() => ormAgainstAnchors(sim, 2, 1, {}, 1)).toThrow(/anchors/);
  });
});

describe('PRM', () => {
  // 6 pairs × n = 2, this rollout belongs to pair 0.
  const base = [0.5, 0.4, 0.3, 0.2, 0.3, 0.1, 0.2, 0.2, 0.1, 0.1, 0.99, -1];
  test('rewards the margin when the discriminator picks a positive', () => {
    const r = prmForRollout(base, 0, 2, 0.3, rng(1));
    expect(r).toEqual({ prm: 0.3, pickedPositive: true });
  });
  test('gives 0 when a hard negative looks more alike', () => {
    const sim = base.slice();
    sim[2] = 0.7;
    expect(prmForRollout(sim, 0, 2, 0.3, rng(1))).toEqual({ prm: 0, pickedPositive: false });
  });
  test('only the best rollout of the 4 hardest negative pairs competes (pair 5 has the lowest mean)', () => {
    expect(prmForRollout(base, 0, 2, 0.3, rng(2)).pickedPositive).toBe(true);
  });
  test('candidates are shuffled: a tie between a positive and a negative goes either way', () => {
    const sim = [0.5, 0.1, 0.5, 0.1, 0, 0, 0, 0];
    let positive = 0;
    const r = rng(7);
    for (let i = 0; i < 400; i++) if (prmForRollout(sim, 0, 2, 1, r).pickedPositive) positive++;
    expect(positive).toBeGreaterThan(120);
    expect(positive).toBeLessThan(280);
  });
});

describe('total reward', () => {
  test('SPEC weights: 0.05 · format + 0.8 · ORM + 0.2 · PRM', () => {
    expect(totalReward(1, 0.5, 0.25)).toBeCloseTo(0.05 + 0.4 + 0.05, 10);
    expect(totalReward(0, 0, 0, DEFAULT_REWARD_WEIGHTS)).toBe(0);
    expect(formatReward({ formatOk: true })).toBe(1);
    expect(formatReward({ formatOk: false })).toBe(0);
  });
});
