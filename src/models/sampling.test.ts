import { describe, expect, test } from 'vitest';
import { seededRng } from './rng';
import { sampleToken } from './sampling';

const logits = Float32Array.from([1, 3, 2, 0.5, -1]);
const logSoftmax = (xs: ArrayLike<number>, t = 1) => {
  const z = Array.from(xs, (x) => x / t);
  const m = Math.max(...z);
  const lse = m + Math.log(z.reduce((a, x) => a + Math.exp(x - m), 0));
  return z.map((x) => x - lse);
};

describe('sampleToken', () => {
  test('greedy picks the argmax and reports its T = 1 log-prob', () => {
    const pick = sampleToken(logits, 0, 5, { temperature: 0, topK: 0, topP: 1 }, seededRng(1));
    expect(pick.id).toBe(1);
    expect(pick.logprob).toBeCloseTo(logSoftmax(logits)[1]!, 10);
  });

  test('reads the row at `offset`', () => {
    const two = Float32Array.from([0, 0, 9, 0, 0, 9, 0, 0, 0, 0]);
    expect(sampleToken(two, 5, 5, { temperature: 0, topK: 0, topP: 1 }, seededRng(1)).id).toBe(0);
  });

  test('sampled log-prob is the untruncated softmax(logits / T) of the chosen id', () => {
    const rng = seededRng(7);
    for (let i = 0; i < 20; i++) {
      const pick = sampleToken(logits, 0, 5, { temperature: 0.7, topK: 3, topP: 0.9 }, rng);
      expect(pick.logprob).toBeCloseTo(logSoftmax(logits, 0.7)[pick.id]!, 10);
    }
  });

  test('top-k = 1 and tiny top-p always pick the argmax', () => {
    const rng = seededRng(3);
    for (let i = 0; i < 50; i++) {
      expect(sampleToken(logits, 0, 5, { temperature: 1, topK: 1, topP: 1 }, rng).id).toBe(1);
      expect(sampleToken(logits, 0, 5, { temperature: 1, topK: 0, topP: 0.01 }, rng).id).toBe(1);
    }
  });

  test('top-k restricts to the k best ids; top-p to the nucleus', () => {
    const rng = seededRng(5);
    const seenK = new Set<number>();
    const seenP = new Set<number>();
    for (let i = 0; i < 500; i++) {
      seenK.add(sampleToken(logits, 0, 5, { temperature: 1, topK: 2, topP: 1 }, rng).id);
      // probs ≈ [.08, .60, .22, .05, .01]: the 0.75 nucleus is {1, 2}
      seenP.add(sampleToken(logits, 0, 5, { temperature: 1, topK: 0, topP: 0.75 }, rng).id);
    }
    expect([...seenK].sort()).toEqual([1, 2]);
    expect([...seenP].sort()).toEqual([1, 2]);
  });

  test('frequencies follow the softmax and are reproducible from the seed', () => {
    const counts = (seed: number) => {
      const rng = seededRng(seed);
      const c = new Array(5).fill(0);
      for (let i = 0; i < 4000; i++) c[sampleToken(logits, 0, 5, { temperature: 1, topK: 0, topP: 1 }, rng).id]++;
      return c;
    };
    const a = counts(11);
    expect(counts(11)).toEqual(a);
    const probs = logSoftmax(logits).map(Math.exp);
    a.forEach((n, id) => expect(Math.abs(n / 4000 - probs[id]!)).toBeLessThan(0.03));
  });
});
