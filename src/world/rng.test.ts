import { describe, expect, it } from 'vitest';
import { hashSeed, Rng } from './rng';

describe('Rng', () => {
  it('is deterministic for a seed and differs across seeds', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const c = new Rng(43);
    const xs = Array.from({ length: 8 }, () => a.nextU32());
    const ys = Array.from({ length: 8 }, () => b.nextU32());
    const zs = Array.from({ length: 8 }, () => c.nextU32());
    expect(xs).toEqual(ys);
    expect(xs).not.toEqual(zs);
  });

  it('int stays in range and is roughly uniform', () => {
    const r = new Rng(7);
    const counts = new Array<number>(6).fill(0);
    for (let i = 0; i < 60000; i++) counts[r.int(6)]!++;
    for (const n of counts) expect(Math.abs(n - 10000)).toBeLessThan(500);
    for (let i = 0; i < 1000; i++) {
      const f = r.float();
      expect(f).toBeGreaterThanOrEqual(0);
      expect(f).toBeLessThan(1);
    }
  });

  it('fork is independent of draws made before it and differs per label', () => {
    const a = new Rng(5);
    const b = new Rng(5);
    b.nextU32();
    b.nextU32();
    expect(a.fork('x').nextU32()).toBe(b.fork('x').nextU32());
    expect(a.fork('x').nextU32()).not.toBe(a.fork('y').nextU32());
  });

  it('shuffle is a permutation and sample gives distinct items', () => {
    const r = new Rng(9);
    const items = [1, 2, 3, 4, 5, 6, 7, 8];
    const s = r.shuffle(items);
    expect([...s].sort((x, y) => x - y)).toEqual(items);
    expect(new Set(r.sample(items, 5)).size).toBe(5);
  });

  it('hashSeed separates strings and numbers and large integers', () => {
    expect(hashSeed('a', 1)).not.toBe(hashSeed('a', 2));
    expect(hashSeed(1)).not.toBe(hashSeed(2 ** 32 + 1));
    expect(hashSeed('ab')).not.toBe(hashSeed('ba'));
  });
});
