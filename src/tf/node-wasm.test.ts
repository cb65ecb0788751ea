import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { afterAll, describe, expect, it } from 'vitest';
import { initNodeWasm } from './node-wasm';

function inputs() {
  const m = 70;
  const k = 130;
  const n = 90;
  const a = new Float32Array(m * k).map((_, i) => Math.sin(i * 0.37));
  const b = new Float32Array(k * n).map((_, i) => Math.cos(i * 0.11));
  return { a, b, m, k, n };
}

async function matmulOn(backend: 'cpu' | 'wasm'): Promise<Float32Array> {
  if (backend === 'cpu') await tf.setBackend('cpu');
  const { a, b, m, k, n } = inputs();
  const out = tf.tidy(() => tf.matMul(tf.tensor2d(a, [m, k]), tf.tensor2d(b, [k, n])));
  const data = (await out.data()) as Float32Array;
  out.dispose();
  return data;
}

function maxAbsDiff(x: Float32Array, y: Float32Array): number {
  expect(x.length).toBe(y.length);
  let d = 0;
  for (let i = 0; i < x.length; i++) d = Math.max(d, Math.abs(x[i] - y[i]));
  return d;
}

describe('initNodeWasm', () => {
  afterAll(async () => {
    await initNodeWasm({ threads: 1 });
  });

  it('activates the wasm backend with 2 threads (or says why not), matching the cpu backend', async () => {
    const expected = await matmulOn('cpu');
    const info = await initNodeWasm({ threads: 2 });
    console.info('initNodeWasm:', JSON.stringify(info));
    expect(info.backend).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    if (info.fallbackReason) {
      console.warn(`wasm threads unavailable: ${info.fallbackReason}`);
      expect(info.threads).toBe(1);
    } else {
      expect(info.threads).toBe(2);
      expect(info.simd).toBe(true);
    }
    expect(maxAbsDiff(await matmulOn('wasm'), expected)).toBeLessThan(1e-4);
  });

  it('is idempotent and can switch to a single thread and back, with identical results', async () => {
    const two = await initNodeWasm({ threads: 2 });
    const again = await initNodeWasm({ threads: 2 });
    expect(again).toEqual(two);
    const r2 = await matmulOn('wasm');

    const one = await initNodeWasm({ threads: 1 });
    expect(one).toMatchObject({ backend: 'wasm', threads: 1 });
    expect(one.fallbackReason).toBeUndefined();
    const r1 = await matmulOn('wasm');
    expect(maxAbsDiff(r2, r1)).toBeLessThan(1e-4);

    const back = await initNodeWasm({ threads: 2 });
    expect(back.threads).toBe(two.threads);
  });
});
