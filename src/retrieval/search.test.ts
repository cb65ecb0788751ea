import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, test } from 'vitest';
import { initTestBackend } from '../tf/testing';
import { normalArray, seededRng, type RandomSource } from '../models/rng';
import { EmbeddingIndex } from './search';

beforeAll(() => initTestBackend());

const unit = (...v: number[]) => {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
};

describe('EmbeddingIndex', () => {
  test('ranks by cosine similarity', async () => {
    const index = new EmbeddingIndex(2);
    index.upsert(['east', 'north', 'northeast'], Float32Array.from([...unit(1, 0), ...unit(0, 1), ...unit(1, 1)]));
    const [hits] = await index.search(Float32Array.from(unit(1, 0.2)), 3);
    expect(hits.map((h) => h.id)).toEqual(['east', 'northeast', 'north']);
    expect(hits[0].score).toBeCloseTo(unit(1, 0.2)[0], 5);
  });
  test('upsert replaces, remove drops, k is capped, several queries at once', async () => {
    const index = new EmbeddingIndex(2);
    index.upsert(['a', 'b'], Float32Array.from([1, 0, 0, 1]));
    index.upsert(['a'], Float32Array.from([0, -1]));
    expect(index.size).toBe(2);
    const [q1, q2] = await index.search(Float32Array.from([1, 0, 0, 1]), 5);
    expect(q1.map((h) => h.id)).toEqual(['b', 'a']);
    expect(q2[0]).toMatchObject({ id: 'b', score: 1 });
    index.remove(['b', 'missing']);
    expect(index.size).toBe(1);
    expect((await index.search(Float32Array.from([0, -1]), 1))[0][0]).toMatchObject({ id: 'a', row: 0 });
    index.remove(['a']);
    expect(await index.search(Float32Array.from([0, 1]), 3)).toEqual([[]]);
  });
  test('keep: only accepted rows are ranked, in the same order; none accepted gives no hits; no leaks', async () => {
    const index = new EmbeddingIndex(2);
    index.upsert(
      ['east', 'north', 'northeast', 'west'],
      Float32Array.from([...unit(1, 0), ...unit(0, 1), ...unit(1, 1), ...unit(-1, 0)]),
    );
    const query = Float32Array.from(unit(1, 0.2));
    const [all] = await index.search(query, 4);
    const [some] = await index.search(query, 4, (id) => id !== 'east');
    expect(some.map((h) => h.id)).toEqual(all.filter((h) => h.id !== 'east').map((h) => h.id));
    expect(some.map((h) => h.score)).toEqual(all.filter((h) => h.id !== 'east').map((h) => h.score));
    expect((await index.search(query, 1, (id) => id.startsWith('n')))[0].map((h) => h.id)).toEqual(['northeast']);
    expect(await index.search(query, 3, () => false)).toEqual([[]]);
    const before = tf.memory().numTensors;
    await index.search(query, 2, (id) => id !== 'west');
    expect(tf.memory().numTensors).toBe(before);
  });
  test('bad shapes are refused; searches leak no tensors', async () => {
    const index = new EmbeddingIndex(3);
    expect(() => index.upsert(['a'], new Float32Array(2))).toThrow(/1×3/);
    index.upsert(['a', 'b'], new Float32Array(6).fill(0.5));
    await expect(index.search(new Float32Array(4), 1)).rejects.toThrow(/multiple of 3/);
    await index.search(new Float32Array(3).fill(1), 1);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) await index.search(new Float32Array(3).fill(1), 2);
    expect(tf.memory().numTensors).toBe(before);
    index.clear();
    expect(index.size).toBe(0);
  });
});

/** Seeded random unit vectors, row-major [n, dim] (normal directions, so uniform on the sphere). */
function unitRows(n: number, dim: number, rng: RandomSource): Float32Array {
  const v = normalArray(n * dim, 1, rng);
  for (let r = 0; r < n; r++) {
    const row = v.subarray(r * dim, (r + 1) * dim);
    const norm = Math.hypot(...row);
    for (let j = 0; j < dim; j++) row[j]! /= norm;
  }
  return v;
}

