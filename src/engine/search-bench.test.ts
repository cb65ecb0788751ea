import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, expect, test } from 'vitest';
import { formatSearchTable, runSearchBench } from './search-bench';
import { initTestBackend } from './testing';

beforeAll(() => initTestBackend());

test('the search benchmark reports one row per size, frees its tensors, and prints a table', async () => {
  const before = tf.memory().numTensors;
  const seen: number[] = [];
  const rows = await runSearchBench({ sizes: [50, 200], dim: 8, k: 5, repeats: 3, onProgress: (n) => seen.push(n) });
  expect(rows.map((r) => r.items)).toEqual([50, 200]);
  expect(seen).toEqual([50, 200]);
  for (const r of rows) {
    expect(r.queryMs).toBeGreaterThan(0);
    expect(r.batchedQueryMs).toBeGreaterThan(0);
  }
  expect(tf.memory().numTensors).toBe(before);
  expect(formatSearchTable(rows).split('\n')).toHaveLength(4);
});
