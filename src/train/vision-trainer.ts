// Stage 0: the shared vision stem, pre-trained on the world's exact annotations with a target on every
// 8-px cell (src/train/vision-data.ts): objectness of each size slot (centre heat-map, BCE), the colour,
// shape and texture of the object centred there (CE), its box (L1), and the colour covering the cell (CE).
// The heads are linear, so what they read must be linearly present in the features both models get.
// Fresh views every step (an unbounded stream); a held-out stream measures per-cell accuracy and box IoU.
import * as tf from '@tensorflow/tfjs-core';
import { CELL_PX, VisionModel } from '../models/vision';
import { boxIoU } from '../world/raster';
import type { Box } from '../world/types';
import { COLORS, SHAPES, TEXTURES } from '../world/types';
import { stepLoop, type StageHooks } from './stage-hooks';
import { paramGrads } from './grad';
import { cosineLr } from './schedule';
import { COVER_CLASSES, HEAD_OUT, SLOT_OUT } from '../models/stem-head';
import { bySize, DEFAULT_MIX, makeViews, type View, type ViewMix } from './vision-data';

export interface VisionStage {
  steps: number;
  lr: number; // peak; cosine to 10 % after `warmup` linear steps
  warmup: number;
  mix: ViewMix; // views per step
  evalEvery: number; // held-out metrics every N steps (and at the end)
  evalSteps: number; // held-out stream steps per evaluation
}

export interface VisionStepLog {
  stage: 'vision';
  step: number;
  steps: number;
  loss: number;
  parts: { centre: number; color: number; shape: number; texture: number; box: number; cover: number };
  heldout?: VisionMetrics;
  gradNorm: number;
  lr: number;
  dt: number;
}

/** Held-out figures: detection (centre cell and slot), attributes at true centres, cover per cell, box IoU. */
export interface VisionMetrics {
  objects: number;
  recall: number; // true centres whose (cell, slot) logit > 0
  precision: number; // predicted centres that are true
  color: number; // accuracy at true centres
  shape: number;
  texture: number;
  cover: number; // per-cell cover-colour accuracy
  boxIoU: number; // mean IoU of the predicted box at each true centre
  coverChance: number; // majority-class (background) share: the cover accuracy a blind model gets
}

/** One size group's stem inputs, concatenated. */
function stemBatch(views: readonly View[]): Float32Array {
  const perView = views[0]!.stem.length;
  const input = new Float32Array(views.length * perView);
  views.forEach((v, i) => input.set(v.stem, i * perView));
  return input;
}

const N_COLOR = COLORS.length;
const N_SHAPE = SHAPES.length;
const N_TEXTURE = TEXTURES.length;
/** Column offsets inside one slot's block of SLOT_OUT outputs. */
const COL = {
  centre: 0,
  color: 1,
  shape: 1 + N_COLOR,
  texture: 1 + N_COLOR + N_SHAPE,
  box: 1 + N_COLOR + N_SHAPE + N_TEXTURE,
} as const;
const CENTRE_POS_WEIGHT = 4; // centres are rare (≈ 3 of 144 cells): up-weight positives in the BCE

function oneHot(
  classes: Int32Array,
  stride: number,
  slot: number,
  rows: number,
  n: number,
): { hot: Float32Array; count: number } {
  const hot = new Float32Array(rows * n);
  let count = 0;
  for (let r = 0; r < rows; r++) {
    const c = classes[r * stride + slot]!;
    if (c >= 0) {
      hot[r * n + c] = 1;
      count++;
    }
  }
  return { hot, count };
}

