// The scene reader (scene.ts): the count of what the stem detects, the prompt's named attributes, both terms on
// hand-made contexts, and a Reasoner that has it: KV-cached decoding = recomputation, WASM = CPU gradients.
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, test } from 'vitest';
import { fixture } from './fixture.testutil';
import { initTestBackend } from '../tf/testing';
import { decodingTests, logprobGradientTests, withAndWithout } from './gradient-checks.testutil';
import { ParamStore } from './layers';
import type { PointerContext } from './pointer';
import { Reasoner, REASONER_PRESETS, type ReasonerConfig, type ReasonerInput } from './reasoner';
import { seededRng } from './rng';
import {
  addSceneParams,
  countLogits,
  countWordMap,
  detectCount,
  namedColumns,
  namedScores,
  sceneContext,
  sceneGates,
  type SceneConfig,
} from './scene';
import { syntheticClip, syntheticIds, syntheticImageInput, TEST_ATTR, TEST_STEM_HEAD, V } from './testdata';

beforeAll(() => initTestBackend());

// The attribute reader of pointer.test.ts (words 40–45); number words 46–48.
const attr = TEST_ATTR;
const stemPointer = { ...REASONER_PRESETS.tinyStemPointer.pointer!, stemHead: TEST_STEM_HEAD };
const scene: SceneConfig = { named: true, namedGateBias: 0, numberIds: [46, 47, 48], countGateBias: 0 };

describe('what the scene reader reads', () => {
  test('count: one per object above the threshold; a candidate centred inside a stronger box is the same object', () => {
    const box = (x: number, y: number, r: number) => [x - r, y - r, x + r, y + r];
    // two objects far apart, a weaker duplicate of the first, one below the threshold, one padding row
    const mu = [
      ...box(100, 100, 50),
      ...box(600, 600, 50),
      ...box(120, 110, 20),
      ...box(900, 100, 30),
      ...box(0, 0, 5),
    ];
    expect(detectCount([3, 2, 1, -3, 5], mu, [1, 1, 1, 1, 0])).toBe(2);
    expect(detectCount([3, 2, 1, -3, 5], mu, [1, 1, 1, 1, 1])).toBe(3); // the padding row counts once it is valid
    expect(detectCount([], [], [])).toBe(0);
  });

  test('named columns: 1 at each attribute word in the prompt, none for a class without a word', () => {
    expect(Array.from(namedColumns(attr, [3, 41, 9, 44, 41]))).toEqual([0, 1, 0, 0, 1, 0]);
    expect(Array.from(namedColumns(attr, [-1, 7]))).toEqual([0, 0, 0, 0, 0, 0]);
  });

  test('with gates of 1: the prior adds the named score per step, the count words get −|k − k̂|', () => {
    const store = new ParamStore(seededRng(1));
    addSceneParams(store, 8);
    store.get('scene_gate_w').assign(tf.zeros([8, 2]));
    store.get('scene_gate_b').assign(tf.fill([2], Math.log(Math.E - 1))); // softplus → 1
    const ctx = {
      scene: { named: tf.tensor3d([[[-0.5, -3]]]), count: tf.tensor3d([[[-1, 0, -1]]]) },
    } as unknown as PointerContext;
    const flat = tf.ones([2, 8]) as tf.Tensor2D; // one row, two steps
    const gates = sceneGates(store, scene, flat);
    const named = namedScores(scene, ctx, gates, 2)!;
    expect(named.shape).toEqual([1, 2, 2]);
    named.arraySync()[0]!.forEach((step) => expect(step.map((v) => +v.toFixed(4))).toEqual([-0.5, -3]));
    expect(namedScores({ ...scene, named: false }, ctx, gates, 2)).toBeNull();
    const words = countWordMap(scene, V);
    const out = countLogits(scene, words, ctx, gates, tf.zeros([2, V])).arraySync();
    out.forEach((row) => {
      expect([row[46], row[47], row[48]].map((v) => +v!.toFixed(4))).toEqual([-1, 0, -1]);
      expect(row.filter((_, i) => i < 46 || i > 48).every((v) => v === 0)).toBe(true);
    });
    tf.dispose([named, gates, words, flat, ctx.scene!.named, ctx.scene!.count]);
    store.dispose();
  });

  test("with 'zero': a clip's count words read whether its event detector sees anything; an image's 'zero' gets −k̂", () => {
    const withZero: SceneConfig = { ...scene, zeroId: 49 };
    const ctx = {
      attr: tf.zeros([2, 2, 6]),
      mu: tf.zeros([2, 2, 4]),
      bias: tf.zeros([2, 1, 2]),
      events: { active: tf.tensor3d([[[0.9]], [[0.02]]]), has: tf.tensor3d([[[1]], [[1]]]) },
    } as unknown as PointerContext;
    const read = sceneContext(
      new ParamStore(seededRng(1)),
      TEST_STEM_HEAD,
      withZero,
      attr,
      ctx,
      tf.zeros([2, 1, 4]) as tf.Tensor3D,
      [[], []],
      [false, false],
    );
    const rows = read.count.arraySync().map((r) => r[0]!.map((v) => +v.toFixed(4)));
    const lg = (x: number) => +Math.log(x).toFixed(4);
    expect(rows[0]).toEqual([lg(0.15), lg(0.95), lg(0.95), lg(0.95)]); // something happens: not 'zero'
    expect(rows[1]).toEqual([lg(1.03), lg(0.07), lg(0.07), lg(0.07)]); // nothing happens: 'zero'
    const words = countWordMap(withZero, V).arraySync();
    expect([49, 46, 47, 48].map((id, k) => words[k]![id])).toEqual([1, 1, 1, 1]);
    expect(countWordMap(scene, V).shape).toEqual([3, V]); // without it: the counts alone, as before
    tf.dispose([read.named, read.count, ctx.attr!, ctx.mu!, ctx.bias, ctx.events!.active, ctx.events!.has]);
  });

  test('refused without the attribute reader, and with number ids outside the vocabulary', () => {
    const base = { ...REASONER_PRESETS.tinyStemPointer, pointer: stemPointer };
    expect(() => new Reasoner({ ...base, scene })).toThrow(/attr/);
    expect(() => new Reasoner({ ...base, attr, scene: { ...scene, numberIds: [V] } })).toThrow(/numberIds/);
  });
});

