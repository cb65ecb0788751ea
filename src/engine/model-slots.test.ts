import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, test } from 'vitest';
import { WeightsError } from '../models/errors';
import { VOCAB } from '../tcot/default';
import { createEngine } from './engine';
import { ModelSlots } from './model-slots';
import { nodePlatform } from './backend/platform-node';
import { initTestBackend } from '../tf/testing';

beforeAll(() => initTestBackend());

/** Turn exported files back into artifacts, as tf.io.browserFiles would in a page. */
function fromFiles(files: { name: string; bytes: ArrayBuffer }[]): tf.io.IOHandler {
  const json = JSON.parse(new TextDecoder().decode(files[0].bytes));
  return tf.io.fromMemory({ ...json, weightSpecs: json.weightsManifest[0].weights, weightData: files[1].bytes });
}

describe('ModelSlots', () => {
  test('fresh models use the app vocabulary; the probe is deterministic and seed-dependent', async () => {
    const slots = new ModelSlots();
    const info = await slots.load('embedder', { kind: 'random', preset: 'tiny', seed: 3 });
    await slots.load('reasoner', { kind: 'random', preset: 'tiny', seed: 3 });
    expect(info).toMatchObject({ role: 'embedder', source: 'random', sha256: null, weightBytes: 0 });
    expect(info.config.vocabSize).toBe(VOCAB.size);
    expect(info.parameters).toBeGreaterThan(1000);
    const a = await slots.probe(1);
    const b = await slots.probe(1);
    expect(a).toEqual(b);
    expect(a.embedding!.length).toBe(info.config.outDim);
    expect(a.reasoner!.tokens.length).toBeGreaterThan(0);
    expect(typeof a.reasoner!.text).toBe('string');
    expect((await slots.probe(2)).embedding).not.toEqual(a.embedding);
  });

  test('exported files load back to the same model (float32 exactly, int8 closely)', async () => {
    const { loadModel } = await import('../models/weights');
    const slots = new ModelSlots();
    await slots.load('embedder', { kind: 'random', preset: 'tiny', seed: 5 });
    const original = slots.get('embedder') as import('../models/embedder').Embedder;
    const item = { textIds: Int32Array.from([VOCAB.id('red'), VOCAB.id('star')]) };
    const [expected] = await original.embedData([item]);
    for (const q of ['float32', 'int8'] as const) {
      const files = await slots.exportFiles('embedder', q);
      expect(files.map((f) => f.name)).toEqual(['embedder.json', 'embedder.weights.bin']);
      const { model } = await loadModel(fromFiles(files));
      const [got] = await (model as import('../models/embedder').Embedder).embedData([item]);
      const maxDiff = Math.max(...got.map((v, i) => Math.abs(v - expected[i])));
      expect(maxDiff).toBeLessThanOrEqual(q === 'float32' ? 0 : 0.02);
      model.dispose();
    }
  });

  test('a file of the wrong kind is refused and the loaded model stays', async () => {
    const reasonerOnly = new ModelSlots();
    await reasonerOnly.load('reasoner', { kind: 'random', preset: 'tiny', seed: 9 });
    const files = await reasonerOnly.exportFiles('reasoner', 'int8');
    const slots = new ModelSlots();
    await slots.load('embedder', { kind: 'random', preset: 'tiny', seed: 5 });
    const before = await slots.probe(1);
    const err = await slots.loadFrom('embedder', fromFiles(files), 'files').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WeightsError);
    expect((err as WeightsError).reason).toBe('wrong-model');
    expect(await slots.probe(1)).toEqual(before);
    expect(slots.info().embedder?.source).toBe('random');
  });

  test('a loaded model replaces the old one only after validating', async () => {
    const slots = new ModelSlots();
    await slots.load('embedder', { kind: 'random', preset: 'tiny', seed: 7 });
    const before = await slots.probe(1);
    await expect(slots.load('embedder', { kind: 'files', files: [] })).rejects.toBeInstanceOf(WeightsError);
    expect(await slots.probe(1)).toEqual(before);
    expect(slots.info().embedder?.source).toBe('random');
  });
});

describe('engine model API', () => {
  test('loadModel reports models in the status; export transfers files; probe needs ready', async () => {
    const engine = createEngine(nodePlatform());
    await expect(engine.probeModels()).rejects.toThrow(/not ready/);
    await engine.init({ preference: 'wasm' });
    const status = await engine.loadModel('reasoner', { kind: 'random', preset: 'tiny', seed: 1 });
    expect(status.models.reasoner?.role).toBe('reasoner');
    expect(status.models.embedder).toBeNull();
    const files = await engine.exportModel('reasoner');
    expect(files).toHaveLength(2);
    await expect(engine.exportModel('embedder')).rejects.toThrow(/no embedder is loaded/);
    const probe = await engine.probeModels(1);
    expect(probe.embedding).toBeNull();
    expect(probe.reasoner).not.toBeNull();
  });
});
