import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, test } from 'vitest';
import { fixture } from './fixture.testutil';
import { initTestBackend } from '../tf/testing';
import { addAttrParams, attrLogits, attrMaps } from './attr';
import { ParamStore } from './layers';
import {
  addPointerParams,
  boxPriors,
  pointerContext,
  pointerLogits,
  stemPointerContext,
  type PointerConfig,
} from './pointer';
import { Reasoner, REASONER_PRESETS, type ReasonerConfig, type ReasonerInput } from './reasoner';
import { seededRng } from './rng';
import { withoutVision } from './vision';
import { expectCacheMatchesRecompute, gradientTests } from './gradient-checks.testutil';
import { syntheticClip, syntheticIds, syntheticImageInput, TEST_ATTR, TEST_STEM_HEAD, V } from './testdata';

beforeAll(() => initTestBackend());

const pointingInputs = (): ReasonerInput[] => [
  { visual: syntheticImageInput(1), promptIds: syntheticIds(11, 6, 2, V) },
  { visual: syntheticClip(2, 16, 64), promptIds: syntheticIds(12, 3, 2, V) },
  { promptIds: syntheticIds(13, 9, 2, V) },
];
const inputs = pointingInputs;

/** A pointing Reasoner (token or stem pointer): KV-cached decoding = recomputation, leak-free sampling, WASM = CPU gradients. */
function pointingReasonerTests(
  model: () => Reasoner,
  config: Partial<ReasonerConfig>,
  inputs: () => ReasonerInput[] = pointingInputs,
): void {
  test('KV-cached decoding equals full recomputation; teacher-forced = sampled log-probs; leak-free', async () => {
    await expectCacheMatchesRecompute(model(), inputs);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++)
      await model().generate(inputs(), { n: 2, maxNewTokens: 6, temperature: 1, rng: seededRng(i) });
    expect(tf.memory().numTensors).toBe(before);
  });

  const loss = (m: Reasoner) => () =>
    tf.tidy(() => {
      // Targets that use location (10–20) and frame (21–36) ids, so every pointer weight is reached.
      const seqs = [
        Int32Array.from([12, 15, 18, 22, 40]),
        Int32Array.from([25, 26, 11, 30]),
        Int32Array.from([13, 17, 45, 50, 2]),
      ];
      const { logprobs } = m.logprobs(inputs(), seqs, { groupSize: 1 });
      return tf.neg(tf.sum(logprobs)) as tf.Scalar;
    });
  gradientTests(model, () => new Reasoner(config), loss);
}

describe('pointer logits', () => {
  test('a step pointing at a vision token puts its location mass on that token’s coordinate, its frame mass on its frame; none without vision', () => {
    const c: PointerConfig = { locStart: 4, locBins: 11, frameStart: 15, frames: 4, dk: 4, sigma: 40 };
    const store = new ParamStore(seededRng(1));
    addPointerParams(store, 8, c);
    store.get('ptr_box_w').assign(tf.zeros([8, 4])); // μ = the token's centre
    store.get('ptr_type_b').assign(tf.tensor1d([20, 0, 0, 0])); // next coordinate: x1
    store.get('ptr_type_w').assign(tf.zeros([8, 4]));
    const vision = tf.randomNormal([3, 1, 8], 0, 1, 'float32', 3) as tf.Tensor3D;
    const geometry = [
      { cx: [250], cy: [600], span: [500], frame: [-1] },
      { cx: [750], cy: [100], span: [500], frame: [2] },
      { cx: [], cy: [], span: [], frame: [] },
    ];
    const ctx = pointerContext(store, c, vision, geometry, 1e-5);
    const out = pointerLogits(
      store,
      c,
      ctx,
      tf.randomNormal([3, 1, 8], 0, 1, 'float32', 4) as tf.Tensor3D,
      tf.zeros([3, 24]),
    ).arraySync();
    const argmax = (row: number[], from: number, n: number) =>
      row.slice(from, from + n).indexOf(Math.max(...row.slice(from, from + n)));
    expect(argmax(out[0]!, c.locStart, c.locBins)).toBe(2); // 250 → bin 2 of 0, 100, …, 1000 (nearest 200/300)
    expect(argmax(out[1]!, c.locStart, c.locBins)).toBe(7); // 750 → bin 7 or 8: bins 700 and 800 are equidistant; 7 comes first
    expect(argmax(out[1]!, c.frameStart, c.frames)).toBe(2);
    expect(out[2]!.every((v) => v === 0)).toBe(true);
    expect(out[0]!.slice(0, c.locStart).every((v) => v === 0)).toBe(true); // other ids untouched
    tf.dispose([vision, ...Object.values(ctx)]);
    store.dispose();
  });
});

