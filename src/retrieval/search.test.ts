import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, test } from 'vitest';
import { initTestBackend } from '../engine/testing';
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
    index.upsert(['east', 'north', 'northeast', 'west'], Float32Array.from([...unit(1, 0), ...unit(0, 1), ...unit(1, 1), ...unit(-1, 0)]));
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
