// The Reasoner's scene reader (stem pointer and attribute reader only): two readings of the frozen stem head that
// a step can trust or not, each behind its own gate g = softplus(W_g h + b_g + gateBias).
// - The named-object prior: the prompt's attribute words (e.g. 'small', 'red', 'star' in "what colour is the small
//   red star ?") score each candidate n by how well its attributes match, the attribute reader's table run backwards:
//     named_n = Σ_a named_a · log(table_n,a + 0.02)          (table: attr.ts; named: 1 at each attribute the prompt names)
//   and every pointer-style attention — the pointer's boxes and frames, the attribute and event readers — adds
//   g_named(h) · named_n to its scores. 0 where the prompt names nothing.
// - The count reader: the number words read how many objects the stem detects on an image (candidates whose
//   centre logit is above −1, one per object: a candidate whose centre lies inside a stronger one's box is the same
//   object), k̂, as  logit_{word k} += g_count(h) · −|k − k̂|.  With `zeroId` (the word 'zero') it also reads clips:
//   a = max over the clip's cells of the event detector's p(event) (clip-events.ts), and 'zero' gets
//   g_count · log(1 − a + 0.05), every other number word g_count · log(a + 0.05) — "i look at zero key frames"
//   (nothing happens) where the detector sees nothing. 0 for text.
// The readings are constants of the input (no gradient flows into the frozen stem); the gates learn. Every op has
// WASM gradients (matmul, softplus, mul, add).
import * as tf from '@tensorflow/tfjs-core';
import { checkThat, InputError } from './errors';
import { dense, softGate, type ParamStore } from './layers';
import type { PointerContext, StemHead } from './pointer';
import type { AttrConfig } from './attr';

/**
 * Candidates above this centre logit count (the stem's held-out recall at 0 is 86 %; on 90 held-out image-cls,
 * i2t and vqa scenes of seed 7919 the count was exact for 52 % at 0 and 66 % at −1, −1.5 and −2:
 * scripts/probes/count-check.ts).
 */
const COUNT_THRESHOLD = -1;

export interface SceneConfig {
  named: boolean; // true — the named-object prior
  namedGateBias: number; // 0 — the prior's gate starts at softplus(0) ≈ 0.69
  numberIds: number[]; // the word of each count 1, 2, …: ids of 'one', 'two', …; [] — no count reader
  countGateBias: number; // −2 — the count reader's gate starts at ≈ 0.13
  zeroId?: number; // the word 'zero': the count reader also reads clips (is anything happening?); absent — images only
}

/** The count reader's words in column order: 'zero' first when the config reads clips, then counts 1, 2, …. */
const countIds = (c: SceneConfig): number[] =>
  c.numberIds.length === 0 ? [] : c.zeroId === undefined ? c.numberIds : [c.zeroId, ...c.numberIds];

export function validateSceneConfig(c: SceneConfig, vocabSize: number, hasAttr: boolean): void {
  checkThat(hasAttr, 'scene', "reads the attribute reader's table: it needs `attr` (and a stem pointer)");
  checkThat(typeof c.named === 'boolean', 'scene.named', 'must be true or false');
  checkThat(
    Number.isFinite(c.namedGateBias) && Number.isFinite(c.countGateBias),
    'scene',
    'gate biases must be finite',
  );
  checkThat(
    Array.isArray(c.numberIds) && c.numberIds.every((id) => Number.isInteger(id) && id >= 0 && id < vocabSize),
    'scene.numberIds',
    `ids must lie in [0, ${vocabSize})`,
  );
  checkThat(
    c.zeroId === undefined || (Number.isInteger(c.zeroId) && c.zeroId >= 0 && c.zeroId < vocabSize),
    'scene.zeroId',
    `must lie in [0, ${vocabSize})`,
  );
}

export function addSceneParams(store: ParamStore, dModel: number): void {
  store.add('scene_gate_w', [dModel, 2], { kind: 'normal', std: 0.02 }); // [named, count]
  store.add('scene_gate_b', [2], { kind: 'zeros' });
}

/** Which attribute-table columns (attr.ts: each family's classes, then the size slots) the prompt's words name. */
export function namedColumns(attr: AttrConfig, promptIds: ArrayLike<number>): Float32Array {
  const columns = [...attr.families.flatMap((f) => f.ids), ...attr.sizeIds];
  const said = new Set(Array.from(promptIds));
  return Float32Array.from(columns, (id) => (id >= 0 && said.has(id) ? 1 : 0));
}

/**
 * How many objects a view's candidates hold: those with centre logit > COUNT_THRESHOLD, strongest first, one per object (a
 * candidate whose box centre lies inside a kept one's box is that object). `centre` [N], `mu` [N·4] (x1 y1 x2 y2),
 * `valid` [N] (0: padding).
 */
export function detectCount(centre: ArrayLike<number>, mu: ArrayLike<number>, valid: ArrayLike<number>): number {
  const order = Array.from({ length: centre.length }, (_, n) => n)
    .filter((n) => valid[n]! > 0 && centre[n]! > COUNT_THRESHOLD)
    .sort((a, b) => centre[b]! - centre[a]!);
  const kept: number[] = [];
  for (const n of order) {
    const cx = (mu[4 * n]! + mu[4 * n + 2]!) / 2;
    const cy = (mu[4 * n + 1]! + mu[4 * n + 3]!) / 2;
    const inside = (k: number) =>
      cx >= mu[4 * k]! && cx <= mu[4 * k + 2]! && cy >= mu[4 * k + 1]! && cy <= mu[4 * k + 3]!;
    if (!kept.some(inside)) kept.push(n);
  }
  return kept.length;
}