/** The index's semantics in plain JS: rows in order, a replaced id moves to the end; float64 dot products. */
class ReferenceIndex {
  rows = new Map<string, Float32Array>();
  constructor(readonly dim: number) {}
  upsert(ids: readonly string[], vectors: Float32Array) {
    ids.forEach((id, i) => {
      this.rows.delete(id);
      this.rows.set(id, vectors.slice(i * this.dim, (i + 1) * this.dim));
    });
  }
  remove(ids: readonly string[]) {
    ids.forEach((id) => this.rows.delete(id));
  }
  score(query: Float32Array, id: string) {
    const row = this.rows.get(id)!;
    let s = 0;
    for (let j = 0; j < this.dim; j++) s += query[j]! * row[j]!;
    return s;
  }
  /** Every accepted row with its exact score and row number, best first (ties: the earlier row). */
  ranking(query: Float32Array, keep?: (id: string) => boolean) {
    return [...this.rows.keys()]
      .map((id, row) => ({ id, row, score: this.score(query, id) }))
      .filter((h) => !keep || keep(h.id))
      .sort((a, b) => b.score - a.score || a.row - b.row);
  }
}

const TOL = 1e-5;

/** The hits are an exact top-k: the reference's ids and rows, and every score within float32 error of the exact one. */
async function expectExactTopK(
  index: EmbeddingIndex,
  reference: ReferenceIndex,
  queries: Float32Array,
  k: number,
  keep?: (id: string) => boolean,
) {
  const dim = reference.dim;
  const results = await index.search(queries, k, keep);
  expect(results).toHaveLength(queries.length / dim);
  results.forEach((hits, i) => {
    const query = queries.subarray(i * dim, (i + 1) * dim);
    const ranking = reference.ranking(query, keep);
    const expected = ranking.slice(0, k);
    expect(hits.map((h) => h.id)).toEqual(expected.map((h) => h.id));
    expect(hits.map((h) => h.row)).toEqual(expected.map((h) => h.row));
    hits.forEach((h, j) => expect(Math.abs(h.score - expected[j]!.score)).toBeLessThan(TOL));
    // Nothing left out scores better than the last hit (so the ids above are not a lucky tie-break).
    if (ranking.length > k) expect(ranking[k]!.score).toBeLessThan(hits[k - 1]!.score + TOL);
  });
}