describe('Reasoner with the pointer', () => {
  const config = REASONER_PRESETS.tinyPointer;
  const model = fixture(() => new Reasoner(config));

  pointingReasonerTests(model, config);
});

describe('Reasoner with the stem pointer and the copy head', () => {
  const SEP = 3;
  const withText = (seed: number, text: number) =>
    Int32Array.from([...syntheticIds(seed, 3, 4, V), SEP, ...syntheticIds(seed + 1, text, 4, V)]);
  const copyInputs = (): ReasonerInput[] => [
    { visual: syntheticImageInput(1), promptIds: withText(21, 4) }, // an image and its question
    { visual: syntheticClip(2, 16, 64), promptIds: syntheticIds(22, 3, 4, V) }, // no text: nothing to copy
    { promptIds: withText(23, 7) }, // text only
  ];
  const config: Partial<ReasonerConfig> = {
    ...REASONER_PRESETS.tinyStemPointer,
    copy: { dk: 8, sepId: SEP, gateBias: 0 },
  };
  const model = fixture(() => new Reasoner(config));

  pointingReasonerTests(model, config, copyInputs);

  test('a copy head is refused without a pointer, and with a <sep> id outside the vocabulary', () => {
    expect(() => new Reasoner({ ...REASONER_PRESETS.tiny, copy: { dk: 8, sepId: SEP, gateBias: 0 } })).toThrow(
      /needs a pointer/,
    );
    expect(() => new Reasoner({ ...config, copy: { dk: 8, sepId: V, gateBias: 0 } })).toThrow(/sepId/);
  });
});

describe('Reasoner with the stem pointer and the attribute reader (attr.ts)', () => {
  // Slot block of 9: centre, 2 colours, 2 shapes, box (dx dy w h); words 40–45 (none collides with loc / frame ids).
  const attr = TEST_ATTR;
  const stemPointer = { ...REASONER_PRESETS.tinyStemPointer.pointer!, stemHead: TEST_STEM_HEAD };
  const config: Partial<ReasonerConfig> = { ...REASONER_PRESETS.tinyStemPointer, pointer: stemPointer, attr };
  const model = fixture(() => new Reasoner(config));

  pointingReasonerTests(model, config);

  test('a step attending to one candidate raises the words of what the head sees there; no change without vision', () => {
    const store = new ParamStore(seededRng(1));
    addAttrParams(store, 8, 4, attr);
    store.get('attr_gate_b').assign(tf.tensor1d([Math.log(Math.E - 1), Math.log(Math.E - 1), Math.log(Math.E - 1)])); // softplus → 1
    store.get('attr_gate_w').assign(tf.zeros([8, 3]));
    // Two candidates: the step attends to the first (the second is masked out).
    const table = (has: number) => ({
      keys: tf.zeros([1, 2, 4]) as tf.Tensor3D,
      bumps: tf.zeros([1, 2, 4]) as tf.Tensor3D,
      frames: tf.zeros([1, 2, 1]) as tf.Tensor3D,
      bias: tf.tensor3d([[[0, -1e9]]]),
      has: tf.tensor3d([[[has]]]),
      attr: tf.tensor3d([
        [
          [0.1, 0.9, 0.8, 0.2, 0, 1],
          [0.9, 0.1, 0.1, 0.9, 1, 0],
        ],
      ]),
    });
    const run = (has: number) => {
      const ctx = table(has);
      const maps = attrMaps(attr, 64);
      const out = attrLogits(
        store,
        attr,
        maps,
        ctx,
        tf.ones([1, 1, 8]) as tf.Tensor3D,
        tf.zeros([1, 64]),
      ).arraySync()[0]!;
      tf.dispose([...Object.values(ctx), maps]);
      return out;
    };
    const out = run(1);
    const log = (p: number) => Math.log(p + 1e-4);
    expect(out[41]! - out[40]!).toBeCloseTo(log(0.9) - log(0.1), 4); // colour: class 1
    expect(out[42]!).toBeCloseTo(log(0.8), 4); // shape class 0's word; class 1 has none
    expect(out[45]! - out[44]!).toBeGreaterThan(8); // size: the candidate's slot (large)
    expect(out.filter((_, i) => i < 40 || i > 45).every((v) => v === 0)).toBe(true); // other ids untouched
    expect(run(0).every((v) => v === 0)).toBe(true);
    store.dispose();
  });

  test('the reader is refused without a stem pointer, and with ids outside the vocabulary', () => {
    expect(() => new Reasoner({ ...REASONER_PRESETS.tinyPointer, attr })).toThrow(/stem/);
    expect(() => new Reasoner({ ...config, attr: { ...attr, sizeIds: [44, V] } })).toThrow(/sizeIds/);
  });
});

