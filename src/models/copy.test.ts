import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, test } from 'vitest';
import { initTestBackend } from '../tf/testing';
import { addCopyParams, copyContext, copyMix, copyPositions, type CopyConfig } from './copy';
import { ParamStore } from './layers';
import { seededRng } from './rng';

beforeAll(() => initTestBackend());

describe('copy head', () => {
  test('the copyable text is what follows the first <sep>', () => {
    expect(copyPositions([5, 6, 3, 9, 3, 8], 3)).toEqual([3, 4, 5]);
    expect(copyPositions([5, 6], 3)).toEqual([]);
    expect(copyPositions([3], 3)).toEqual([]);
  });

  test('an open gate puts the mass on the text’s ids, a query aligned with one token on that token; no text leaves the head as it was; a distribution either way', () => {
    const V = 12;
    const d = 4;
    const c: CopyConfig = { dk: 4, sepId: 1, gateBias: 30 }; // gate ≈ 1
    const store = new ParamStore(seededRng(1));
    addCopyParams(store, d, c);
    store.get('copy_q_w').assign(tf.mul(tf.eye(d), 10));
    store.get('copy_k_w').assign(tf.mul(tf.eye(d), 10));
    const text = tf.tensor2d([
      [1, 0, 0, 0],
      [0, 1, 0, 0],
      [0, 0, 0, 0],
      [0, 0, 0, 0],
    ]); // input 0: two tokens (ids 7, 9); input 1: none
    const ctx = copyContext(store, V, text, [[7, 9], []], 2);
    const normed = tf.tensor3d([[[0, 1, 0, 0]], [[0, 1, 0, 0]]]); // both rows query along token 1's key
    const logits = tf.randomNormal([2, V], 0, 1, 'float32', 2) as tf.Tensor2D;
    const out = tf.exp(copyMix(store, c, ctx, normed, logits)).arraySync() as number[][];
    expect(out[0]![9]!).toBeGreaterThan(0.99); // copied: the token the query points at
    const plain = (tf.softmax(logits).arraySync() as number[][])[1]!;
    out[1]!.forEach((p, v) => expect(p).toBeCloseTo(plain[v]!, 5)); // no text: the gate is shut
    for (const row of out) expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
    tf.dispose([text, normed, logits, ...Object.values(ctx)]);
    store.dispose();
  });
});
