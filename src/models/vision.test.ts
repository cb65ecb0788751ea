import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, test } from 'vitest';
import { initTestBackend } from '../tf/testing';
import { ConfigError } from './errors';
import { ParamStore } from './layers';
import { seededRng } from './rng';
import { gradientsOf, maxRelativeGradDiff, syntheticImage } from './testdata';
import {
  addVisionParams,
  copyVision,
  spaceToDepth2,
  STEM_IN,
  stemInput,
  stemOf,
  visionForward,
  withStemMemo,
  VisionModel,
  visionParamNames,
  type VisionConfig,
} from './vision';

const config: VisionConfig = { width4: 8, width8: 16, convs8: 1 };
beforeAll(() => initTestBackend());

describe('vision stem ops', () => {
  test('spaceToDepth2 puts each 2×2 block of a cell grid into one row, ordered (dy, dx, c)', () => {
    const x = tf.tensor4d(
      Array.from({ length: 2 * 4 * 4 * 3 }, (_, i) => i),
      [2, 4, 4, 3],
    );
    const rows = spaceToDepth2(x).arraySync();
    expect(rows.length).toBe(2 * 2 * 2);
    const at = (n: number, y: number, xx: number, c: number) => ((n * 4 + y) * 4 + xx) * 3 + c;
    // view 1, block (1, 0): cells (2,0) (2,1) (3,0) (3,1)
    const block = [2, 3].flatMap((y) => [0, 1].flatMap((xx) => [0, 1, 2].map((c) => at(1, y, xx, c))));
    expect(block).toHaveLength(12);
    expect(rows[1 * 4 + 2]).toEqual(block);
    x.dispose();
  });

  test('stemInput: 4-px patches with the cell centre in [−1, 1]', () => {
    const img = syntheticImage(3, 32);
    const rows = stemInput(img, 32);
    expect(rows.length).toBe(64 * STEM_IN);
    expect(rows[48]).toBeCloseTo(-1 + 1 / 8); // cell (0, 0) x
    expect(rows[63 * STEM_IN + 49]).toBeCloseTo(1 - 1 / 8); // cell (7, 7) y
    expect(() => stemInput(img, 30)).toThrow(/multiple of 8/);
  });

  test('the shift-and-concat 3×3 convolution equals tf.conv2d (same weights, zero padding)', async () => {
    await initTestBackend('cpu');
    const store = new ParamStore(seededRng(4));
    addVisionParams(store, { width4: 8, width8: 16, convs8: 0 });
    const img = syntheticImage(5, 16);
    const input = tf.tensor2d(stemInput(img, 16), [16, STEM_IN]);
    // Rebuild stage 1 by hand with conv2d: x + gelu(conv(x) + b), then compare the stem's 8-px output.
    const ours = visionForward(store, { width4: 8, width8: 16, convs8: 0 }, input, 1, 16);
    const gelu = (t: tf.Tensor) => tf.mul(t, tf.sigmoid(tf.mul(t, 1.702)));
    const stage = gelu(tf.add(tf.matMul(input, store.get('vis.in_w')), store.get('vis.in_b')));
    const grid = tf.reshape(stage, [1, 4, 4, 8]) as tf.Tensor4D;
    const filter = tf.reshape(store.get('vis.c4_w'), [3, 3, 8, 8]) as tf.Tensor4D; // rows ordered (dy, dx, c_in)
    const conv = tf.add(grid, gelu(tf.add(tf.conv2d(grid, filter, 1, 'same'), store.get('vis.c4_b'))));
    const down = gelu(
      tf.add(tf.matMul(spaceToDepth2(conv as tf.Tensor4D), store.get('vis.down_w')), store.get('vis.down_b')),
    );
    const mean = tf.mean(down, -1, true);
    const normed = tf.add(
      tf.mul(
        tf.div(tf.sub(down, mean), tf.sqrt(tf.add(tf.mean(tf.square(tf.sub(down, mean)), -1, true), 1e-5))),
        store.get('vis.lnf_g'),
      ),
      store.get('vis.lnf_b'),
    );
    const a = ours.dataSync();
    const b = normed.dataSync();
    let worst = 0;
    a.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - b[i]!))));
    expect(worst).toBeLessThan(1e-4);
    tf.dispose([input, ours, stage, grid, filter, conv, down, mean, normed]);
    store.dispose();
    await initTestBackend('wasm');
  });

  test('every stem weight gets a gradient on WASM, equal to the CPU gradient', async () => {
    const build = () => new VisionModel({ ...config, headOut: 5, seed: 2 });
    const views = [syntheticImage(1, 32), syntheticImage(2, 32)];
    const stem = new Float32Array(2 * 64 * STEM_IN);
    views.forEach((v, i) => stem.set(stemInput(v, 32), i * 64 * STEM_IN));
    const weights = Float32Array.from({ length: 2 * 16 * 5 }, (_, i) => Math.sin(i));
    const loss = (m: VisionModel) => () =>
      tf.sum(tf.mul(m.heads(stem, 2, 32), tf.tensor2d(weights, [32, 5]))) as tf.Scalar;
    const wasmModel = build();
    const wasm = await gradientsOf(wasmModel.params, loss(wasmModel));
    for (const name of wasmModel.params.vars.keys())
      expect(
        wasm.grads.get(name)!.some((v) => v !== 0),
        name,
      ).toBe(true);
    await initTestBackend('cpu');
    const cpuModel = build();
    const cpu = await gradientsOf(cpuModel.params, loss(cpuModel));
    await initTestBackend('wasm');
    const worst = maxRelativeGradDiff(wasm.grads, cpu.grads);
    expect(worst.diff, worst.name).toBeLessThan(1e-3);
    wasmModel.dispose();
    cpuModel.dispose();
  });

  test('copyVision moves the stem (and only the stem) into another store; configs are validated', () => {
    const a = new VisionModel({ ...config, headOut: 3, seed: 1 });
    const b = new VisionModel({ ...config, headOut: 3, seed: 9 });
    copyVision(a.params, b.params, config);
    for (const name of visionParamNames(config))
      expect(Array.from(b.params.get(name).dataSync())).toEqual(Array.from(a.params.get(name).dataSync()));
    expect(Array.from(b.params.get('head_w').dataSync())).not.toEqual(Array.from(a.params.get('head_w').dataSync()));
    expect(() => new VisionModel({ ...config, width8: 4, headOut: 3, seed: 1 })).toThrow(ConfigError);
    a.dispose();
    b.dispose();
  });
});

