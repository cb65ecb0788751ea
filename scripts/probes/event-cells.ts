// Probe: does the shipped stem see clip events? A small head is trained on the frozen stem's cell features of
// consecutive frames, x_f and its differences to the frames before and after, to class each (frame, cell) as
// nothing or one event kind — labelled from the world's exact clip states: the cells the event's object covers on the
// event's key frames (eventFrames). Fresh training clips every step; held-out clips from another stream. Prints the
// held-out accuracy on event cells and still cells, the key-frame recall (an event frame's strongest cell says
// "event") and the clip-level kind accuracy (the strongest (frame, cell)'s kind against a one-event clip's kind).
// `npx tsx scripts/probes/event-cells.ts CKPT_REASONER [steps] [clipsPerStep] [hidden] [reach 1|2]`
import * as tf from '@tensorflow/tfjs-core';
import { createEngine } from '../../src/engine/engine';
import { nodePlatform } from '../../src/engine/backend/platform-node';
import { dense, ParamStore } from '../../src/models/layers';
import type { Reasoner } from '../../src/models/reasoner';
import { seededRng } from '../../src/models/rng';
import { loadModel } from '../../src/models/weights';
import { nodeFileHandler } from '../../src/models/weights-node';
import { STEM_IN, stemInput, visionForward } from '../../src/models/vision';
import { cellEventLabels } from '../../src/train/clip-events-trainer';
import { paramGrads, ScheduledAdam } from '../../src/train/grad';
import { generateClip, renderClip } from '../../src/world/clip';
import { Rng } from '../../src/world/rng';
import { CLIP_FRAMES, CLIP_SIZE, EVENT_KINDS, type ClipSpec } from '../../src/world/types';

const [ckpt = 'runs/next3/ckpt/reasoner-sft', stepsArg = '600', perArg = '6', hiddenArg = '96', reachArg = '1'] =
  process.argv.slice(2);
const REACH = Number(reachArg); // frames each side a cell's change is taken over: 1 (f±1) or 2 (also f±2)
await createEngine(nodePlatform()).init({ preference: 'wasm' });
const reasoner = (await loadModel(nodeFileHandler(ckpt))).model as Reasoner;
const vision = reasoner.config.vision!;
const SIZE = reasoner.config.clipSize; // 32: 4×4 cells of 8 px
const G = SIZE / 8;
const C = G * G;
const K = 1 + EVENT_KINDS.length;
const W = vision.width8;

/** Cell features [F·C, (1 + 2·REACH)·W] of a clip: x and its differences to the frames up to REACH away (frozen stem, no tape). */
function features(clip: ClipSpec): tf.Tensor2D {
  const frames = renderClip(clip);
  return tf.tidy(() => {
    const all = new Float32Array(CLIP_FRAMES * (SIZE / 4) ** 2 * STEM_IN);
    frames.forEach((rgba, i) =>
      all.set(stemInput({ rgba, width: CLIP_SIZE, height: CLIP_SIZE }, SIZE), i * (all.length / CLIP_FRAMES)),
    );
    const cells = visionForward(
      reasoner.params,
      vision,
      tf.tensor2d(all, [all.length / STEM_IN, STEM_IN]),
      CLIP_FRAMES,
      SIZE,
    );
    const x = tf.reshape(cells, [CLIP_FRAMES, C, W]);
    const shift = (k: number) => {
      // x at frame f + k, clamped to the clip's ends
      const idx = Array.from({ length: CLIP_FRAMES }, (_, f) => Math.min(CLIP_FRAMES - 1, Math.max(0, f + k)));
      return tf.gather(x, idx);
    };
    const parts: tf.Tensor[] = [x];
    for (let k = 1; k <= REACH; k++) parts.push(tf.sub(x, shift(-k)), tf.sub(shift(k), x));
    return tf.reshape(tf.concat(parts, 2), [CLIP_FRAMES * C, (1 + 2 * REACH) * W]) as tf.Tensor2D;
  });
}

const labels = (clip: ClipSpec) => cellEventLabels(clip, G); // the detector stage's labels