/**
 * The scene context of I inputs: named [I, 1, N] (the prior) and count [I, 1, K] (−|k − k̂|, zeros where not an
 * image). `cells` [I, C, w8]; `isImage[i]` whether input i is an image; ctx holds the attribute table and boxes.
 */
export function sceneContext(
  params: ParamStore,
  head: StemHead,
  c: SceneConfig,
  attr: AttrConfig,
  ctx: PointerContext,
  cells: tf.Tensor3D,
  promptIds: ArrayLike<number>[],
  isImage: boolean[],
): NonNullable<PointerContext['scene']> {
  if (!ctx.attr || !ctx.mu) throw new InputError('scene: the pointer context has no attribute table or boxes');
  const [I, C, w8] = cells.shape;
  const S = head.slots;
  const N = C * S;
  const K = countIds(c).length;
  const zero = c.zeroId === undefined ? 0 : 1; // column of count 1
  const named = tf.tidy(() => {
    const cols = tf.tensor2d(Float32Array.from(promptIds.flatMap((ids) => Array.from(namedColumns(attr, ids)))), [
      I,
      ctx.attr!.shape[2],
    ]);
    const score = tf.matMul(tf.log(tf.add(ctx.attr!, 0.02)), tf.reshape(cols, [I, -1, 1])); // [I, N, 1]
    return tf.reshape(score, [I, 1, N]) as tf.Tensor3D;
  });
  const counts = new Float32Array(I * K);
  if (K > 0 && zero && ctx.events) {
    const active = ctx.events.active.dataSync();
    const clip = ctx.events.has.dataSync();
    for (let i = 0; i < I; i++) {
      if (!clip[i]) continue;
      counts[i * K] = Math.log(1 - active[i]! + 0.05);
      for (let j = 1; j < K; j++) counts[i * K + j] = Math.log(active[i]! + 0.05);
    }
  }
  if (K > 0 && isImage.some(Boolean)) {
    const heads = tf.tidy(() =>
      dense(tf.reshape(cells, [I * C, w8]) as tf.Tensor2D, params.get('ptr_head_w'), params.get('ptr_head_b')),
    );
    const h = heads.dataSync();
    heads.dispose();
    const mu = ctx.mu.dataSync();
    const bias = ctx.bias.dataSync();
    for (let i = 0; i < I; i++) {
      if (!isImage[i]) continue;
      const centre = Float32Array.from(
        { length: N },
        (_, n) => h[(i * C + Math.floor(n / S)) * head.out + (n % S) * head.slotOut]!,
      );
      const valid = Float32Array.from({ length: N }, (_, n) => (bias[i * N + n]! > -1e8 ? 1 : 0));
      const k = detectCount(centre, mu.subarray(i * N * 4, (i + 1) * N * 4), valid);
      for (let j = 0; j < K; j++) counts[i * K + j] = -Math.abs(j + 1 - zero - k);
    }
  }
  return { named, count: tf.tensor3d(K > 0 ? counts : new Float32Array(I), [I, 1, Math.max(K, 1)]) };
}

/** The gates [B·T, 2] (named, count) of hidden states `flat` [B·T, d]: once per head call, read by both terms. */
export const sceneGates = (params: ParamStore, c: SceneConfig, flat: tf.Tensor2D): tf.Tensor2D =>
  tf.tidy(() => softGate(params, 'scene_gate', flat, tf.tensor1d([c.namedGateBias, c.countGateBias])));

/** The named-object prior's term [B, T, N] for the scores of B context rows, from their steps' gates [B·T, 2]. */
export function namedScores(c: SceneConfig, ctx: PointerContext, gates: tf.Tensor2D, T: number): tf.Tensor3D | null {
  if (!ctx.scene || !c.named) return null;
  const B = gates.shape[0] / T;
  return tf.tidy(() => {
    const g = tf.reshape(tf.slice(gates, [0, 0], [B * T, 1]), [B, T, 1]);
    return tf.mul(g, ctx.scene!.named) as tf.Tensor3D;
  });
}

/** The count words' map [K, V]: row k has a 1 at the word of the k-th count column ('zero' first when read). Built once per model. */
export function countWordMap(c: SceneConfig, V: number): tf.Tensor2D {
  const ids = countIds(c);
  const m = new Float32Array(ids.length * V);
  ids.forEach((id, k) => (m[k * V + id] = 1));
  return tf.tensor2d(m, [ids.length, V]);
}

/** logits [B·T, V] plus the count reader's term, for B rows of context ctx and their steps' gates [B·T, 2]. */
export function countLogits(
  c: SceneConfig,
  words: tf.Tensor2D,
  ctx: PointerContext,
  gates: tf.Tensor2D,
  logits: tf.Tensor2D,
): tf.Tensor2D {
  if (!ctx.scene || c.numberIds.length === 0) return logits;
  const B = ctx.scene.count.shape[0];
  const T = gates.shape[0] / B;
  return tf.tidy(() => {
    const g = tf.slice(gates, [0, 1], [B * T, 1]); // [B·T, 1]
    const count = tf.reshape(tf.tile(ctx.scene!.count, [1, T, 1]), [B * T, -1]); // [B·T, K]
    return tf.add(logits, tf.matMul(tf.mul(g, count), words)) as tf.Tensor2D;
  });
}
