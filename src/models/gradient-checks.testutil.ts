// Shared model tests (imported by the model test files; not a test file itself): every trainable weight gets a
// finite, non-zero gradient on WASM, WASM gradients match CPU gradients, and a Reasoner's KV-cached decoding equals
// full recomputation and its teacher-forced log-probs the sampled ones.
import type * as tf from '@tensorflow/tfjs-core';
import * as tfCore from '@tensorflow/tfjs-core';
import { Reasoner, type ReasonerConfig, type ReasonerInput } from './reasoner';
import { seededRng } from './rng';
import { expect, test } from 'vitest';
import { initTestBackend } from '../tf/testing';
import type { ParamStore } from './layers';
import { gradientsOf, maxRelativeGradDiff, syntheticClip, syntheticIds, syntheticImageInput } from './testdata';

interface Trainable {
  params: ParamStore;
  dispose(): void;
}

/**
 * Registers the two gradient tests for a model. `model()` is the WASM instance under test; `fresh()` builds
 * an identical one (same config and seed) for the CPU backend; `loss(m)` is a scalar of the model's outputs.
 */
export function gradientTests<M extends Trainable>(
  model: () => M,
  fresh: () => M,
  loss: (m: M) => () => tf.Scalar,
): void {
  test('every trainable weight gets a finite, non-zero gradient on WASM', async () => {
    const m = model();
    const { grads } = await gradientsOf(m.params, loss(m));
    for (const name of m.params.vars.keys()) {
      const g = grads.get(name);
      expect(g, `gradient of ${name}`).toBeDefined();
      expect(g!.every(Number.isFinite), `${name} finite`).toBe(true);
      expect(
        g!.some((v) => v !== 0),
        `${name} non-zero`,
      ).toBe(true);
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

/**
 * Teacher-forced log-probs of `sequences` from a Reasoner without an add-on (`plainConfig`) and from `model`, which
 * first takes the plain one's weights wherever they share a name (its add-on keeps its own): [without, with].
 */
export async function withAndWithout(
  model: Reasoner,
  plainConfig: Partial<ReasonerConfig>,
  inputs: ReasonerInput[],
  sequences: Int32Array[],
): Promise<[Float32Array[], Float32Array[]]> {
  const plain = new Reasoner(plainConfig);
  for (const [name, v] of plain.params.vars) model.params.get(name).assign(v);
  const a = await plain.logprobsData(inputs, sequences, { groupSize: 1 });
  const b = await model.logprobsData(inputs, sequences, { groupSize: 1 });
  plain.dispose();
  return [a, b];
}

/** gradientTests for a Reasoner of `config` on the loss −Σ log p of teacher-forced `sequences` given `inputs`. */
export function logprobGradientTests(
  model: () => Reasoner,
  config: Partial<ReasonerConfig>,
  inputs: () => ReasonerInput[],
  sequences: () => Int32Array[],
): void {
  gradientTests(
    model,
    () => new Reasoner(config),
    (m) => () =>
      tfCore.tidy(
        () => tfCore.neg(tfCore.sum(m.logprobs(inputs(), sequences(), { groupSize: 1 }).logprobs)) as tf.Scalar,
      ),
  );
}

/** KV-cached decoding gives the logits of full recomputation, and teacher forcing the log-probs sampling reported. */
export async function expectCacheMatchesRecompute(model: Reasoner, inputs: () => ReasonerInput[]): Promise<void> {
  const record = async (useCache: boolean) => {
    const steps: Float32Array[] = [];
    const res = await model.generate(inputs(), {
      n: 2,
      maxNewTokens: 8,
      temperature: 1,
      rng: seededRng(5),
      useCache,
      onLogits: (_, l) => steps.push(l.slice()),
    });
    return { res, steps };
  };
  const cached = await record(true);
  const full = await record(false);
  expect(cached.res.tokens.map((t) => Array.from(t))).toEqual(full.res.tokens.map((t) => Array.from(t)));
  let worst = 0;
  cached.steps.forEach((step, s) =>
    step.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - full.steps[s]![i]!)))),
  );
  expect(worst).toBeLessThan(1e-4);
  const forced = await model.logprobsData(inputs(), cached.res.tokens, { groupSize: 2, temperature: 1 });
  forced.forEach((lp, r) => lp.forEach((v, t) => expect(Math.abs(v - cached.res.logprobs[r]![t]!)).toBeLessThan(1e-4)));
}

/** An image with a prompt, a clip with a prompt and a text-only prompt: the mix a Reasoner add-on's tests feed. */
export function mixedInputs(V: number): ReasonerInput[] {
  return [
    { visual: syntheticImageInput(1, 32), promptIds: syntheticIds(11, 6, 2, V) },
    { visual: syntheticClip(2, 16, 64), promptIds: syntheticIds(12, 3, 2, V) },
    { promptIds: syntheticIds(13, 9, 2, V) },
  ];
}

/** Teacher-forced sequences for mixedInputs (ids below 64). */
export const mixedSequences = (): Int32Array[] => [
  Int32Array.from([12, 15, 18, 22, 40]),
  Int32Array.from([25, 41, 11, 30, 43]),
  Int32Array.from([13, 17, 45, 40, 2]),
];

/** Registers an add-on's decoding test: KV-cached decoding equals recomputation, and generate leaks nothing. */
export function decodingTests(model: () => Reasoner, inputs: () => ReasonerInput[]): void {
  test('KV-cached decoding equals full recomputation; leak-free', async () => {
    const m = model();
    await expectCacheMatchesRecompute(m, inputs);
    const before = tfCore.memory().numTensors;
    for (let i = 0; i < 3; i++)
      await m.generate(inputs(), { n: 2, maxNewTokens: 6, temperature: 1, rng: seededRng(i) });
    expect(tfCore.memory().numTensors).toBe(before);
  });
}

/** Per-row log-probs of mixedInputs: the image's and the text's rows equal, the clip's differ. */
export function expectClipRowsOnly(a: Float32Array[], b: Float32Array[]): void {
  a[0]!.forEach((v, t) => expect(b[0]![t]!).toBeCloseTo(v, 5)); // the image
  a[2]!.forEach((v, t) => expect(b[2]![t]!).toBeCloseTo(v, 5)); // text only
  expect(Math.max(...a[1]!.map((v, t) => Math.abs(v - b[1]![t]!)))).toBeGreaterThan(1e-4); // the clip
}