describe('the stem memo (one forward pass reads each view once)', () => {
  const views = (seed: number) => {
    const a = stemInput(syntheticImage(seed, 16), 16);
    const b = stemInput(syntheticImage(seed + 1, 16), 16);
    const both = new Float32Array(a.length * 2);
    both.set(a);
    both.set(b, a.length);
    return both;
  };

  test('inside withStemMemo equal views reuse the first result; other views, weights or no memo do not', () => {
    const store = new ParamStore(seededRng(6));
    addVisionParams(store, config);
    const other = new ParamStore(seededRng(7));
    addVisionParams(other, config);
    const x = views(1);
    tf.tidy(() => {
      withStemMemo(() => {
        const first = stemOf(store, config, x, 2, 16);
        expect(stemOf(store, config, Float32Array.from(x), 2, 16)).toBe(first); // equal pixels, another array
        expect(stemOf(store, config, views(3), 2, 16)).not.toBe(first);
        expect(stemOf(other, config, x, 2, 16)).not.toBe(first);
        const direct = visionForward(store, config, tf.tensor2d(x, [x.length / STEM_IN, STEM_IN]), 2, 16);
        expect(Array.from(first.dataSync())).toEqual(Array.from(direct.dataSync()));
      });
      expect(stemOf(store, config, x, 2, 16)).not.toBe(stemOf(store, config, x, 2, 16)); // no memo outside
    });
  });

  test('a memoised view used twice has the gradients of two stem passes', async () => {
    await initTestBackend('cpu');
    const store = new ParamStore(seededRng(8));
    addVisionParams(store, config);
    const x = views(5);
    const loss = (memo: boolean) => () => {
      const pass = () => {
        const a = stemOf(store, config, x, 2, 16);
        const b = stemOf(store, config, Float32Array.from(x), 2, 16);
        return tf.add(tf.sum(tf.square(a)), tf.sum(tf.mul(b, 0.5))) as tf.Scalar;
      };
      return memo ? withStemMemo(pass) : pass();
    };
    const memo = await gradientsOf(store, loss(true));
    const twice = await gradientsOf(store, loss(false));
    expect(memo.value).toBeCloseTo(twice.value, 5);
    expect(memo.grads.size).toBeGreaterThan(0);
    // Equal up to float32 rounding: the memo sums both uses' gradients before the stem's backward, two passes sum
    // after it (measured on CPU: at most 2.7e-6 absolute on gradients of 1e-3, behind the final layer norm).
    expect(maxRelativeGradDiff(memo.grads, twice.grads).diff).toBeLessThan(1e-2);
  });
});
