// The Reasoner's clip-event detector and reader (stem pointer only). The stem sees each frame on its own; a small
// head on each stem cell's features and their change since the frame before and until the frame after,
//   p_c = softmax( W2 · relu( W1 · [x_c ; x_c − x_c,prev ; x_c,next − x_c] + b1 ) + b2 )    (class 0: nothing happens)
// is trained on the world's exact clip states in its own stage (src/train/clip-events-trainer.ts) and frozen with the
// stem (its parameters are `vis.ev_*`). The Reasoner then reads it twice:
// - the pointer's candidates on clips get  w_prior · log(1 − p_c(0) + 0.05)  added to their prior, so key frames
//   (and the attribute reader's attention) go where something happens;
// - the answer's event words read the kind at the cell the step attends to, as the attribute reader reads colours:
//   β = softmax_n(q_ev(h) · key_n / √dk + bias_n), p(k) = Σ_n β_n · p_n(k | an event), and
//   logit_v += g(h) · log p(k) for the words of kind k ('grows'; 'turns' and 'changes' for a recolour),
//   g = softplus(W_g h + b_g + gateBias).
// Images and text get neither term. Every op has WASM gradients.
import * as tf from '@tensorflow/tfjs-core';
import { attended } from './attr';
import { checkInt, checkThat } from './errors';
import { dense, softGate, embedLookup, type ParamStore } from './layers';
import { neighbourRows } from './motion';
import type { PointerContext } from './pointer';

export interface ClipEventsConfig {
  hidden: number; // 96 — the detector's hidden width
  words: number[][]; // per event kind (class 1, 2, …): the vocabulary ids of its words
  gateBias: number; // −2 — added to the reader's gate pre-activation
}

export const eventClasses = (c: ClipEventsConfig): number => 1 + c.words.length;

export function validateClipEventsConfig(c: ClipEventsConfig, vocabSize: number, stemPointer: boolean): void {
  checkThat(stemPointer, 'clipEvents', "reads the stem's cells: it needs pointer source 'stem'");
  checkInt(c, 'hidden', 1, 4096);
  checkThat(Number.isFinite(c.gateBias), 'clipEvents.gateBias', 'must be finite');
  checkThat(Array.isArray(c.words) && c.words.length >= 1, 'clipEvents.words', 'needs one list per event kind');
  c.words.forEach((ids, k) =>
    checkThat(
      Array.isArray(ids) && ids.every((id) => Number.isInteger(id) && id >= 0 && id < vocabSize),
      `clipEvents.words[${k}]`,
      `ids must lie in [0, ${vocabSize})`,
    ),
  );
}

/** The detector's parameters (vis.ev_*: trained in their own stage, frozen with the stem) and the reader's. */
export function addClipEventParams(
  store: ParamStore,
  c: ClipEventsConfig,
  width8: number,
  dModel: number,
  dk: number,
): void {
  store.add('vis.ev_w1', [3 * width8, c.hidden], { kind: 'normal', std: Math.sqrt(2 / (3 * width8)) });
  store.add('vis.ev_b1', [c.hidden], { kind: 'zeros' });
  store.add('vis.ev_w2', [c.hidden, eventClasses(c)], { kind: 'normal', std: 0.02 });
  store.add('vis.ev_b2', [eventClasses(c)], { kind: 'zeros' });
  store.add('ev_prior_w', [1], { kind: 'ones' });
  store.add('ev_q_w', [dModel, dk], { kind: 'normal', std: 0.02 });
  store.add('ev_gate_w', [dModel, 1], { kind: 'normal', std: 0.02 });
  store.add('ev_gate_b', [1], { kind: 'zeros' });
}

/**
 * The detector's logits [n, classes] for n cell rows `cells` [n, w8]; `frame[r]` is row r's frame slot (−1: not a
 * clip cell) and rows of one clip come in frames of `perFrame` consecutive rows.
 */
export function cellEventLogits(
  store: ParamStore,
  cells: tf.Tensor2D,
  frame: ArrayLike<number>,
  perFrame: number,
): tf.Tensor2D {
  const { prev, next } = neighbourRows(frame, perFrame);
  return tf.tidy(() => {
    const back = tf.sub(cells, embedLookup(cells, prev));
    const fwd = tf.sub(embedLookup(cells, next), cells);
    const x = tf.concat([cells, back, fwd], 1) as tf.Tensor2D;
    const h = tf.relu(dense(x, store.get('vis.ev_w1'), store.get('vis.ev_b1')));
    return dense(h, store.get('vis.ev_w2'), store.get('vis.ev_b2'));
  });
}

