import { describe, expect, it } from 'vitest';
import type { Ability, Task } from '../world/types';
import { analyse, differenceLabel, mergeBySeed, type EvalFile } from './card';
import { summarize, type ItemResult } from './evaluate';

/** A seed's items: `hits[row]` lists Hit@1 per item; items alternate fine-grained / coarse. */
function evalFile(seed: number, hits: Record<string, number[]>): EvalFile {
  const items: Record<string, ItemResult[]> = {};
  for (const [row, hs] of Object.entries(hits)) {
    items[row] = hs.map((h, i) => ({
      id: `s${seed}-${i}`,
      task: 'image-t2i' as Task,
      abilities: [i % 2 === 0 ? 'fine-grained' : 'coarse'] as Ability[],
      hit1: h,
      recall5: 1,
      rr: h === 1 ? 1 : 0.5,
    }));
  }
  const summaries = Object.fromEntries(Object.entries(items).map(([r, it]) => [r, summarize(it)]));
  return { seed, perTask: Object.values(hits)[0]!.length, models: 'x', summaries, items };
}

describe('model card analysis', () => {
  // 8 items per seed, two seeds. none 2/8, sft 3/8, egrl 6/8 (gains on fine-grained items only), gold 7/8.
  const rows = {
    none: [1, 0, 1, 0, 0, 0, 0, 0],
    sft: [0, 1, 0, 1, 0, 1, 0, 0],
    egrl: [1, 1, 1, 1, 1, 1, 0, 0],
    'egrl-fp32': [1, 1, 1, 1, 1, 1, 0, 0],
    gold: [1, 1, 1, 1, 1, 1, 1, 0],
  };
  const a = analyse([evalFile(11, rows), evalFile(22, rows)]);

  it('pools items of every seed and pairs differences item by item', () => {
    expect(a.seeds).toEqual([11, 22]);
    expect(a.pooled.egrl!.overall.hit1.n).toBe(16);
    expect(a.pooled.egrl!.overall.hit1.mean).toBeCloseTo(6 / 8);
    expect(a.differences['egrl-sft']!.mean).toBeCloseTo(3 / 8);
    expect(a.differences['sft-none']!.mean).toBeCloseTo(1 / 8);
    expect(a.differences['egrl-egrl-fp32']!.mean).toBe(0);
  });

  it('splits the EG-RL gain by ability and computes the share of the sft → gold gap', () => {
    // fine-grained items (even indices): sft 0/4, egrl 3/4 → +75 points; coarse: sft 3/4, egrl 3/4 → 0
    expect(a.abilityGain['fine-grained']!.mean).toBeCloseTo(0.75);
    expect(a.abilityGain.coarse!.mean).toBeCloseTo(0);
    expect(a.gapClosed).toBeCloseTo((6 - 3) / (7 - 3));
  });

  it('marks each claim as holding or not', () => {
    const byId = Object.fromEntries(a.claims.map((c) => [c.id, c.holds]));
    expect(byId).toEqual({
      order: true,
      'none-floor': false,
      'gold-ceiling': true,
      'egrl-over-none': true,
      'egrl-gain': true,
      where: true,
      gap: true,
      int8: true,
    });
    const worse = analyse([evalFile(11, { ...rows, egrl: rows.sft, 'egrl-fp32': rows.egrl })]);
    const worseById = Object.fromEntries(worse.claims.map((c) => [c.id, c.holds]));
    // the same claims; those that need egrl above sft (or int8 equal to fp32) now fail
    expect(worseById).toEqual({ ...byId, order: false, 'egrl-gain': false, where: false, gap: false, int8: false });
  });

  it('merges rows of one seed scored in separate files', () => {
    const { sft, egrl, ...cheap } = rows;
    const merged = mergeBySeed([evalFile(11, cheap), evalFile(22, rows), evalFile(11, { sft, egrl })]);
    expect(merged.map((e) => e.seed)).toEqual([11, 22]);
    expect(Object.keys(merged[0]!.items).sort()).toEqual(Object.keys(rows).sort());
    expect(analyse(merged).differences['egrl-sft']!.mean).toBeCloseTo(a.differences['egrl-sft']!.mean);
    expect(() => mergeBySeed([evalFile(11, cheap), evalFile(11, { sft: [1, 0] })])).toThrow(/items per task/);
  });

  it('refuses files whose rows score different items', () => {
    const bad = evalFile(11, rows);
    bad.items.sft = bad.items.sft!.map((r, i) => ({ ...r, id: `other-${i}` }));
    expect(() => analyse([bad])).toThrow(/other items/);
  });
});

it('difference labels keep hyphenated row names whole', () => {
  expect(differenceLabel('gold-blind-egrl')).toBe('gold-blind − egrl');
  expect(differenceLabel('egrl-sft')).toBe('egrl − sft');
});
