// The Reasoner's motion features (clips only): what changes between a clip's frames, given to the model directly.
// The stem sees each frame on its own, so before this an event (a recolour, a growth, a stop) could be found
// only by attention comparing frames. With `motion` on, every clip token and every stem cell also gets
//   m_f = W · [x_f − x_(f−1) ; x_(f+1) − x_f]          (0 at the clip's ends: the missing neighbour is the frame itself)
// of its own features x (the prefix's vision tokens, and the stem cells the pointer's keys read), so a key
// frame can be chosen where something changes and the answer can say what did. Both W start at zero: a model
// given motion starts as its old self. Images get 0. Every op has WASM gradients (gather with the scatterND
// gradient of embedLookup, sub, concat, matmul).
import * as tf from '@tensorflow/tfjs-core';
import { dense, embedLookup, type ParamStore } from './layers';
import type { TokenPlan } from './plan';

export function addMotionParams(store: ParamStore, dModel: number, width8: number, dk: number | null): void {
  store.add('motion_tok_w', [2 * dModel, dModel], { kind: 'zeros' });
  if (dk !== null) store.add('motion_key_w', [2 * width8, dk], { kind: 'zeros' });
}

/**
 * Row indices of each row's previous and next frame: rows of one clip view come in frames of `perFrame`
 * consecutive rows; `frame[r]` is the row's frame (−1: not a clip row, which is its own neighbour).
 */
export function neighbourRows(frame: ArrayLike<number>, perFrame: number): { prev: Int32Array; next: Int32Array } {
  const n = frame.length;
  const prev = new Int32Array(n);
  const next = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    const f = frame[r]!;
    prev[r] = f > 0 && r - perFrame >= 0 && frame[r - perFrame] === f - 1 ? r - perFrame : r;
    next[r] = f >= 0 && r + perFrame < n && frame[r + perFrame] === f + 1 ? r + perFrame : r;
  }
  return { prev, next };
}

/** [x − x_prev ; x_next − x] · W for rows x [n, w] (n = prev.length). */
function motionTerm(x: tf.Tensor2D, prev: Int32Array, next: Int32Array, w: tf.Tensor2D): tf.Tensor2D {
  const back = tf.sub(x, embedLookup(x, prev));
  const fwd = tf.sub(embedLookup(x, next), x);
  return dense(tf.concat([back, fwd], 1) as tf.Tensor2D, w);
}

/** The prefix's vision-token features [B·L, d] plus their motion term (plan rows: frameIds = 1 + frame, 0 none). */
export function withTokenMotion(
  store: ParamStore,
  plan: TokenPlan,
  tokens: tf.Tensor2D,
  perFrame: number,
): tf.Tensor2D {
  if (!plan.frameIds) return tokens;
  const frame = Array.from(plan.frameIds, (f, r) => (f > 0 && plan.visionMask![r] ? f - 1 : -1));
  if (!frame.some((f) => f >= 0)) return tokens;
  const { prev, next } = neighbourRows(frame, perFrame);
  return tf.add(tokens, motionTerm(tokens, prev, next, store.get('motion_tok_w') as tf.Tensor2D)) as tf.Tensor2D;
}

/**
 * The stem pointer's keys [I, C·S, dk] plus the motion term of each cell (the same for its S size slots).
 * `cells` [I, C, w8]; `frameOf[i][k]` is cell k's frame slot in input i (−1: none), `perFrame` cells per frame.
 */
export function withKeyMotion(
  store: ParamStore,
  keys: tf.Tensor3D,
  cells: tf.Tensor3D,
  frameOf: number[][],
  perFrame: number,
  slots: number,
): tf.Tensor3D {
  const [I, C, w8] = cells.shape;
  const frame = new Array<number>(I * C).fill(-1);
  frameOf.forEach((fs, i) => fs.forEach((f, k) => (frame[i * C + k] = f)));
  if (!frame.some((f) => f >= 0)) return keys;
  const { prev, next } = neighbourRows(frame, perFrame);
  const dk = keys.shape[2];
  const term = motionTerm(
    tf.reshape(cells, [I * C, w8]) as tf.Tensor2D,
    prev,
    next,
    store.get('motion_key_w') as tf.Tensor2D,
  );
  const sum = tf.add(tf.reshape(keys, [I, C, slots, dk]), tf.reshape(term, [I, C, 1, dk]));
  return tf.reshape(sum, [I, C * slots, dk]) as tf.Tensor3D;
}
