import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, test } from 'vitest';
import { initTestBackend } from '../tf/testing';
import { VisionModel } from '../models/vision';
import { HEAD_OUT } from '../models/stem-head';
import { DEFAULT_MIX, makeViews, smallMix } from './vision-data';
import { evaluateVision, predictedBox, trainVision, type VisionStepLog } from './vision-trainer';

beforeAll(() => initTestBackend());

describe('vision stage on a tiny stem', () => {
  test('the dense loss falls and colour, shape, cover and box heads beat chance on held-out views; nothing leaks', async () => {
    const mix = smallMix(4, 2, 3, 3);
    const model = new VisionModel({ width4: 12, width8: 32, convs8: 1, headOut: HEAD_OUT, seed: 3 });
    const logs: VisionStepLog[] = [];
    const before = tf.memory().numTensors;
    await trainVision(model, { steps: 120, lr: 4e-3, warmup: 5, mix, evalEvery: 1000, evalSteps: 4 }, 1, {
      onStep: (l) => logs.push(l),
    });
    expect(tf.memory().numTensors).toBe(before);
    const first = logs.slice(0, 10).reduce((a, l) => a + l.loss, 0) / 10;
    const last = logs.slice(-10).reduce((a, l) => a + l.loss, 0) / 10;
    expect(last).toBeLessThan(first * 0.8);
    const m = logs[logs.length - 1]!.heldout!;
    // chance: the majority class among held-out targets (colours and shapes are uniform over 8)
    expect(m.color).toBeGreaterThan(2 / 8);
    expect(m.cover).toBeGreaterThan(m.coverChance);
    expect(m.shape).toBeGreaterThan(1 / 8);
    expect(m.boxIoU).toBeGreaterThan(0.3);
    // the centre heat-map's BCE falls (its 0.5 threshold lags: centres are ≈ 2 % of cells)
    const centre = (ls: VisionStepLog[]) => ls.reduce((a, l) => a + l.parts.centre, 0) / ls.length;
    expect(centre(logs.slice(-10))).toBeLessThan(centre(logs.slice(0, 10)) * 0.7);
    model.dispose();
  }, 120_000);

  test('predicted boxes are clamped to the view; evaluation is repeatable', async () => {
    expect(predictedBox([0.5, 0.5, 3, -1], 0, 0, 4)).toEqual([0, 125, 1000, 125]);
    const model = new VisionModel({ width4: 8, width8: 16, convs8: 1, headOut: HEAD_OUT, seed: 1 });
    const mix = { ...DEFAULT_MIX, scenes: [{ size: 32, count: 2 }], crops: 1, frames: 1 };
    expect(await evaluateVision(model, 2, 1, mix)).toEqual(await evaluateVision(model, 2, 1, mix));
    expect(makeViews(2, 'heldout', 0, mix)).toHaveLength(4);
    model.dispose();
  });
});
