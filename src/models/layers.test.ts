import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, test } from 'vitest';
import { initTestBackend } from '../tf/testing';
import {
  attentionBias,
  concatKeys,
  embedLookup,
  expandRows,
  layerNorm,
  ParamStore,
  pickColumns,
  repeatRows,
} from './layers';
import { PlanBuilder } from './plan';
import { seededRng } from './rng';

beforeAll(async () => {
  await initTestBackend();
});

describe('ParamStore', () => {
  test('init is deterministic from the seed and independent of the backend', async () => {
    const a = new ParamStore(seededRng(9));
    const b = new ParamStore(seededRng(9));
    a.add('w', [3, 4], { kind: 'normal', std: 0.02 });
    b.add('w', [3, 4], { kind: 'normal', std: 0.02 });
    expect(Array.from(await a.get('w').data())).toEqual(Array.from(await b.get('w').data()));
    expect(a.specs.get('w')!.channelAxis).toBe(1);
    a.add('g', [4], { kind: 'ones' });
    expect(a.specs.get('g')!.channelAxis).toBeNull();
    expect(a.count()).toBe(16);
    expect(() => a.add('w', [1], { kind: 'zeros' })).toThrow(/duplicate/);
    a.dispose();
    b.dispose();
  });
});

test('layerNorm normalises the last axis', async () => {
  const out = tf.tidy(() =>
    layerNorm(
      tf.tensor2d([
        [1, 2, 3, 4],
        [10, 10, 10, 14],
      ]),
      tf.ones([4]),
      tf.zeros([4]),
      1e-5,
    ),
  );
  const rows = (await out.array()) as number[][];
  for (const row of rows) {
    expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(0, 4);
    expect(row.reduce((a, b) => a + b * b, 0) / 4).toBeCloseTo(1, 3);
  }
  out.dispose();
});

describe('attentionBias', () => {
  test('prefix-LM: bidirectional over the prefix, causal after it, padding hidden', async () => {
    const keyValid = Uint8Array.from([0, 1, 1, 1, 1]); // one left pad, prefix = 3 keys, then 2 generated
    const bias = attentionBias(keyValid, 1, 5, 5, 3);
    const visible = ((await bias.array()) as number[][][][])[0]![0]!.map((row) => row.map((v) => (v === 0 ? 1 : 0)));
    expect(visible).toEqual([
      [0, 1, 1, 0, 0],
      [0, 1, 1, 0, 0],
      [0, 1, 1, 0, 0],
      [0, 1, 1, 1, 0],
      [0, 1, 1, 1, 1],
    ]);
    bias.dispose();
  });

  test('without causalFrom: one [B, 1, 1, Tk] key mask', () => {
    const bias = attentionBias(Uint8Array.from([1, 1, 0, 1, 0, 0]), 2, 3, 3, null);
    expect(bias.shape).toEqual([2, 1, 1, 3]);
    expect(Array.from(bias.dataSync())).toEqual([0, 0, -1e9, 0, -1e9, -1e9]);
    bias.dispose();
  });
});

