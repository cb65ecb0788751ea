import { describe, expect, test } from 'vitest';
import { groupAdvantages, meanStd } from './advantages';

describe('groupAdvantages', () => {
  test('normalises within each group with the sample std', () => {
    const a = groupAdvantages([1, 2, 3, 4, 10, 10, 10, 10], 4);
    const s = Math.sqrt(5 / 3);
    const expected = [-1.5 / s, -0.5 / s, 0.5 / s, 1.5 / s, 0, 0, 0, 0];
    expected.forEach((e, i) => expect(a[i]).toBeCloseTo(e, 5));
  });
  test('groups are independent: shifting one group leaves the other unchanged', () => {
    const a = groupAdvantages([0, 1, 5, 9], 2);
    const b = groupAdvantages([100, 101, 5, 9], 2);
    expect(Array.from(a)).toEqual(Array.from(b));
  });
  test('bad group sizes are refused', () => {
    expect(() => groupAdvantages([1, 2, 3], 2)).toThrow(/groups of 2/);
    expect(() => groupAdvantages([1, 2], 0)).toThrow(/positive integer/);
  });
  test('meanStd', () => {
    expect(meanStd([2, 4, 4, 4, 5, 5, 7, 9])).toEqual({ mean: 5, std: 2 });
    expect(meanStd([])).toEqual({ mean: 0, std: 0 });
  });
});