describe('pointer outputs on the T-CoT vocabulary', () => {
  test('sampled T-CoTs of a pointing Reasoner always parse: boxes of 4 coordinates in 0–1000, frames ≥ 0 (never throws)', async () => {
    const { VOCAB } = await import('../tcot/default');
    const { shippedPointer } = await import('./shipped');
    const model = new Reasoner({
      ...REASONER_PRESETS.tinyPointer,
      vocabSize: VOCAB.size,
      bosId: VOCAB.id('<bos>'),
      padId: VOCAB.id('<pad>'),
      pointer: { ...shippedPointer(), dk: 8 },
    });
    await expectSampledTcotsParse(model);
    model.dispose();
  });
});

describe('Reasoner pointing at the stem’s cells (source stem)', () => {
  const config = REASONER_PRESETS.tinyStemPointer;
  const model = fixture(() => new Reasoner(config));

  test('every cell maps to the token that holds it; clip cells carry their frame', () => {
    const image = model().cellGeometryOf(inputs()[0]!);
    expect(image.left).toHaveLength(16); // 32² image → 4×4 cells, merged 2×2 into 2×2 tokens
    expect(image.token).toEqual([0, 0, 1, 1, 0, 0, 1, 1, 2, 2, 3, 3, 2, 2, 3, 3]);
    expect(image.frame.every((f) => f === -1)).toBe(true);
    const clip = model().cellGeometryOf(inputs()[1]!);
    expect(clip.left).toHaveLength(4 * 4); // 4 frames × (16² → 2×2 cells), one token each
    expect(clip.token).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3]);
    expect(new Set(clip.frame).size).toBe(4);
    expect(model().cellGeometryOf(inputs()[2]!).left).toHaveLength(0);
  });

  test('a frozen stem also freezes the detector head the pointer holds, not the pointer itself', () => {
    const trainable = [...withoutVision(model().params.vars).keys()];
    expect(trainable).not.toContain('ptr_head_w');
    expect(trainable).not.toContain('vis.in_w');
    expect(trainable).toContain('ptr_cell_w');
    expect(trainable).toContain('ptr_prior_w');
  });

  test('a cell whose head proposes a box puts the location mass on that box’s coordinates', () => {
    const c = config.pointer!;
    const store = new ParamStore(seededRng(1));
    addPointerParams(store, 8, c, 4);
    // One cell (left 250, top 500, span 250), head slot 0: centre logit 5, box dx .5 dy .5 w .2 h .4 → [275, 425, 475, 825].
    const head = new Float32Array(4 * 13);
    head.set([5, 0, 0, 0, 0, 0], 0);
    head.set([0.5, 0.5, 0.2, 0.4], 2);
    head.set([-5, 0, 0, 0, 0, 0], 6); // slot 1: no object
    store.get('ptr_head_w').assign(tf.zeros([4, 13]));
    store.get('ptr_head_b').assign(tf.tensor1d(head.subarray(0, 13)));
    store.get('ptr_type_w').assign(tf.zeros([8, 4]));
    store.get('ptr_prior_w').assign(tf.tensor1d([10])); // the centre prior decides α here
    const types = [
      [20, 0, 0, 0],
      [0, 20, 0, 0],
      [0, 0, 20, 0],
      [0, 0, 0, 20],
    ];
    const want = [3, 4, 5, 8]; // 275 → 300 (bins of 100: 275 is nearer 300), 425 → 400, 475 → 500, 825 → 800
    types.forEach((t, k) => {
      store.get('ptr_type_b').assign(tf.tensor1d(t));
      const ctx = stemPointerContext(
        store,
        c,
        tf.ones([1, 1, 4]) as tf.Tensor3D,
        tf.randomNormal([1, 1, 8], 0, 1, 'float32', 3) as tf.Tensor3D,
        [{ left: [250], top: [500], span: [250], frame: [-1], token: [0] }],
        1e-5,
      );
      const out = pointerLogits(
        store,
        c,
        ctx,
        tf.randomNormal([1, 1, 8], 0, 1, 'float32', 4) as tf.Tensor3D,
        tf.zeros([1, V]),
      ).arraySync()[0]!;
      const bins = out.slice(c.locStart, c.locStart + c.locBins);
      expect(bins.indexOf(Math.max(...bins))).toBe(want[k]);
      tf.dispose(Object.values(ctx));
    });
    store.dispose();
  });

  pointingReasonerTests(model, config);

  test('sampled T-CoTs always parse into valid boxes and frames (the shipped vocabulary)', async () => {
    const { VOCAB } = await import('../tcot/default');
    const { shippedStemPointer } = await import('./shipped');
    const m = new Reasoner({
      ...config,
      vocabSize: VOCAB.size,
      bosId: VOCAB.id('<bos>'),
      padId: VOCAB.id('<pad>'),
      pointer: { ...shippedStemPointer(), dk: 8, stemHead: { out: 13, slots: 2, slotOut: 6 } },
    });
    await expectSampledTcotsParse(m);
    m.dispose();
  });
});

