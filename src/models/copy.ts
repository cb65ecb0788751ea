// The Reasoner's copy pointer (pointer-generator style): a T-CoT token may be copied from the input's own text
// (the prompt tokens after <sep>) instead of generated from the vocabulary. The head's distribution becomes
//   p(v) = (1 − g) · softmax(logits)(v) + g · Σ_{i : text_i = v} α_i,
// with α = softmax over the text positions of (W_q h)·(W_k k_i) / √dk, k_i the final-normed hidden state of
// text token i, and the gate g = σ(h · w_g + b_g) (0 when the input has no text). It returns log p as the new
// logits, so sampling, temperature and log-probs downstream are unchanged. Every op has WASM gradients (matmul,
// softmax, sigmoid, log; the rows are picked with embedLookup).
import * as tf from '@tensorflow/tfjs-core';
import type { ParamStore } from './layers';

export interface CopyConfig {
  dk: number; // 32 — query / key width of the copy scores
  sepId: number; // the <sep> token: the input's own text follows it in the prompt
  gateBias: number; // −2 — the gate's initial bias: a model given a copy head starts close to its old self
}

export function validateCopyConfig(c: CopyConfig, vocabSize: number): void {
  if (!Number.isInteger(c.dk) || c.dk < 1) throw new RangeError(`copy.dk must be a positive integer, got ${c.dk}`);
  if (!Number.isInteger(c.sepId) || c.sepId < 0 || c.sepId >= vocabSize)
    throw new RangeError(`copy.sepId must be a token id below ${vocabSize}, got ${c.sepId}`);
  if (!Number.isFinite(c.gateBias)) throw new RangeError(`copy.gateBias must be finite, got ${c.gateBias}`);
}

export function addCopyParams(store: ParamStore, dModel: number, c: CopyConfig): void {
  const std = 0.02;
  store.add('copy_q_w', [dModel, c.dk], { kind: 'normal', std });
  store.add('copy_k_w', [dModel, c.dk], { kind: 'normal', std });
  store.add('copy_gate_w', [dModel, 1], { kind: 'normal', std });
  store.add('copy_gate_b', [1], { kind: 'zeros' });
}

/** Per input: its text tokens' keys, which vocabulary id each is, and whether it has text at all. */
// (a type, not an interface, so that it is a tf.TensorContainer and tf.dispose takes it whole)
export type CopyContext = {
  keys: tf.Tensor3D; // [I, N, dk]
  ids: tf.Tensor3D; // [I, N, V]: one-hot of each text token's id (0 rows for padding)
  bias: tf.Tensor3D; // [I, 1, N]: 0 for text tokens, −1e9 for padding
  has: tf.Tensor3D; // [I, 1, 1]: 1 when the input has text
};

/** Where the copyable text sits in each prompt: token indices (within the prompt) after its first <sep>. */
export function copyPositions(promptIds: ArrayLike<number>, sepId: number): number[] {
  const out: number[] = [];
  let after = false;
  for (let i = 0; i < promptIds.length; i++) {
    if (after) out.push(i);
    else if (promptIds[i] === sepId) after = true;
  }
  return out;
}

/**
 * The copy context from normed hidden states picked at the text tokens: `textHidden` [I·N, d] (row I·N + n =
 * input I's n-th text token, padding rows anything), `tokenIds[I][n]` their ids, N = the longest text.
 */
export function copyContext(
  params: ParamStore,
  vocabSize: number,
  textHidden: tf.Tensor2D,
  tokenIds: number[][],
  N: number,
): CopyContext {
  const I = tokenIds.length;
  const ids = new Float32Array(I * N * vocabSize);
  const bias = new Float32Array(I * N).fill(-1e9);
  const has = new Float32Array(I);
  tokenIds.forEach((row, b) => {
    row.forEach((id, n) => {
      ids[(b * N + n) * vocabSize + id] = 1;
      bias[b * N + n] = 0;
    });
    has[b] = row.length > 0 ? 1 : 0;
  });
  const dk = params.get('copy_k_w').shape[1]!;
  return {
    keys: tf.reshape(tf.matMul(textHidden, params.get('copy_k_w') as tf.Tensor2D), [I, N, dk]) as tf.Tensor3D, // [I·N, dk] → [I, N, dk]
    ids: tf.tensor3d(ids, [I, N, vocabSize]),
    bias: tf.tensor3d(bias, [I, 1, N]),
    has: tf.tensor3d(has, [I, 1, 1]),
  };
}

export function mapCopyContext(ctx: CopyContext, pick: (t: tf.Tensor) => tf.Tensor): CopyContext {
  return {
    keys: pick(ctx.keys) as tf.Tensor3D,
    ids: pick(ctx.ids) as tf.Tensor3D,
    bias: pick(ctx.bias) as tf.Tensor3D,
    has: pick(ctx.has) as tf.Tensor3D,
  };
}

/**
 * log p of the mixture, [B·T, V], from the head's logits [B·T, V] and the normed hidden states [B, T, d] of B rows
 * (ctx: one entry per row).
 */
export function copyMix(
  params: ParamStore,
  c: CopyConfig,
  ctx: CopyContext,
  normed: tf.Tensor3D,
  logits: tf.Tensor2D,
): tf.Tensor2D {
  const [B, T, d] = normed.shape;
  const V = logits.shape[1];
  const flat = tf.reshape(normed, [B * T, d]) as tf.Tensor2D;
  const q = tf.reshape(tf.matMul(flat, params.get('copy_q_w') as tf.Tensor2D), [B, T, c.dk]); // [B·T, dk] → [B, T, dk]
  const scores = tf.add(tf.mul(tf.matMul(q, ctx.keys, false, true), 1 / Math.sqrt(c.dk)), ctx.bias); // [B, T, N]
  const copied = tf.reshape(tf.matMul(tf.softmax(scores), ctx.ids), [B * T, V]); // [B, T, V] → [B·T, V]
  const gate = tf.reshape(
    tf.mul(
      tf.reshape(
        tf.sigmoid(
          tf.add(
            tf.matMul(flat, params.get('copy_gate_w') as tf.Tensor2D),
            tf.add(params.get('copy_gate_b'), c.gateBias),
          ),
        ),
        [B, T, 1],
      ),
      ctx.has,
    ),
    [B * T, 1],
  ); // [B·T, 1]
  const mixed = tf.add(tf.mul(tf.sub(1, gate), tf.softmax(logits)), tf.mul(gate, copied));
  return tf.log(tf.add(mixed, 1e-9)) as tf.Tensor2D;
}
