import { describe, expect, test } from 'vitest';
import { Rng } from '../world/rng';
import { groupedSlope, slope, trend } from './trend';

describe('trend', () => {
  test('slope is the least-squares fit (hand-checked), 0 without spread', () => {
    expect(slope([0, 1, 2, 3], [1, 3, 5, 7])).toBeCloseTo(2);
    expect(slope([0, 1, 2], [0, 1, 5])).toBeCloseTo(2.5);
    expect(slope([2, 2, 2], [1, 5, 9])).toBe(0);
  });

  test('a noisy rise has an interval above 0; pure noise has one around 0; seeded', () => {
    const rng = new Rng(4);
    const rising = Array.from({ length: 80 }, (_, i) => [i, 0.01 * i + rng.range(-0.2, 0.2)] as [number, number]);
    const t = trend(rising);
    expect(t.slope).toBeCloseTo(0.01, 2);
    expect(t.lo).toBeGreaterThan(0);
    expect(t.hi).toBeGreaterThan(t.slope);
    const flat = Array.from({ length: 80 }, (_, i) => [i, rng.range(-0.2, 0.2)] as [number, number]);
    const f = trend(flat);
    expect(f.lo).toBeLessThan(0);
    expect(f.hi).toBeGreaterThan(0);
    expect(trend(flat)).toEqual(f);
  });

  test('grouped: levels that differ by group (round-robin) do not hide a within-group rise', () => {
    const rng = new Rng(2);
    const groups = Array.from({ length: 88 }, (_, i) => i % 11);
    const pts = groups.map((g, i) => [i, g * 0.1 + 0.002 * i + rng.range(-0.03, 0.03)] as [number, number]);
    const t = trend(pts, { groups });
    expect(t.slope).toBeCloseTo(0.002, 3);
    expect(t.lo).toBeGreaterThan(0);
    expect(groupedSlope([0, 1, 2, 3], [0, 1, 10, 11], ['a', 'a', 'b', 'b'])).toBeCloseTo(1);
  });
});
