import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { initTestBackend } from '../engine/testing';
import { framePooling } from './event-head';
import { gradientTests } from './gradient-checks.testutil';
import { Reasoner, REASONER_PRESETS, type ReasonerConfig, type ReasonerInput } from './reasoner';
import { seededRng } from './rng';
import { syntheticClip, syntheticIds, syntheticImageInput } from './testdata';

const V = 64;
beforeAll(() => initTestBackend());

const inputs = (): ReasonerInput[] => [
  { visual: syntheticImageInput(1, 32), promptIds: syntheticIds(11, 6, 2, V) },
  { visual: syntheticClip(2, 16, 64), promptIds: syntheticIds(12, 3, 2, V) },
  { promptIds: syntheticIds(13, 9, 2, V) },
];
const config: Partial<ReasonerConfig> = { ...REASONER_PRESETS.tinyStemPointer, eventHead: { classes: 3 } };
const seqs = () => [Int32Array.from([12, 15, 18, 22, 40]), Int32Array.from([25, 26, 11, 30]), Int32Array.from([13, 2])];
const events = () => [null, Int32Array.from([0, 2, 1, 0].slice(0, config.clipFrames ?? 4)), null];

describe('frame-event head (event-head.ts)', () => {
  let model: Reasoner;
  beforeAll(() => void (model = new Reasoner(config)));
  afterAll(() => model.dispose());

  test("pooling: each labelled frame averages exactly its own frame's vision rows", () => {
    const plan = model.prefixPlan(inputs());
    const P = plan.length;
    const frames = model.config.clipFrames;
    const { pool, classes, n } = framePooling(plan, 3, P, frames, events());
    expect(n).toBe(frames);
    expect(Array.from(classes)).toEqual(Array.from(events()[1]!));
    for (let k = 0; k < n; k++) {
      const row = pool.subarray(k * 3 * P, (k + 1) * 3 * P);
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      row.forEach((w, r) => {
        if (w > 0) {
          expect(Math.floor(r / P)).toBe(1); // the clip's input only
          expect(plan.frameIds![r]).toBe(1 + k);
        }
      });
    }
  });

  test('the loss is a finite cross-entropy; without targets it is absent and logprobs are unchanged', () => {
    const withHead = tf.tidy(() => {
      const out = model.logprobs(inputs(), seqs(), { groupSize: 1, frameEvents: events() });
      return [out.events!.loss.dataSync()[0]!, tf.sum(out.logprobs).dataSync()[0]!];
    });
    const [loss, lp] = withHead;
    expect(Number.isFinite(loss)).toBe(true);
    expect(loss).toBeGreaterThan(0);
    expect(loss).toBeLessThan(2 * Math.log(3)); // near-uniform at init
    const plain = tf.tidy(() => {
      const out = model.logprobs(inputs(), seqs(), { groupSize: 1 });
      expect(out.events).toBeUndefined();
      return tf.sum(out.logprobs).dataSync()[0]!;
    });
    expect(plain).toBeCloseTo(lp!, 5);
  });

  test('leak-free, and generation is untouched by the head', async () => {
    const before = tf.memory().numTensors;
    tf.tidy(() => void model.logprobs(inputs(), seqs(), { groupSize: 1, frameEvents: events() }));
    await model.generate(inputs(), { n: 1, maxNewTokens: 4, temperature: 1, rng: seededRng(1) });
    expect(tf.memory().numTensors).toBe(before);
  });

  test('a bad config is refused', () => {
    expect(() => new Reasoner({ ...config, eventHead: { classes: 1 } })).toThrow(/classes/);
  });

  gradientTests(
    () => model,
    () => new Reasoner(config),
    (m) => () =>
      tf.tidy(() => {
        const out = m.logprobs(inputs(), seqs(), { groupSize: 1, frameEvents: events() });
        return tf.add(tf.neg(tf.sum(out.logprobs)), out.events!.loss) as tf.Scalar;
      }),
  );
});
