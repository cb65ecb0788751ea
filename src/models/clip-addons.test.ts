// The Reasoner's clip-only add-ons: motion features (motion.ts) and the clip-event detector and reader
// (clip-events.ts). Both must leave images and text exactly as they were, decode the same with and without the KV
// cache, and have WASM gradients equal to CPU ones.
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, test } from 'vitest';
import { fixture } from './fixture.testutil';
import { initTestBackend } from '../tf/testing';
import type { ClipEventsConfig } from './clip-events';
import {
  decodingTests,
  expectClipRowsOnly,
  logprobGradientTests,
  mixedInputs,
  withAndWithout,
  mixedSequences,
} from './gradient-checks.testutil';
import { neighbourRows } from './motion';
import { Reasoner, REASONER_PRESETS, type ReasonerConfig, type ReasonerInput } from './reasoner';
import { seededRng } from './rng';
import { TEST_ATTR, TEST_STEM_HEAD, V } from './testdata';

beforeAll(() => initTestBackend());

const inputs = (): ReasonerInput[] => mixedInputs(V);
const seqs = mixedSequences;
const logprobs = async (m: Reasoner) => m.logprobsData(inputs(), seqs(), { groupSize: 1, temperature: 1 });

describe('motion features (motion.ts)', () => {
  const config: Partial<ReasonerConfig> = { ...REASONER_PRESETS.tinyStemPointer, motion: true };
  const model = fixture(() => new Reasoner(config));

  test('neighbour rows: the same spot one frame before / after within a clip, the row itself elsewhere', () => {
    // padding, two frames of two rows, a text row, an image row
    const { prev, next } = neighbourRows([-1, 0, 0, 1, 1, -1, -1], 2);
    expect(Array.from(prev)).toEqual([0, 1, 2, 1, 2, 5, 6]);
    expect(Array.from(next)).toEqual([0, 3, 4, 3, 4, 5, 6]);
    // a clip that starts at frame 0 right after another clip's last frame is not its neighbour
    const two = neighbourRows([0, 1, 0, 1], 1);
    expect(Array.from(two.prev)).toEqual([0, 0, 2, 2]);
    expect(Array.from(two.next)).toEqual([1, 1, 3, 3]);
  });

  test('zero-initialised: the model computes what it did without motion; set, it changes clips only', async () => {
    const plain = new Reasoner(REASONER_PRESETS.tinyStemPointer);
    for (const [name, v] of plain.params.vars) model().params.get(name).assign(v);
    const a = await logprobs(plain);
    const b = await logprobs(model());
    a.forEach((row, r) => row.forEach((v, t) => expect(b[r]![t]!).toBeCloseTo(v, 5)));
    const rng = seededRng(3);
    const saved = ['motion_tok_w', 'motion_key_w'].map((n) => tf.clone(model().params.get(n)));
    for (const n of ['motion_tok_w', 'motion_key_w']) {
      const w = model().params.get(n);
      tf.tidy(() =>
        w.assign(
          tf.tensor(
            Float32Array.from({ length: w.size }, () => rng.float() - 0.5),
            w.shape,
          ),
        ),
      );
    }
    const c = await logprobs(model());
    ['motion_tok_w', 'motion_key_w'].forEach((n, i) => model().params.get(n).assign(saved[i]!));
    tf.dispose(saved);
    expectClipRowsOnly(a, c);
    plain.dispose();
  });

  decodingTests(model, inputs);

  test('needs a vision stem', () => {
    expect(() => new Reasoner({ ...REASONER_PRESETS.tiny, motion: true })).toThrow(/motion/);
  });

  logprobGradientTests(model, config, inputs, seqs);
});

const events: ClipEventsConfig = { hidden: 8, words: [[40], [41, 42], [43]], gateBias: -2 };

describe('clip-event detector and reader (clip-events.ts)', () => {
  const config: Partial<ReasonerConfig> = { ...REASONER_PRESETS.tinyStemPointer, clipEvents: events };
  const model = fixture(() => new Reasoner(config));

  test('images and text score exactly as without it; clips differ', async () => {
    expectClipRowsOnly(...(await withAndWithout(model(), REASONER_PRESETS.tinyStemPointer, inputs(), seqs())));
  });

  decodingTests(model, inputs);

  test('a bad config is refused', () => {
    expect(() => new Reasoner({ ...REASONER_PRESETS.tinyPointer, clipEvents: events })).toThrow(/stem/);
    expect(() => new Reasoner({ ...config, clipEvents: { ...events, words: [[V + 5]] } })).toThrow(/words/);
  });

  logprobGradientTests(model, config, inputs, seqs);
});

describe("the count reader on clips (scene.ts with 'zero')", () => {
  const scene = { named: true, namedGateBias: 0, numberIds: [46, 47, 48], countGateBias: 0, zeroId: 49 };
  const pointer = { ...REASONER_PRESETS.tinyStemPointer.pointer!, stemHead: TEST_STEM_HEAD };
  const config: Partial<ReasonerConfig> = {
    ...REASONER_PRESETS.tinyStemPointer,
    pointer,
    attr: TEST_ATTR,
    clipEvents: events,
    scene,
  };
  const counting = (): Int32Array[] => [
    Int32Array.from([12, 49, 46]),
    Int32Array.from([25, 49, 47]),
    Int32Array.from([13, 48, 2]),
  ];
  const model = fixture(() => new Reasoner(config));

  decodingTests(model, inputs);

  test("'zero' changes what the clip's number words score, and nothing of the text row", async () => {
    const plainConfig = { ...config, scene: { ...scene, zeroId: undefined } };
    const [a, b] = await withAndWithout(model(), plainConfig, inputs(), counting());
    expect(Math.max(...a[1]!.map((v, t) => Math.abs(v - b[1]![t]!)))).toBeGreaterThan(1e-4);
    a[2]!.forEach((v, t) => expect(b[2]![t]!).toBeCloseTo(v, 5));
  });

  logprobGradientTests(model, config, inputs, counting);
});