describe('the box prior (stem pointer, boxPrior)', () => {
  const c = REASONER_PRESETS.tinyStemPointer.pointer!;
  const loc = (v: number) => c.locStart + v / 100; // bins of 100
  // Two candidates: A proposes [100, 200, 300, 400], B [600, 600, 900, 900].
  const mu = Float32Array.from([100, 200, 300, 400, 600, 600, 900, 900]);

  test('inside a box the candidate that proposed the coordinates written so far keeps the pointer; the type follows the position', () => {
    const history = { tokens: [[5, loc(100), loc(200)]], offsets: [0] };
    const { score, type } = boxPriors(c, mu, 2, history, 4); // positions after: nothing, 5, 5 x1, 5 x1 y1
    expect(Array.from(score.slice(0, 4))).toEqual([0, 0, 0, 0]); // no box begun: no preference
    expect(score[4]).toBe(0); // after x1 = 100: A agrees exactly
    expect(score[5]!).toBeLessThan(-10); // B is 500 off
    expect(score[6]).toBe(0);
    expect(score[7]!).toBeLessThan(score[5]!); // B is off on two coordinates now
    expect(Array.from(type.slice(0, 4))).toEqual([8, 0, 0, 0]); // position 0: x1
    expect(Array.from(type.slice(8, 12))).toEqual([0, 8, 0, 0]); // after x1: y1
    expect(Array.from(type.slice(12, 16))).toEqual([0, 0, 8, 0]); // after x1 y1: x2
  });

  test('after a whole box, the object it boxed is not boxed again', () => {
    const history = { tokens: [[5, loc(100), loc(200), loc(300), loc(400)]], offsets: [5] };
    const { score, type } = boxPriors(c, mu, 2, history, 1);
    expect(score[0]!).toBeCloseTo(-30, 4); // A: duplicate
    expect(score[1]!).toBeCloseTo(0, 5); // B: free
    expect(Array.from(type)).toEqual([8, 0, 0, 0]); // the next box starts at x1
  });
});

/** Sampled T-CoTs of a pointing Reasoner on the shipped vocabulary parse into boxes of 4 coordinates in 0–1000 and frames ≥ 0, and some use location tokens. */
async function expectSampledTcotsParse(model: Reasoner): Promise<void> {
  const { VOCAB } = await import('../tcot/default');
  const { parseTokens } = await import('../tcot/parse');
  const ins: ReasonerInput[] = [
    { visual: syntheticImageInput(3), promptIds: Int32Array.of(VOCAB.id('<sep>')) },
    { visual: syntheticClip(4, 16, 64), promptIds: Int32Array.of(VOCAB.id('<sep>')) },
  ];
  const gen = await model.generate(ins, { n: 16, maxNewTokens: 40, temperature: 1.5, rng: seededRng(9) });
  for (const ids of gen.tokens) {
    const parsed = parseTokens(VOCAB, ids);
    for (const b of parsed.evidence?.key === 'bbox_2d' ? parsed.evidence.boxes : []) {
      expect(b).toHaveLength(4);
      for (const v of b) expect(v >= 0 && v <= 1000).toBe(true);
    }
    for (const f of parsed.evidence?.key === 'key_frames' ? parsed.evidence.frames : [])
      expect(Number.isInteger(f) && f >= 0).toBe(true);
  }
  expect(gen.tokens.some((t) => t.some((id) => VOCAB.isLoc(id)))).toBe(true);
}