/** The pointer context with the event prior on clip cells and each candidate's event kinds (ctx.events). */
export function withClipEvents(
  store: ParamStore,
  ctx: PointerContext,
  cells: tf.Tensor3D,
  slotOf: number[][],
  perFrame: number,
  slots: number,
): PointerContext {
  const [I, C, w8] = cells.shape;
  const frame = new Array<number>(I * C).fill(-1);
  slotOf.forEach((fs, i) => fs.forEach((f, k) => (frame[i * C + k] = f)));
  if (!frame.some((f) => f >= 0)) return ctx;
  const isClip = Float32Array.from(frame, (f) => (f >= 0 ? 1 : 0));
  const has = Float32Array.from(slotOf, (fs) => (fs.some((f) => f >= 0) ? 1 : 0));
  return tf.tidy(() => {
    const logits = cellEventLogits(store, tf.reshape(cells, [I * C, w8]) as tf.Tensor2D, frame, perFrame);
    const p = tf.softmax(logits); // [I·C, K]
    const K = p.shape[1];
    const none = tf.slice(p, [0, 0], [I * C, 1]);
    const kinds = tf.slice(p, [0, 1], [I * C, K - 1]);
    const given = tf.div(kinds, tf.add(tf.sum(kinds, 1, true), 1e-6)); // p(kind | an event)
    const prior = tf.mul(
      tf.mul(tf.log(tf.add(tf.sub(1, none), 0.05)), tf.tensor2d(isClip, [I * C, 1])),
      store.get('ev_prior_w'),
    ); // [I·C, 1]
    const perSlot = (t: tf.Tensor, w: number) =>
      tf.reshape(tf.tile(tf.reshape(t, [I * C, 1, w]), [1, slots, 1]), [I, C * slots, w]); // cell-major, slot-minor
    const bias = tf.add(ctx.bias, tf.reshape(perSlot(prior, 1), [I, 1, C * slots])) as tf.Tensor3D;
    const active = tf.max(tf.reshape(tf.mul(tf.sub(1, none), tf.tensor2d(isClip, [I * C, 1])), [I, C]), 1); // [I]
    return {
      ...ctx,
      bias,
      events: {
        kinds: perSlot(given, K - 1) as tf.Tensor3D,
        has: tf.tensor3d(has, [I, 1, 1]),
        active: tf.reshape(active, [I, 1, 1]) as tf.Tensor3D,
      },
    };
  });
}

/** The reader's word map [K − 1, V]: row k has a 1 at each word of kind k. Built once per model. */
export function eventWordMap(c: ClipEventsConfig, V: number): tf.Tensor2D {
  const m = new Float32Array(c.words.length * V);
  c.words.forEach((ids, k) => ids.forEach((id) => (m[k * V + id] = 1)));
  return tf.tensor2d(m, [c.words.length, V]);
}

/** logits [B·T, V] plus the reader's term, for B rows of context ctx and normed hidden [B, T, d]; the logits as
 * they are when the contexts have no event table (no clip). */
export function eventLogits(
  store: ParamStore,
  c: ClipEventsConfig,
  words: tf.Tensor2D,
  ctx: PointerContext,
  normed: tf.Tensor3D,
  logits: tf.Tensor2D,
): tf.Tensor2D {
  const events = ctx.events;
  if (!events) return logits; // contexts without a clip: nothing to read
  const [B, T] = normed.shape;
  return tf.tidy(() => {
    const { flat, p } = attended(store.get('ev_q_w'), ctx, normed, events.kinds); // p [B·T, K−1]
    const gate = softGate(store, 'ev_gate', flat, c.gateBias); // [B·T, 1]
    const has = tf.reshape(tf.tile(events.has, [1, T, 1]), [B * T, 1]); // clips only
    return tf.add(logits, tf.matMul(tf.mul(tf.mul(gate, has), tf.log(tf.add(p, 1e-4))), words)) as tf.Tensor2D;
  });
}
