import { beforeAll, describe, expect, test } from 'vitest';
import { initTestBackend } from '../tf/testing';
import { Embedder } from '../models/embedder';
import { builtinCollection } from '../world/suite';
import { collectionChance, collectionPrecision, sampleCollectionQueries, trueCount } from './collection-eval';
import { PRESETS } from './presets';

beforeAll(() => initTestBackend());

describe('collection precision@k', () => {
  const collection = builtinCollection({ seed: 3, images: 24, clips: 8 });

  test('sampled captions are true of their own item, image captions never of a clip (and back); seeded', () => {
    const queries = sampleCollectionQueries(collection, 30, 5);
    expect(queries).toHaveLength(30);
    for (const q of queries) {
      expect(q.holds(q.source), q.text).toBe(true);
      const other = q.kind === 'image' ? collection.images.length : 0;
      expect(q.holds(other)).toBe(false);
    }
    expect(queries.some((q) => q.kind === 'clip')).toBe(true);
    expect(sampleCollectionQueries(collection, 30, 5).map((q) => q.text)).toEqual(queries.map((q) => q.text));
  });

  test('minTrue keeps only captions true of that many items (so a perfect top k is possible); seeded', () => {
    const queries = sampleCollectionQueries(collection, 6, 5, { minTrue: 2 });
    expect(queries).toHaveLength(6);
    for (const q of queries) expect(trueCount(collection, q), q.text).toBeGreaterThanOrEqual(2);
    expect(collectionChance(collection, queries, 2).ceiling).toBe(1);
    const all = sampleCollectionQueries(collection, 30, 5);
    expect(all.some((q) => trueCount(collection, q) < 2)).toBe(true); // the filter is not a no-op here
  });

  test('chance is the mean share of the collection each caption is true of', () => {
    const queries = sampleCollectionQueries(collection, 10, 4);
    const total = collection.images.length + collection.clips.length;
    const counts = queries.map((q) => Array.from({ length: total }, (_, i) => i).filter((i) => q.holds(i)).length);
    for (const n of counts) expect(n).toBeGreaterThanOrEqual(1); // its own item at least
    const chance = collectionChance(collection, queries);
    expect(chance.meanTrue).toBeCloseTo(counts.reduce((a, b) => a + b, 0) / counts.length, 10);
    expect(chance.precision).toBeCloseTo(chance.meanTrue / total, 10);
    expect(chance.ceiling).toBeCloseTo(counts.reduce((a, n) => a + Math.min(n, 5) / 5, 0) / counts.length, 10);
  });

  test('precision is the share of the top k the caption holds for; repeatable', async () => {
    const embedder = new Embedder(PRESETS.test.embedderConfig);
    const queries = sampleCollectionQueries(collection, 6, 2);
    const a = await collectionPrecision(embedder, null, collection, queries, { k: 5 });
    expect(a.perQuery).toHaveLength(6);
    for (const p of a.perQuery) expect([0, 0.2, 0.4, 0.6, 0.8, 1]).toContain(Math.round(p * 10) / 10);
    expect((await collectionPrecision(embedder, null, collection, queries, { k: 5 })).perQuery).toEqual(a.perQuery);
    embedder.dispose();
  });
});
