import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, expect, test } from 'vitest';
import { formatScaleTable, formatSearchTable, runScaleBench, runSearchBench } from './search-bench';
import { initTestBackend } from '../tf/testing';

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

test('the scale benchmark stores and reloads each size through IndexedDB, loses no row, and frees its tensors', async () => {
  const { IDBFactory } = await import('fake-indexeddb');
  const before = tf.memory().numTensors;
  const rows = await runScaleBench({ sizes: [40, 300], dim: 8, k: 5, repeats: 3, idbFactory: new IDBFactory() });
  expect(rows.map((r) => r.items)).toEqual([40, 300]);
  for (const r of rows) {
    expect(r.idbLoadMs).not.toBeNull();
    expect(r.hostBytes).toBeGreaterThanOrEqual(r.items * r.dim * 4);
    expect(r.deviceBytes).toBeGreaterThanOrEqual(r.items * r.dim * 4);
    expect(r.queryAfterRemoveMs).toBeGreaterThan(0);
  }
  expect(tf.memory().numTensors).toBe(before);
  expect(formatScaleTable(rows).split('\n')).toHaveLength(4); // title, header, two rows
});
