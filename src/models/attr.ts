// The Reasoner's attribute reader (stem pointer only): the answer's attribute words read what the stem's
// detector head sees at the object the step attends to, as its boxes do. For each (cell, size slot)
// candidate n the frozen head gives a distribution over each attribute family f (colour, shape, texture)
// and the slot is the size; a step attends over the candidates with its own query against the pointer's keys,
//   β = softmax_n( q_attr(h) · key_n / √dk + bias_n )           (bias: the pointer's padding and centre prior)
//   p_f(k) = Σ_n β_n · P_f,n(k)                                  what the attended object is, per family
//   logit_v += g_f(h) · log p_f(class of word v)                for the words of family f (e.g. 'red', 'star')
// with g = softplus(W_g h + b_g + gateBias) ≥ 0, so a model given the reader starts close to its old self
// (gateBias −2: g ≈ 0.13) and learns where to trust it. 0 for inputs without vision. Every op has WASM
// gradients (matmul, softmax, softplus, log).
import * as tf from '@tensorflow/tfjs-core';
import { checkThat, InputError } from './errors';
import { dense, softGate, type ParamStore } from './layers';
import type { PointerContext, StemHead } from './pointer';

export interface AttrConfig {
  families: AttrFamily[]; // colour, shape, texture: channels of a slot block of the stem head and their words
  sizeIds: number[]; // the word of each size slot (slot 0 small, slot 1 large); −1: none
  gateBias: number; // −2 — added to the gates' pre-activation at every step
}

export interface AttrFamily {
  offset: number; // first channel of the family's logits in a slot block of the stem head (after the centre logit)
  ids: number[]; // the vocabulary id of each class's word; −1 where the class has no word (e.g. 'solid')
}

export function validateAttrConfig(c: AttrConfig, vocabSize: number, head: StemHead | undefined): void {
  checkThat(head !== undefined, 'attr', "reads the stem's detector head: it needs pointer source 'stem'");
  checkThat(Array.isArray(c.families) && c.families.length > 0, 'attr.families', 'must be a non-empty list');
  checkThat(Array.isArray(c.sizeIds) && c.sizeIds.length === head!.slots, 'attr.sizeIds', `needs ${head!.slots} ids`);
  checkThat(Number.isFinite(c.gateBias), 'attr.gateBias', 'must be finite');
  const ids = (list: number[], what: string) =>
    list.forEach((id) =>
      checkThat(Number.isInteger(id) && id >= -1 && id < vocabSize, what, `ids must be −1 or below ${vocabSize}`),
    );
  ids(c.sizeIds, 'attr.sizeIds');
  c.families.forEach((f, i) => {
    checkThat(Array.isArray(f.ids) && f.ids.length >= 2, `attr.families[${i}]`, 'needs 2 or more classes');
    checkThat(
      Number.isInteger(f.offset) && f.offset >= 1 && f.offset + f.ids.length <= head!.slotOut - 4,
      `attr.families[${i}].offset`,
      'must lie between the centre logit and the box outputs of a slot block',
    );
    ids(f.ids, `attr.families[${i}]`);
  });
}

/** Width of the candidates' attribute table: every family's classes, then the size slots. */
const attrWidth = (c: AttrConfig) => c.families.reduce((a, f) => a + f.ids.length, 0) + c.sizeIds.length;

export function addAttrParams(store: ParamStore, dModel: number, dk: number, c: AttrConfig): void {
  store.add('attr_q_w', [dModel, dk], { kind: 'normal', std: 0.02 });
  store.add('attr_gate_w', [dModel, c.families.length + 1], { kind: 'normal', std: 0.02 });
  store.add('attr_gate_b', [c.families.length + 1], { kind: 'zeros' });
}

/**
 * Each candidate's attribute table [I, N, A] (N = C · slots, cell-major as the stem pointer's): per family the
 * softmax of the head's logits in the candidate's slot block, then the one-hot of its slot. `cells` [I, C, w8].
 */