const store = new ParamStore(seededRng(5));
const H = Number(hiddenArg);
store.add('w1', [(1 + 2 * REACH) * W, H], { kind: 'normal', std: Math.sqrt(2 / ((1 + 2 * REACH) * W)) });
store.add('b1', [H], { kind: 'zeros' });
store.add('w2', [H, K], { kind: 'normal', std: 0.02 });
store.add('b2', [K], { kind: 'zeros' });
const logitsOf = (x: tf.Tensor2D) =>
  dense(tf.relu(dense(x, store.get('w1'), store.get('b1'))), store.get('w2'), store.get('b2'));

const steps = Number(stepsArg);
const per = Number(perArg);
const opt = new ScheduledAdam(3e-3);
const trainRng = new Rng(101);
const t0 = performance.now();
for (let step = 0; step < steps; step++) {
  const clips = Array.from({ length: per }, (_, i) => generateClip(trainRng.fork(`train-${step}-${i}`)));
  const x = tf.concat(clips.map(features), 0) as tf.Tensor2D;
  const y = Int32Array.from(clips.flatMap((c) => Array.from(labels(c))));
  const weight = Float32Array.from(y, (v) => (v > 0 ? 4 : 1));
  const { value, grads } = paramGrads(store.vars, () =>
    tf.tidy(() => {
      const logp = tf.logSoftmax(logitsOf(x));
      const picked = tf.sum(tf.mul(logp, tf.oneHot(tf.tensor1d(y, 'int32'), K)), 1);
      const w = tf.tensor1d(weight);
      return tf.div(tf.neg(tf.sum(tf.mul(picked, w))), tf.sum(w)) as tf.Scalar;
    }),
  );
  opt.step(grads, store.vars, 3e-3 * Math.min(1, (step + 1) / 20) * (0.5 + 0.5 * Math.cos((Math.PI * step) / steps)));
  tf.dispose([x, ...Object.values(grads)]);
  if (step % 50 === 0 || step === steps - 1)
    console.error(step, value.toFixed(3), ((performance.now() - t0) / 1000).toFixed(0) + ' s');
}

// held-out
const heldRng = new Rng(909);
const perKind: Record<string, number[]> = {};
const acc = { event: [0, 0], still: [0, 0], frameRecall: [0, 0], stillFlagged: [0, 0], kind: [0, 0] };
for (let i = 0; i < 200; i++) {
  const clip = generateClip(heldRng.fork(`held-${i}`), i % 2 === 0 ? { events: 1 } : {});
  const y = labels(clip);
  const p = tf.tidy(() => tf.softmax(logitsOf(features(clip))).arraySync() as number[][]);
  y.forEach((c, r) => {
    const pred = p[r]!.indexOf(Math.max(...p[r]!));
    const a = c > 0 ? acc.event : acc.still;
    a[0]! += pred === c ? 1 : 0;
    a[1]!++;
  });
  const eventOf = (r: number) => 1 - p[r]![0]!;
  for (let f = 0; f < CLIP_FRAMES; f++) {
    const rows = Array.from({ length: C }, (_, c) => f * C + c);
    const a = rows.some((r) => y[r]! > 0) ? acc.frameRecall : acc.stillFlagged;
    a[0]! += Math.max(...rows.map(eventOf)) > 0.5 ? 1 : 0;
    a[1]!++;
  }
  if (clip.events.length === 1) {
    let best = { p: -1, k: 0 };
    p.forEach((row) => row.forEach((v, k) => k > 0 && v > best.p && (best = { p: v, k })));
    const want = clip.events[0]!.kind;
    acc.kind[0]! += best.k === 1 + EVENT_KINDS.indexOf(want) ? 1 : 0;
    acc.kind[1]!++;
    const k = (perKind[want] ??= [0, 0]);
    k[0]! += best.k === 1 + EVENT_KINDS.indexOf(want) ? 1 : 0;
    k[1]!++;
  }
}
const pc = ([a, n]: number[]) => `${((100 * a!) / Math.max(1, n!)).toFixed(1)} % of ${n}`;
console.log(
  `held-out: event cells ${pc(acc.event)} · still cells ${pc(acc.still)} · key frames found ${pc(acc.frameRecall)} · still frames flagged ${pc(acc.stillFlagged)} · one-event clips' kind ${pc(acc.kind)}`,
);
console.log(
  `per kind (one-event clips): ${Object.entries(perKind)
    .map(([k, v]) => `${k} ${v[0]}/${v[1]}`)
    .join(' · ')}`,
);