/** Sums (not yet normalised) of each loss part over one size group, and the counts that normalise them. */
function groupLoss(
  out: tf.Tensor2D,
  views: readonly View[],
): { sums: Record<keyof VisionStepLog['parts'], tf.Scalar>; counts: Record<keyof VisionStepLog['parts'], number> } {
  const rows = out.shape[0];
  const cat = <K extends 'centre' | 'color' | 'shape' | 'texture' | 'box'>(key: K) => {
    const parts = views.map((v) => v.targets[key]);
    const total = parts.reduce((a, p) => a + p.length, 0);
    const buf = key === 'centre' || key === 'box' ? new Float32Array(total) : new Int32Array(total);
    let at = 0;
    for (const p of parts) {
      buf.set(p as never, at);
      at += p.length;
    }
    return buf;
  };
  const centre = cat('centre') as Float32Array;
  const color = cat('color') as Int32Array;
  const shape = cat('shape') as Int32Array;
  const texture = cat('texture') as Int32Array;
  const box = cat('box') as Float32Array;
  const cover = new Int32Array(rows);
  let at = 0;
  for (const v of views) {
    cover.set(v.targets.cover, at);
    at += v.targets.cells;
  }
  const col = (start: number, width: number) => tf.slice(out, [0, start], [rows, width]);
  const ce = (logits: tf.Tensor2D, hot: Float32Array, n: number) =>
    tf.neg(tf.sum(tf.mul(tf.logSoftmax(logits), tf.tensor2d(hot, [rows, n]))));
  const zero = () => tf.scalar(0);
  const sums = { centre: zero(), color: zero(), shape: zero(), texture: zero(), box: zero(), cover: zero() } as Record<
    keyof VisionStepLog['parts'],
    tf.Scalar
  >;
  const counts = { centre: rows * 2, color: 0, shape: 0, texture: 0, box: 0, cover: rows };
  for (let slot = 0; slot < 2; slot++) {
    const base = slot * SLOT_OUT;
    const y = Float32Array.from({ length: rows }, (_, r) => centre[r * 2 + slot]!);
    const z = col(base + COL.centre, 1);
    const yt = tf.tensor2d(y, [rows, 1]);
    // BCE with logits: w·y·softplus(−z) + (1 − y)·softplus(z)
    const bce = tf.add(
      tf.mul(tf.mul(yt, CENTRE_POS_WEIGHT), tf.softplus(tf.neg(z))),
      tf.mul(tf.sub(1, yt), tf.softplus(z)),
    );
    sums.centre = tf.add(sums.centre, tf.sum(bce));
    for (const [key, classes, n, start] of [
      ['color', color, N_COLOR, COL.color],
      ['shape', shape, N_SHAPE, COL.shape],
      ['texture', texture, N_TEXTURE, COL.texture],
    ] as const) {
      const { hot, count } = oneHot(classes, 2, slot, rows, n);
      if (count === 0) continue;
      sums[key] = tf.add(sums[key], ce(col(base + start, n) as tf.Tensor2D, hot, n));
      counts[key] += count;
    }
    const boxMask = new Float32Array(rows * 4);
    const boxTarget = new Float32Array(rows * 4);
    let positives = 0;
    for (let r = 0; r < rows; r++) {
      if (!centre[r * 2 + slot]) continue;
      positives++;
      boxMask.fill(1, r * 4, r * 4 + 4);
      boxTarget.set(box.subarray((r * 2 + slot) * 4, (r * 2 + slot) * 4 + 4), r * 4);
    }
    if (positives > 0) {
      const err = tf.abs(tf.sub(col(base + COL.box, 4), tf.tensor2d(boxTarget, [rows, 4])));
      sums.box = tf.add(sums.box, tf.sum(tf.mul(err, tf.tensor2d(boxMask, [rows, 4]))));
      counts.box += positives;
    }
  }
  const coverHot = new Float32Array(rows * COVER_CLASSES);
  cover.forEach((c, r) => (coverHot[r * COVER_CLASSES + c] = 1));
  sums.cover = ce(col(2 * SLOT_OUT, COVER_CLASSES) as tf.Tensor2D, coverHot, COVER_CLASSES) as tf.Scalar;
  return { sums, counts };
}

/** Weighted total loss over all views of a step, and its parts (each a per-item mean). */
export function visionLoss(
  model: VisionModel,
  views: readonly View[],
): { loss: tf.Scalar; parts: Record<keyof VisionStepLog['parts'], tf.Scalar> } {
  const keys = ['centre', 'color', 'shape', 'texture', 'box', 'cover'] as const;
  const sums: tf.Scalar[][] = keys.map(() => []);
  const counts = keys.map(() => 0);
  for (const group of bySize(views).values()) {
    const g = groupLoss(model.heads(stemBatch(group), group.length, group[0]!.size), group);
    keys.forEach((k, i) => {
      sums[i]!.push(g.sums[k]);
      counts[i]! += g.counts[k];
    });
  }
  const parts = Object.fromEntries(
    keys.map((k, i) => [k, tf.div(tf.addN(sums[i]!), Math.max(1, counts[i]!))]),
  ) as Record<keyof VisionStepLog['parts'], tf.Scalar>;
  // Box L1 is in units of a cell / a view side (≈ 0.1–0.5): weight it up to the CE terms' scale.
  const loss = tf.addN([
    parts.centre,
    parts.color,
    parts.shape,
    parts.texture,
    tf.mul(parts.box, 4),
    parts.cover,
  ]) as tf.Scalar;
  return { loss, parts };
}

