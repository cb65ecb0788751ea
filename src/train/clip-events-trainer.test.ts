import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, test } from 'vitest';
import { initTestBackend } from '../tf/testing';
import { Reasoner, REASONER_PRESETS } from '../models/reasoner';
import { clipStates, eventFrames, generateClip } from '../world/clip';
import { Rng } from '../world/rng';
import { CLIP_FRAMES, EVENT_KINDS } from '../world/types';
import { cellEventLabels, scoreClipEvents, trainClipEvents } from './clip-events-trainer';

beforeAll(() => initTestBackend());

describe('clip-event stage (clip-events-trainer.ts)', () => {
  test("labels: the event's object's cells on its key frames, nothing elsewhere", () => {
    const clip = generateClip(new Rng(3), { events: 1 });
    const e = clip.events[0]!;
    const y = cellEventLabels(clip, 4);
    const keyFrames = new Set(eventFrames(e));
    const s = clipStates(clip)[e.frame]![e.obj]!;
    const cell = Math.min(3, Math.floor(s.y / 250)) * 4 + Math.min(3, Math.floor(s.x / 250));
    for (let f = 0; f < CLIP_FRAMES; f++) {
      const row = Array.from(y.subarray(f * 16, (f + 1) * 16));
      if (!keyFrames.has(f)) expect(row.every((v) => v === 0)).toBe(true);
    }
    expect(y[e.frame * 16 + cell]).toBe(1 + EVENT_KINDS.indexOf(e.kind));
  });

  test('training moves the detector only, lowers its loss, and scores are shares', () => {
    const model = new Reasoner({
      ...REASONER_PRESETS.tinyStemPointer,
      clipSize: 32,
      clipFrames: 16,
      clipEvents: { hidden: 8, words: EVENT_KINDS.map((_, k) => [40 + k]), gateBias: -2 },
    });
    const before = new Map([...model.params.vars].map(([n, v]) => [n, v.dataSync().slice()]));
    const losses: number[] = [];
    const stage = { steps: 12, clips: 2, lr: 1e-2, eventWeight: 4 };
    trainClipEvents(model.params, model.config.vision!, 32, stage, 1, (l) => losses.push(l.loss));
    for (const [n, v] of model.params.vars) {
      const moved = v.dataSync().some((x, i) => x !== before.get(n)![i]);
      expect(moved, n).toBe(n.startsWith('vis.ev_'));
    }
    expect(losses.slice(-3).reduce((a, b) => a + b) / 3).toBeLessThan(losses[0]!);
    const n = tf.memory().numTensors;
    const s = scoreClipEvents(model.params, model.config.vision!, 32, 2, 9);
    expect(tf.memory().numTensors).toBe(n);
    for (const v of [s.eventCells, s.stillCells, s.framesFound, s.stillFlagged, s.kind]) {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(1);
    }
    model.dispose();
  });
});
