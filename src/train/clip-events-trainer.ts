// The clip-event detector's stage (src/models/clip-events.ts): on the frozen stem, the detector learns to class
// every (frame, cell) of fresh world clips as nothing or one event kind — the cells the event's object covers (before
// or after the change) on the event's key frames (eventFrames), from the world's exact clip states. Fresh clips every
// step; measured on clips from another stream: per-cell accuracy, key frames found and still frames flagged (the
// strongest cell of a frame says "an event" or not), and the kind of one-event clips (the strongest cell anywhere).
import * as tf from '@tensorflow/tfjs-core';
import { cellEventLogits } from '../models/clip-events';
import type { ParamStore } from '../models/layers';
import { STEM_IN, stemInput, visionForward, CELL_PX, type VisionConfig } from '../models/vision';
import { clipStates, eventFrames, generateClip, renderClip } from '../world/clip';
import { Rng } from '../world/rng';
import { CLIP_FRAMES, CLIP_SIZE, EVENT_KINDS, type ClipSpec } from '../world/types';
import { paramGrads, ScheduledAdam } from './grad';
import { cosineLr } from './schedule';

export interface ClipEventStage {
  steps: number;
  clips: number; // fresh clips per step
  lr: number;
  eventWeight: number; // loss weight of event cells against still ones (they are ~6 % of cells)
}

export const DEFAULT_CLIP_EVENT_STAGE: ClipEventStage = { steps: 800, clips: 6, lr: 3e-3, eventWeight: 4 };

const DETECTOR = ['vis.ev_w1', 'vis.ev_b1', 'vis.ev_w2', 'vis.ev_b2'];

/** Stem cells [F·C, w8] of a clip's frames at `size` (frames are slots; C = (size / CELL_PX)² per frame). */
function clipCells(store: ParamStore, vision: VisionConfig, clip: ClipSpec, size: number): tf.Tensor2D {
  const frames = renderClip(clip);
  return tf.tidy(() => {
    const per = (size / 4) ** 2 * STEM_IN;
    const all = new Float32Array(frames.length * per);
    frames.forEach((rgba, i) => all.set(stemInput({ rgba, width: CLIP_SIZE, height: CLIP_SIZE }, size), i * per));
    const cells = visionForward(store, vision, tf.tensor2d(all, [all.length / STEM_IN, STEM_IN]), frames.length, size);
    return tf.reshape(cells, [frames.length * (size / CELL_PX) ** 2, vision.width8]) as tf.Tensor2D;
  });
}

/** Each (frame, cell)'s class: 1 + the kind of an event whose key frames hold the frame and whose object covers the cell. */
export function cellEventLabels(clip: ClipSpec, grid: number): Int32Array {
  const states = clipStates(clip);
  const C = grid * grid;
  const span = 1000 / grid;
  const out = new Int32Array(CLIP_FRAMES * C);
  for (const e of clip.events) {
    for (const f of eventFrames(e).filter((t) => t >= 0 && t < CLIP_FRAMES)) {
      const seen = [f - 1, f].filter((t) => t >= 0).map((t) => states[t]![e.obj]!);
      for (let c = 0; c < C; c++) {
        const x0 = (c % grid) * span;
        const y0 = Math.floor(c / grid) * span;
        const covers = seen.some(
          (s) => s.x + s.r > x0 && s.x - s.r < x0 + span && s.y + s.r > y0 && s.y - s.r < y0 + span,
        );
        if (covers && out[f * C + c] === 0) out[f * C + c] = 1 + EVENT_KINDS.indexOf(e.kind);
      }
    }
  }
  return out;
}

const slotsOf = (frames: number, C: number) => Array.from({ length: frames * C }, (_, r) => Math.floor(r / C));

export interface ClipEventLog {
  stage: 'clip-events';
  step: number;
  steps: number;
  loss: number;
  dt: number;
}