/** Held-out figures on `steps` steps of the held-out view stream. */
export async function evaluateVision(
  model: VisionModel,
  seed: number,
  steps: number,
  mix: ViewMix = DEFAULT_MIX,
): Promise<VisionMetrics> {
  let objects = 0,
    found = 0,
    predicted = 0,
    truePredicted = 0,
    colorOk = 0,
    shapeOk = 0,
    textureOk = 0,
    coverOk = 0,
    coverBg = 0,
    cells = 0,
    iouSum = 0;
  for (let step = 0; step < steps; step++) {
    const views = makeViews(seed, 'heldout', step, mix);
    for (const group of bySize(views).values()) {
      const out = model.heads(stemBatch(group), group.length, group[0]!.size);
      const data = (await out.data()) as Float32Array;
      out.dispose();
      let row = 0;
      for (const v of group) {
        const t = v.targets;
        const g = v.size / CELL_PX;
        for (let c = 0; c < t.cells; c++, row++) {
          const o = row * HEAD_OUT;
          for (let slot = 0; slot < 2; slot++) {
            const b = o + slot * SLOT_OUT;
            const isTrue = t.centre[c * 2 + slot] === 1;
            const says = data[b + COL.centre]! > 0;
            if (says) predicted++;
            if (says && isTrue) truePredicted++;
            if (!isTrue) continue;
            objects++;
            if (says) found++;
            const argmax = (start: number, n: number) => {
              let best = 0;
              for (let k = 1; k < n; k++) if (data[b + start + k]! > data[b + start + best]!) best = k;
              return best;
            };
            if (argmax(COL.color, N_COLOR) === t.color[c * 2 + slot]) colorOk++;
            if (argmax(COL.shape, N_SHAPE) === t.shape[c * 2 + slot]) shapeOk++;
            if (argmax(COL.texture, N_TEXTURE) === t.texture[c * 2 + slot]) textureOk++;
            const truth = t.boxes.find((e) => e.cell === c && e.slot === slot)!.box;
            iouSum += boxIoU(predictedBox(data, b + COL.box, c, g), truth);
          }
          let best = 0;
          for (let k = 1; k < COVER_CLASSES; k++)
            if (data[o + 2 * SLOT_OUT + k]! > data[o + 2 * SLOT_OUT + best]!) best = k;
          if (best === t.cover[c]) coverOk++;
          if (t.cover[c] === COVER_CLASSES - 1) coverBg++;
          cells++;
        }
      }
    }
  }
  const share = (a: number, b: number) => (b > 0 ? a / b : 0);
  return {
    objects,
    recall: share(found, objects),
    precision: share(truePredicted, predicted),
    color: share(colorOk, objects),
    shape: share(shapeOk, objects),
    texture: share(textureOk, objects),
    cover: share(coverOk, cells),
    boxIoU: share(iouSum, objects),
    coverChance: share(coverBg, cells),
  };
}

/** The box a cell's head predicts (dx, dy in the cell; w, h as a share of the view), in 0–1000 of the view. */
export function predictedBox(data: ArrayLike<number>, at: number, cell: number, grid: number): Box {
  const cx = ((cell % grid) + data[at]!) / grid;
  const cy = (Math.floor(cell / grid) + data[at + 1]!) / grid;
  const w = Math.max(0, data[at + 2]!);
  const h = Math.max(0, data[at + 3]!);
  const k = (v: number) => Math.round(Math.min(1, Math.max(0, v)) * 1000);
  return [k(cx - w / 2), k(cy - h / 2), k(cx + w / 2), k(cy + h / 2)];
}

export async function trainVision(
  model: VisionModel,
  stage: VisionStage,
  seed: number,
  hooks: StageHooks<VisionStepLog> = {},
): Promise<VisionStepLog[]> {
  const schedule = cosineLr(stage.lr, stage.steps, stage.warmup);
  return stepLoop(stage.steps, stage.lr, hooks, async (step, optimizer) => {
    const views = makeViews(seed, 'train', step, stage.mix);
    let parts: VisionStepLog['parts'] = { centre: 0, color: 0, shape: 0, texture: 0, box: 0, cover: 0 };
    const { value, grads } = paramGrads(model.params.vars, () => {
      const l = visionLoss(model, views);
      parts = Object.fromEntries(
        Object.entries(l.parts).map(([k, v]) => [k, v.dataSync()[0]!]),
      ) as VisionStepLog['parts'];
      return l.loss;
    });
    const lr = schedule(step);
    const gradNorm = optimizer.applyClipped(grads, model.params.vars, lr, 1);
    const log: VisionStepLog = { stage: 'vision', step, steps: stage.steps, loss: value, parts, gradNorm, lr, dt: 0 };
    if ((step + 1) % stage.evalEvery === 0 || step === stage.steps - 1)
      log.heldout = await evaluateVision(model, seed, stage.evalSteps, stage.mix);
    return { log };
  });
}
