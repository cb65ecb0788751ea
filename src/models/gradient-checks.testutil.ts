// Shared model tests (imported by embedder.test.ts and reasoner.test.ts; not a test file itself): every
// trainable weight gets a finite, non-zero gradient on WASM, and WASM gradients match CPU gradients.
import type * as tf from '@tensorflow/tfjs-core';
import { expect, test } from 'vitest';
import { initTestBackend } from '../engine/testing';
import type { ParamStore } from './layers';
import { gradientsOf, maxRelativeGradDiff } from './testdata';

interface Trainable {
  params: ParamStore;
  dispose(): void;
}

/**
 * Registers the two gradient tests for a model. `model()` is the WASM instance under test; `fresh()` builds
 * an identical one (same config and seed) for the CPU backend; `loss(m)` is a scalar of the model's outputs.
 */
export function gradientTests<M extends Trainable>(model: () => M, fresh: () => M, loss: (m: M) => () => tf.Scalar): void {
  test('every trainable weight gets a finite, non-zero gradient on WASM', async () => {
    const m = model();
    const { grads } = await gradientsOf(m.params, loss(m));
    for (const name of m.params.vars.keys()) {
      const g = grads.get(name);
      expect(g, `gradient of ${name}`).toBeDefined();
      expect(g!.every(Number.isFinite), `${name} finite`).toBe(true);
      expect(g!.some((v) => v !== 0), `${name} non-zero`).toBe(true);
    }
  });

  test('WASM gradients ≈ CPU gradients (relative 1e-3)', async () => {
    const m = model();
    const wasm = await gradientsOf(m.params, loss(m));
    await initTestBackend('cpu');
    const cpuModel = fresh();
    const cpu = await gradientsOf(cpuModel.params, loss(cpuModel));
    cpuModel.dispose();
    await initTestBackend('wasm');
    expect(wasm.value).toBeCloseTo(cpu.value, 4);
    const worst = maxRelativeGradDiff(wasm.grads, cpu.grads);
    expect(worst.diff, worst.name).toBeLessThan(1e-3);
  });
}