describe('embedLookup and pickColumns', () => {
  test('forward equals gather; the gradient sums repeated ids, the same on WASM and CPU', async () => {
    const run = () =>
      tf.tidy(() => {
        const table = tf.tensor2d([
          [1, 2],
          [3, 4],
          [5, 6],
        ]);
        const ids = Int32Array.from([2, 0, 2]);
        const weights = tf.tensor2d([
          [1, 2],
          [3, 4],
          [5, 6],
        ]);
        const grad = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(embedLookup(t, ids), weights)))(table);
        return [Array.from(embedLookup(table, ids).dataSync()), Array.from(grad.dataSync())];
      });
    const [forward, grad] = run();
    expect(forward).toEqual([5, 6, 1, 2, 5, 6]);
    expect(grad).toEqual([3, 4, 0, 0, 6, 8]);
    await initTestBackend('cpu');
    expect(run()).toEqual([forward, grad]);
    await initTestBackend('wasm');
  });

  test('repeatRows equals a gather, for grouped rows (the fast product) and any other row map, ±∞ and −1e9 included', () => {
    const x = tf.tensor3d([1, -1e9, Infinity, 2, 3, -Infinity, 4, 5, 6, 7, 8, 9], [3, 2, 2]);
    for (const rows of [
      [0, 0, 1, 1, 2, 2],
      [0, 1, 2],
      [2, 0, 0, 1],
    ]) {
      const got = tf.tidy(() => Array.from(repeatRows(x, rows, 3).dataSync()));
      const want = tf.tidy(() => Array.from(tf.gather(x, tf.tensor1d(rows, 'int32')).dataSync()));
      expect(got).toEqual(want);
      expect(repeatRows(x, rows, 3).shape).toEqual([rows.length, 2, 2]);
    }
    x.dispose();
  });

  test("expandRows' gradient sums each source's rows; concatKeys' gradient is tf.concat's, on WASM and CPU", async () => {
    const run = () =>
      tf.tidy(() => {
        const x = tf.tensor2d([1, 2, 3, 4], [2, 2]);
        const w = tf.tensor2d([1, 2, 3, 4, 5, 6, 7, 8], [4, 2]);
        const gx = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(expandRows(t, [0, 0, 1, 1], 2), w)))(x);
        const past = tf.tensor4d([1, 2, 3, 4], [1, 1, 2, 2]);
        const fresh = tf.tensor4d([5, 6], [1, 1, 1, 2]);
        const weights = tf.tensor4d([1, 2, 3, 4, 5, 6], [1, 1, 3, 2]);
        const loss = (f: typeof concatKeys) => (a: tf.Tensor, b: tf.Tensor) =>
          tf.sum(tf.mul(tf.square(f(a as tf.Tensor4D, b as tf.Tensor4D)), weights));
        const mine = tf.grads(loss(concatKeys))([past, fresh]);
        const theirs = tf.grads(loss((a, b) => tf.concat([a, b], 2)))([past, fresh]);
        return [gx, ...mine, ...theirs].map((t) => Array.from(t.dataSync()));
      });
    const wasm = run();
    expect(wasm[0]).toEqual([1 + 3, 2 + 4, 5 + 7, 6 + 8]);
    expect(wasm.slice(1, 3)).toEqual(wasm.slice(3, 5));
    await initTestBackend('cpu');
    expect(run()).toEqual(wasm);
    await initTestBackend('wasm');
  });

  test('pickColumns picks matrix[i, cols[i]] and scatters the gradient back', () => {
    const m = tf.tensor2d([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(Array.from(pickColumns(m, Int32Array.from([2, 0])).dataSync())).toEqual([3, 4]);
    const g = tf.grad((x: tf.Tensor) =>
      tf.sum(tf.mul(pickColumns(x as tf.Tensor2D, Int32Array.from([2, 0])), tf.tensor1d([10, 20]))),
    )(m);
    expect(Array.from(g.dataSync())).toEqual([0, 0, 10, 20, 0, 0]);
    tf.dispose([m, g]);
  });
});

describe('PlanBuilder', () => {
  test('right padding keeps item starts at 0; left padding aligns item ends', () => {
    const build = (padLeft: boolean) =>
      new PlanBuilder(3)
        .startItem()
        .text([5, 6], 1)
        .startItem()
        .marker(2)
        .patches(Float32Array.from([1, 1, 1, 2, 2, 2]), 3, 4, 7)
        .text([9], 1)
        .build(padLeft);
    const right = build(false);
    expect(right.length).toBe(4);
    expect(Array.from(right.lengths)).toEqual([2, 4]);
    expect(Array.from(right.keyValid)).toEqual([1, 1, 0, 0, 1, 1, 1, 1]);
    expect(Array.from(right.tokenIds)).toEqual([5, 6, 0, 0, 0, 0, 0, 9]);
    expect(Array.from(right.textMask)).toEqual([1, 1, 0, 0, 0, 0, 0, 1]);
    expect(Array.from(right.visionMask!)).toEqual([0, 0, 0, 0, 0, 1, 1, 0]);
    expect(Array.from(right.patchPosIds!)).toEqual([0, 0, 0, 0, 0, 5, 6, 0]);
    expect(Array.from(right.frameIds!)).toEqual([0, 0, 0, 0, 0, 8, 8, 0]);
    expect(Array.from(right.pixels!.subarray(15, 21))).toEqual([1, 1, 1, 2, 2, 2]);
    const left = build(true);
    expect(Array.from(left.keyValid)).toEqual([0, 0, 1, 1, 1, 1, 1, 1]);
    expect(Array.from(left.posIds)).toEqual([0, 0, 0, 1, 0, 1, 2, 3]);
    expect(Array.from(left.tokenIds)).toEqual([0, 0, 5, 6, 0, 0, 0, 9]);
  });
});