export function attrCandidates(params: ParamStore, head: StemHead, c: AttrConfig, cells: tf.Tensor3D): tf.Tensor3D {
  const [I, C, w8] = cells.shape;
  const S = head.slots;
  return tf.tidy(() => {
    const heads = dense(
      tf.reshape(cells, [I * C, w8]) as tf.Tensor2D,
      params.get('ptr_head_w'),
      params.get('ptr_head_b'),
    );
    const perSlot: tf.Tensor[] = [];
    for (let s = 0; s < S; s++) {
      const parts = c.families.map((f) =>
        tf.softmax(tf.slice(heads, [0, s * head.slotOut + f.offset], [I * C, f.ids.length])),
      );
      const slot = new Float32Array(S);
      slot[s] = 1;
      parts.push(tf.tile(tf.tensor2d(slot, [1, S]), [I * C, 1]));
      perSlot.push(tf.reshape(tf.concat(parts, 1), [I * C, 1, attrWidth(c)]));
    }
    return tf.reshape(tf.concat(perSlot, 1), [I, C * S, attrWidth(c)]) as tf.Tensor3D;
  });
}

/** The reader's constant maps: the family of each table column [F+1, A], the word of each column [A, V] (zero rows for −1). */
export type AttrMaps = { family: tf.Tensor2D; words: tf.Tensor2D };

/** Built once per model (the caller disposes them with it), not at every step. */
export function attrMaps(c: AttrConfig, V: number): AttrMaps {
  const A = attrWidth(c);
  const F = c.families.length + 1;
  const family = new Float32Array(F * A);
  const words = new Float32Array(A * V);
  let col = 0;
  [...c.families.map((f) => f.ids), c.sizeIds].forEach((ids, f) =>
    ids.forEach((id) => {
      family[f * A + col] = 1;
      if (id >= 0) words[col * V + id] = 1;
      col++;
    }),
  );
  return { family: tf.tensor2d(family, [F, A]), words: tf.tensor2d(words, [A, V]) };
}

/**
 * What the candidates a step attends to hold: β = softmax_n(q(h) · key_n / √dk + bias_n) with q = h · `qWeight`, then
 * Σ_n β_n · table_n, for normed hidden states [B, T, d] of B context rows and `table` [B, N, A]: p [B·T, A], with the
 * hidden states flattened [B·T, d].
 */
export function attended(
  qWeight: tf.Tensor,
  ctx: PointerContext,
  normed: tf.Tensor3D,
  table: tf.Tensor3D,
): { flat: tf.Tensor2D; p: tf.Tensor2D } {
  const [B, T, d] = normed.shape;
  const dk = ctx.keys.shape[2];
  const flat = tf.reshape(normed, [B * T, d]) as tf.Tensor2D;
  const q = tf.reshape(dense(flat, qWeight as tf.Tensor2D), [B, T, dk]);
  const beta = tf.softmax(tf.add(tf.div(tf.matMul(q, ctx.keys, false, true), Math.sqrt(dk)), ctx.bias)); // [B, T, N]
  return { flat, p: tf.reshape(tf.matMul(beta, table), [B * T, -1]) as tf.Tensor2D };
}

/** logits [B·T, V] plus the reader's term for B rows of context ctx (with `attr`) and normed hidden [B, T, d]. */
export function attrLogits(
  params: ParamStore,
  c: AttrConfig,
  maps: AttrMaps,
  ctx: PointerContext,
  normed: tf.Tensor3D,
  logits: tf.Tensor2D,
): tf.Tensor2D {
  if (!ctx.attr) throw new InputError('attr: the pointer context has no attribute table');
  const [B, T] = normed.shape;
  return tf.tidy(() => {
    const { flat, p } = attended(params.get('attr_q_w'), ctx, normed, ctx.attr!); // p [B·T, A]
    const gates = softGate(params, 'attr_gate', flat, c.gateBias); // [B·T, F+1]
    const weighted = tf.mul(tf.matMul(gates, maps.family), tf.log(tf.add(p, 1e-4))); // [B·T, A]
    const has = tf.reshape(tf.tile(ctx.has, [1, T, 1]), [B * T, 1]);
    return tf.add(logits, tf.mul(tf.matMul(weighted, maps.words), has)) as tf.Tensor2D;
  });
}
