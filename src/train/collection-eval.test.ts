import { beforeAll, describe, expect, test } from 'vitest';
import { initTestBackend } from '../engine/testing';
import { Embedder } from '../models/embedder';
import { builtinCollection } from '../world/suite';
import { collectionPrecision, sampleCollectionQueries } from './collection-eval';
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