/** Train the detector's parameters in `store` (the stem stays as it is). */
export function trainClipEvents(
  store: ParamStore,
  vision: VisionConfig,
  clipSize: number,
  stage: ClipEventStage,
  seed: number,
  onStep?: (log: ClipEventLog) => void,
): void {
  const C = (clipSize / CELL_PX) ** 2;
  const vars = new Map(DETECTOR.map((n) => [n, store.get(n) as tf.Variable]));
  const optimizer = new ScheduledAdam(stage.lr);
  const schedule = cosineLr(stage.lr, stage.steps, Math.min(20, stage.steps));
  const rng = new Rng(seed);
  try {
    for (let step = 0; step < stage.steps; step++) {
      const t0 = performance.now();
      const clips = Array.from({ length: stage.clips }, (_, i) => generateClip(rng.fork(`clip-events-${step}-${i}`)));
      const cells = tf.concat(clips.map((c) => clipCells(store, vision, c, clipSize)));
      const y = Int32Array.from(clips.flatMap((c) => Array.from(cellEventLabels(c, Math.sqrt(C)))));
      // one clip after another: slots restart at 0, so no frame is another clip's neighbour (neighbourRows)
      const slot = clips.flatMap(() => slotsOf(CLIP_FRAMES, C));
      const { value, grads } = paramGrads(vars, () =>
        tf.tidy(() => {
          const logp = tf.logSoftmax(cellEventLogits(store, cells as tf.Tensor2D, slot, C));
          const picked = tf.sum(tf.mul(logp, tf.oneHot(tf.tensor1d(y, 'int32'), logp.shape[1])), 1);
          const w = tf.tensor1d(Float32Array.from(y, (v) => (v > 0 ? stage.eventWeight : 1)));
          return tf.div(tf.neg(tf.sum(tf.mul(picked, w))), tf.sum(w)) as tf.Scalar;
        }),
      );
      optimizer.step(grads, vars, schedule(step));
      tf.dispose([cells, ...Object.values(grads)]);
      onStep?.({ stage: 'clip-events', step, steps: stage.steps, loss: value, dt: (performance.now() - t0) / 1000 });
    }
  } finally {
    optimizer.dispose();
  }
}

export interface ClipEventScores {
  eventCells: number; // share of event cells classed with their kind
  stillCells: number; // share of still cells classed as nothing
  framesFound: number; // key frames whose strongest cell says "an event" (p > 0.5)
  stillFlagged: number; // still frames whose strongest cell says "an event"
  kind: number; // one-event clips: the strongest (frame, cell)'s kind is the event's
  clips: number;
}

/** The detector on `count` clips of another stream (every other one a one-event clip). */
export function scoreClipEvents(
  store: ParamStore,
  vision: VisionConfig,
  clipSize: number,
  count: number,
  seed: number,
): ClipEventScores {
  const C = (clipSize / CELL_PX) ** 2;
  const n = { event: [0, 0], still: [0, 0], found: [0, 0], flagged: [0, 0], kind: [0, 0] };
  const add = (a: number[], ok: boolean) => ((a[0]! += ok ? 1 : 0), a[1]!++);
  const rng = new Rng(seed);
  for (let i = 0; i < count; i++) {
    const clip = generateClip(rng.fork(`held-${i}`), i % 2 === 0 ? { events: 1 } : {});
    const y = cellEventLabels(clip, Math.sqrt(C));
    const p = tf.tidy(() => {
      const cells = clipCells(store, vision, clip, clipSize);
      return tf.softmax(cellEventLogits(store, cells, slotsOf(CLIP_FRAMES, C), C)).arraySync() as number[][];
    });
    y.forEach((c, r) => add(c > 0 ? n.event : n.still, p[r]!.indexOf(Math.max(...p[r]!)) === c));
    for (let f = 0; f < CLIP_FRAMES; f++) {
      const rows = Array.from({ length: C }, (_, c) => f * C + c);
      const flagged = Math.max(...rows.map((r) => 1 - p[r]![0]!)) > 0.5;
      add(rows.some((r) => y[r]! > 0) ? n.found : n.flagged, flagged);
    }
    if (clip.events.length === 1) {
      let best = { p: -1, k: 0 };
      for (const row of p) row.forEach((v, k) => k > 0 && v > best.p && (best = { p: v, k }));
      add(n.kind, best.k === 1 + EVENT_KINDS.indexOf(clip.events[0]!.kind));
    }
  }
  const share = (a: number[]) => a[0]! / Math.max(1, a[1]!);
  return {
    eventCells: share(n.event),
    stillCells: share(n.still),
    framesFound: share(n.found),
    stillFlagged: share(n.flagged),
    kind: share(n.kind),
    clips: count,
  };
}
