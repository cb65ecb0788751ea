import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, test } from 'vitest';
import { initTestBackend } from '../tf/testing';
import { attentionBias, embedLookup, layerNorm, ParamStore, pickColumns } from './layers';
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
