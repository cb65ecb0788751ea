// The Reasoner's frame-event head (clips only, a training signal): from the prefix's final hidden states, each
// sampled frame of a clip — the mean of its vision tokens — is classed as "nothing happens here" (class 0) or one
// event kind (1…K−1). The cold start adds its cross-entropy to the T-CoT loss, so that every frame of every clip is a
// target, where the T-CoT alone supervises a few key-frame tokens and one answer word per clip. Generation never
// reads it: the head only shapes the hidden states the key-frame pointer and the answer read. Every op has WASM
// gradients (matmul, logSoftmax, mul, sum).
import * as tf from '@tensorflow/tfjs-core';
import { checkInt } from './errors';
import type { ParamStore } from './layers';
import type { TokenPlan } from './plan';

export interface EventHeadConfig {
  classes: number; // 1 + event kinds: class 0 = nothing happens at this frame
}

export function validateEventHeadConfig(c: EventHeadConfig): void {
  checkInt(c, 'classes', 2, 64);
}

export function addEventHeadParams(store: ParamStore, dModel: number, c: EventHeadConfig): void {
  store.add('event_w', [dModel, c.classes], { kind: 'normal', std: 0.02 });
  store.add('event_b', [c.classes], { kind: 'zeros' });
}

/**
 * Pooling rows: for each input i with a target, each frame slot f gets the mean of its vision rows in the prefix
 * plan (rows b·P + t with frameIds = 1 + f). Returns the [n, I·P] averaging matrix and the n frames' classes.
 */
export function framePooling(
  plan: TokenPlan,
  inputs: number,
  P: number,
  frames: number,
  targets: readonly (ArrayLike<number> | null | undefined)[],
): { pool: Float32Array; classes: Int32Array; n: number } {
  const rows: number[][] = [];
  const classes: number[] = [];
  for (let i = 0; i < inputs; i++) {
    const t = targets[i];
    if (!t || !plan.frameIds) continue;
    for (let f = 0; f < Math.min(frames, t.length); f++) {
      const mine: number[] = [];
      for (let r = 0; r < P; r++) {
        const row = i * P + r;
        if (plan.frameIds[row] === 1 + f && (!plan.visionMask || plan.visionMask[row]! > 0)) mine.push(row);
      }
      if (mine.length === 0) continue;
      rows.push(mine);
      classes.push(t[f]!);
    }
  }
  const n = rows.length;
  const pool = new Float32Array(n * inputs * P);
  rows.forEach((mine, k) => mine.forEach((row) => (pool[k * inputs * P + row] = 1 / mine.length)));
  return { pool, classes: Int32Array.from(classes), n };
}

/** Frame logits [n, classes] for the pooled frames (hidden [I·P, d]), or null when no input has a target. */
export function frameEventLogits(
  store: ParamStore,
  hidden: tf.Tensor2D,
  plan: TokenPlan,
  P: number,
  frames: number,
  targets: readonly (ArrayLike<number> | null | undefined)[],
): { logits: tf.Tensor2D; classes: Int32Array } | null {
  const I = hidden.shape[0] / P;
  const { pool, classes, n } = framePooling(plan, I, P, frames, targets);
  if (n === 0) return null;
  const pooled = tf.matMul(tf.tensor2d(pool, [n, I * P]), hidden); // [n, d]
  const logits = tf.add(tf.matMul(pooled, store.get('event_w')), store.get('event_b')) as tf.Tensor2D;
  return { logits, classes };
}

/** Mean cross-entropy of the frames' classes, with their logits (undefined when no input has a target). */
export function frameEventLoss(
  store: ParamStore,
  hidden: tf.Tensor2D,
  plan: TokenPlan,
  P: number,
  frames: number,
  targets: readonly (ArrayLike<number> | null | undefined)[],
): FrameEvents | undefined {
  const out = frameEventLogits(store, hidden, plan, P, frames, targets);
  if (!out) return undefined;
  const K = out.logits.shape[1];
  const oneHot = new Float32Array(out.classes.length * K);
  out.classes.forEach((c, k) => (oneHot[k * K + c] = 1));
  const logp = tf.logSoftmax(out.logits);
  const loss = tf.div(tf.neg(tf.sum(tf.mul(logp, tf.tensor2d(oneHot, logp.shape)))), out.classes.length) as tf.Scalar;
  return { loss, ...out };
}

export type FrameEvents = {
  loss: tf.Scalar; // mean cross-entropy over the labelled frames
  logits: tf.Tensor2D; // [n, classes]
  classes: Int32Array; // [n] the frames' targets
};
