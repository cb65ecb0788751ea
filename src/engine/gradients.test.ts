// WASM lacks the gradient kernels behind gather (UnsortedSegmentSum) and conv2d filters
// (Conv2DBackpropFilter); the models use a one-hot matmul and dense patch projections instead. This
// proves the ops they do use give the same gradients on WASM as on CPU.
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, test } from 'vitest';
import { checkLoss, checkTokenIds, makeCheckParams, type CheckParams } from './backend/selfcheck';
import { initTestBackend } from '../tf/testing';

async function gradsOn(backend: 'wasm' | 'cpu', seed: number) {
  await initTestBackend(backend);
  const params = makeCheckParams(seed);
  const names = Object.keys(params) as (keyof CheckParams)[];
  const ids = checkTokenIds(seed);
  const { value, grads } = tf.valueAndGrads((...xs: tf.Tensor[]) => {
    const p = Object.fromEntries(names.map((n, i) => [n, xs[i]])) as unknown as CheckParams;
    return checkLoss(p, ids);
  })(names.map((n) => params[n]));
  const out = {
    loss: (await value.data())[0],
    grads: Object.fromEntries(await Promise.all(names.map(async (n, i) => [n, Array.from(await grads[i].data())]))),
  };
  tf.dispose([value, ...grads, ...Object.values(params)]);
  return out as { loss: number; grads: Record<keyof CheckParams, number[]> };
}

describe('WASM gradients equal CPU gradients', () => {
  test.each([1, 2])('seed %i: matmul, one-hot embedding, GELU, layer norm, softmax, concat/slice', async (seed) => {
    const cpu = await gradsOn('cpu', seed);
    const wasm = await gradsOn('wasm', seed);
    expect(wasm.loss).toBeCloseTo(cpu.loss, 5);
    for (const name of Object.keys(cpu.grads) as (keyof CheckParams)[]) {
      const a = wasm.grads[name];
      const b = cpu.grads[name];
      expect(a.length).toBe(b.length);
      const scale = Math.max(1e-6, ...b.map(Math.abs));
      const maxRel = Math.max(...a.map((v, i) => Math.abs(v - b[i]))) / scale;
      expect(maxRel, `gradient of ${name}`).toBeLessThan(1e-4);
      expect(
        b.some((v) => v !== 0),
        `gradient of ${name} is all zero`,
      ).toBe(true);
    }
  });
});
