import { describe, expect, it } from 'vitest';
import { hitAt1, meanOf, mrr, ndcgAtK, rankByScores, recallAtK } from './metrics';

describe('retrieval metrics (hand-worked)', () => {
  it('rankByScores sorts descending, ties by index', () => {
    expect(rankByScores([0.1, 0.9, 0.5, 0.9])).toEqual([1, 3, 2, 0]);
    expect(rankByScores(new Float32Array([3, 1, 2]))).toEqual([0, 2, 1]);
  });

  it('Hit@1', () => {
    expect(hitAt1([2, 0, 1], 2)).toBe(1);
    expect(hitAt1([2, 0, 1], 0)).toBe(0);
    expect(hitAt1([2, 0, 1], [0, 2])).toBe(1);
    expect(hitAt1([], 0)).toBe(0);
  });

  it('Recall@k', () => {
    // ranking 3,1,0,2 ; relevant {1,2}: top-1 has none, top-2 has 1 (½), top-4 has both (1).
    expect(recallAtK([3, 1, 0, 2], [1, 2], 1)).toBe(0);
    expect(recallAtK([3, 1, 0, 2], [1, 2], 2)).toBe(0.5);
    expect(recallAtK([3, 1, 0, 2], [1, 2], 4)).toBe(1);
    expect(recallAtK([3, 1, 0, 2], 0, 3)).toBe(1);
  });

  it('MRR', () => {
    expect(mrr([3, 1, 0, 2], 0)).toBeCloseTo(1 / 3);
    expect(mrr([3, 1, 0, 2], [2, 1])).toBe(0.5);
    expect(mrr([3, 1], 0)).toBe(0);
    // Three queries with first hits at ranks 1, 2, 4 → (1 + 0.5 + 0.25) / 3.
    const qs = [
      { r: [0, 1], p: 0 },
      { r: [1, 0], p: 0 },
      { r: [3, 2, 1, 0], p: 0 },
    ];
    expect(meanOf(qs, (q) => mrr(q.r, q.p))).toBeCloseTo(1.75 / 3);
  });

  it('nDCG@k', () => {
    // One relevant at rank 2: DCG = 1/log2(3) = 0.6309; IDCG = 1.
    expect(ndcgAtK([5, 7, 1], 7, 5)).toBeCloseTo(1 / Math.log2(3), 6);
    // Relevant {a,b} at ranks 1 and 3: DCG = 1 + 1/2 = 1.5; IDCG = 1 + 1/log2(3) = 1.6309 → 0.9197.
    expect(ndcgAtK([0, 9, 1], [0, 1], 5)).toBeCloseTo(1.5 / (1 + 1 / Math.log2(3)), 6);
    // Cut off at k = 2: the rank-3 hit no longer counts: 1 / 1.6309.
    expect(ndcgAtK([0, 9, 1], [0, 1], 2)).toBeCloseTo(1 / (1 + 1 / Math.log2(3)), 6);
    // Graded gains 3 and 1, ranked in the wrong order: (1 + 3/log2 3) / (3 + 1/log2 3).
    expect(
      ndcgAtK(
        [1, 0],
        new Map([
          [0, 3],
          [1, 1],
        ]),
        2,
      ),
    ).toBeCloseTo((1 + 3 / Math.log2(3)) / (3 + 1 / Math.log2(3)), 6);
    expect(ndcgAtK([1, 2], 0, 2)).toBe(0);
  });
});