describe('Reasoner with the scene reader', () => {
  const config: Partial<ReasonerConfig> = { ...REASONER_PRESETS.tinyStemPointer, pointer: stemPointer, attr, scene };
  // The image's prompt names a colour and a size; the clip's and the text's name nothing the prior reads.
  const inputs = (): ReasonerInput[] => [
    { visual: syntheticImageInput(1), promptIds: Int32Array.from([5, 40, 44, 7]) },
    { visual: syntheticClip(2, 16, 64), promptIds: syntheticIds(12, 3, 2, 39) },
    { promptIds: syntheticIds(13, 9, 2, 39) },
  ];
  const model = fixture(() => new Reasoner(config));

  decodingTests(model, inputs);

  test('the reader changes the image row only', async () => {
    const seqs = [Int32Array.from([12, 46, 18, 40]), Int32Array.from([25, 47, 11]), Int32Array.from([13, 48, 2])];
    const [a, b] = await withAndWithout(model(), { ...config, scene: null }, inputs(), seqs);
    expect(a[0]!.some((v, t) => Math.abs(v - b[0]![t]!) > 1e-4)).toBe(true);
    [1, 2].forEach((r) => a[r]!.forEach((v, t) => expect(b[r]![t]!).toBeCloseTo(v, 5)));
  });

  const seqs = () => [
    Int32Array.from([12, 15, 46, 22, 40]),
    Int32Array.from([25, 26, 47]),
    Int32Array.from([13, 48, 2]),
  ];
  logprobGradientTests(model, config, inputs, seqs);
});