describe.each(['cpu', 'wasm'] as const)('EmbeddingIndex at scale on %s', (backend) => {
  beforeAll(() => initTestBackend(backend));

  // segmentRows 256: ~8 backend segments, so appends, replacements and removals cross segment boundaries.
  test.each([
    { label: '256 rows per segment', opts: { segmentRows: 256 } },
    { label: 'default segments', opts: {} },
  ])(
    'exact top-k against brute force through upserts, replacements, removing a tenth, and keep ($label)',
    async ({ opts }) => {
      const dim = 16;
      const rng = seededRng(11);
      const index = new EmbeddingIndex(dim, opts);
      const reference = new ReferenceIndex(dim);
      const both = (ids: string[], vectors: Float32Array) => {
        index.upsert(ids, vectors);
        reference.upsert(ids, vectors);
      };
      const queries = unitRows(6, dim, rng);
      // Batches of uneven sizes, a search in between (so later appends meet uploaded segments).
      let next = 0;
      for (const n of [1, 7, 300, 93, 1000, 599]) {
        both(
          Array.from({ length: n }, () => `item-${next++}`),
          unitRows(n, dim, rng),
        );
        if (n === 300) await expectExactTopK(index, reference, queries, 12);
      }
      expect(index.size).toBe(2000);
      await expectExactTopK(index, reference, queries, 12);

      // Replace 200 existing ids (they move to the end), mixed with new ids and one id given twice in the call.
      const replaced = Array.from({ length: 200 }, (_, i) => `item-${(i * 37) % 2000}`);
      const mixed = [...replaced, 'new-0', 'new-1', 'item-5'];
      both(mixed, unitRows(mixed.length, dim, rng));
      expect(index.size).toBe(2002);
      await expectExactTopK(index, reference, queries, 12);
      // A query equal to a replaced row finds it first, with score 1.
      const [[top]] = await index.search(reference.rows.get('item-37')!, 1);
      expect(top).toMatchObject({ id: 'item-37' });
      expect(top!.score).toBeCloseTo(1, 5);

      // Remove 10 %: one id per call and one batch (with ids that are not there), then add more before searching.
      const ids = [...reference.rows.keys()];
      const dropped = ids.filter(() => rng.float() < 0.1);
      dropped.slice(0, 50).forEach((id) => index.remove([id]));
      index.remove([...dropped.slice(50), 'missing', 'item-0-not-there']);
      reference.remove(dropped);
      expect(index.size).toBe(reference.rows.size);
      expect(dropped.some((id) => index.has(id))).toBe(false);
      await expectExactTopK(index, reference, queries, 12);
      both(['late-0', 'late-1', dropped[0]!], unitRows(3, dim, rng));
      index.remove(['late-0']);
      reference.remove(['late-0']);
      await expectExactTopK(index, reference, queries, 12);

      // keep, a k beyond what keep allows, and k larger than the index.
      const even = (id: string) => id.length % 2 === 0;
      await expectExactTopK(index, reference, queries, 12, even);
      await expectExactTopK(index, reference, queries, 3, (id) => id.startsWith('new-') || id.startsWith('late-'));
      await expectExactTopK(index, reference, queries.subarray(0, dim), 5000);
    },
  );

  test('appends touch only the last segment; removals only the segments from the first removed row', async () => {
    const dim = 8;
    const rng = seededRng(3);
    const index = new EmbeddingIndex(dim, { segmentRows: 100 });
    index.upsert(
      Array.from({ length: 450 }, (_, i) => `r${i}`),
      unitRows(450, dim, rng),
    );
    const query = unitRows(1, dim, rng);
    await index.search(query, 3);
    expect(index.memory()).toMatchObject({ segments: 5, deviceBytes: 450 * dim * 4 });
    index.upsert(['r450'], unitRows(1, dim, rng));
    expect(index.memory().segments).toBe(4); // the tail is re-uploaded on the next search, the rest stays
    await index.search(query, 3);
    expect(index.memory()).toMatchObject({ segments: 5, deviceBytes: 451 * dim * 4 });
    index.remove(['r250', 'r320']);
    await index.search(query, 3);
    expect(index.memory()).toMatchObject({ segments: 5, deviceBytes: 449 * dim * 4 });
  });

  test('host capacity grows geometrically: n single appends reallocate O(log n) times', () => {
    const dim = 4;
    const index = new EmbeddingIndex(dim);
    const capacities = new Set<number>();
    for (let i = 0; i < 5000; i++) {
      index.upsert([`r${i}`], Float32Array.from([1, 0, 0, 0]));
      capacities.add(index.memory().hostBytes);
    }
    expect(index.memory().hostBytes).toBeGreaterThanOrEqual(5000 * dim * 4);
    expect(capacities.size).toBeLessThanOrEqual(8); // 64 → 128 → … → 8192 rows
  });

  test('no tensor leaks across repeated upsert / remove / search; clear frees everything', async () => {
    const dim = 8;
    const rng = seededRng(5);
    const baseline = tf.memory().numTensors;
    const index = new EmbeddingIndex(dim, { segmentRows: 64 });
    index.upsert(
      Array.from({ length: 300 }, (_, i) => `r${i}`),
      unitRows(300, dim, rng),
    );
    await index.search(unitRows(2, dim, rng), 5);
    const held = tf.memory().numTensors;
    expect(held).toBe(baseline + Math.ceil(300 / 64));
    for (let round = 0; round < 10; round++) {
      index.upsert([`n${round}-a`, `n${round}-b`, `r${round}`], unitRows(3, dim, rng));
      index.remove([`r${100 + round}`, `r${200 + round}`]);
      await index.search(unitRows(3, dim, rng), 5, (id) => id !== 'r7');
      expect(tf.memory().numTensors).toBe(held); // same size every round, so the same number of segments
    }
    index.clear();
    expect(tf.memory().numTensors).toBe(baseline);
    expect(index.memory()).toEqual({ hostBytes: 0, deviceBytes: 0, segments: 0 });
  });
});
