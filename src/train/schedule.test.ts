import { describe, expect, test } from 'vitest';
import { constantLr, cosineLr } from './schedule';

describe('schedules', () => {
  test('constant with warm-up', () => {
    const lr = constantLr(1e-3, 4);
    expect([0, 1, 3, 4, 100].map(lr)).toEqual([0.25e-3, 0.5e-3, 1e-3, 1e-3, 1e-3]);
  });
  test('cosine: warm-up, peak, midpoint, floor', () => {
    const lr = cosineLr(1, 110, 10, 0.1);
    expect(lr(0)).toBeCloseTo(0.1);
    expect(lr(10)).toBeCloseTo(1);
    expect(lr(60)).toBeCloseTo(0.55);
    expect(lr(110)).toBeCloseTo(0.1);
    expect(lr(500)).toBeCloseTo(0.1);
  });
});
