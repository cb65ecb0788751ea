// Boxes and frames the Reasoner points with. The logits of location tokens (<loc_k>, a coordinate on the
// 0–1000 scale) and frame tokens (<frame_j>) get a pointer term read off the prefix's vision tokens:
//   α = softmax_c( q(h) · key(v_c) / √dk )                         which vision token the step points at
//   μ_c,t = centre_c(axis t) + span_c · box_t(v_c)                    the coordinate t ∈ {x1, y1, x2, y2} token c proposes
//   loc:   logit_k += log Σ_t τ_t(h) Σ_c α_c · exp(−(v_k − μ_c,t)² / 2σ²)    τ: which coordinate comes next
//   frame: logit_j += log Σ_{c in frame j} α_c
// so a box is chosen from what the model sees (a cell plus an offset), and a key frame from the frame whose
// tokens it attends to. The base (tied) logits still add their own term; the rendered T-CoT is unchanged.
import * as tf from '@tensorflow/tfjs-core';
import { checkInt, checkThat } from './errors';
import { dense, layerNorm, type ParamStore } from './layers';

export interface PointerConfig {
  locStart: number; // id of <loc_0>; locBins consecutive ids follow
  locBins: number; // 101: bin k stands for k·1000/(locBins − 1)
  frameStart: number; // id of <frame_0>; frames consecutive ids follow
  frames: number; // 16
  dk: number; // 64 — pointer query/key width
  sigma: number; // 15 — width (0–1000 units) of each proposed coordinate's bump
}

export function validatePointerConfig(c: PointerConfig, vocabSize: number): void {
  checkInt(c, 'locBins', 2, 4096);
  checkInt(c, 'locStart', 0, vocabSize - c.locBins);
  checkInt(c, 'frames', 1, 4096);
  checkInt(c, 'frameStart', 0, vocabSize - c.frames);
  checkInt(c, 'dk', 4, 512);
  checkThat(typeof c.sigma === 'number' && c.sigma > 0, 'pointer.sigma', 'must be > 0');
  checkThat(c.locStart + c.locBins <= c.frameStart || c.frameStart + c.frames <= c.locStart, 'pointer', 'location and frame ids overlap');
}

export function addPointerParams(store: ParamStore, dModel: number, c: PointerConfig): void {
  const std = 0.02;
  store.add('ptr_ln_g', [dModel], { kind: 'ones' });
  store.add('ptr_ln_b', [dModel], { kind: 'zeros' });
  store.add('ptr_key_w', [dModel, c.dk], { kind: 'normal', std });
  store.add('ptr_q_w', [dModel, c.dk], { kind: 'normal', std });
  store.add('ptr_box_w', [dModel, 4], { kind: 'normal', std });
  store.add('ptr_box_b', [4], { kind: 'zeros' });
  store.add('ptr_type_w', [dModel, 4], { kind: 'normal', std });
  store.add('ptr_type_b', [4], { kind: 'zeros' });
}

/** Where each vision token of one input sits: its centre (0–1000), its side (0–1000) and its clip frame (−1: none). */
export interface TokenGeometry {
  cx: number[];
  cy: number[];
  span: number[];
  frame: number[];
}

/** The pointer's view of a batch of prefixes: per input (or per row after expanding), padded to N vision tokens. */
export type PointerContext = {
  keys: tf.Tensor3D; // [I, N, dk]
  bumps: tf.Tensor3D; // [I, N, 4·locBins]: exp(−(v_k − μ_c,t)² / 2σ²), t-major
  frames: tf.Tensor3D; // [I, N, frames]: one-hot of each token's frame
  mask: tf.Tensor3D; // [I, 1, N]: 0 for a real token, −1e9 for padding
  has: tf.Tensor3D; // [I, 1, 1]: 1 when the input has vision tokens
};

const AXIS = [0, 1, 0, 1]; // x1 y1 x2 y2 → x, y, x, y

/**
 * Build the context from the prefix's vision hidden states `vision` [I, N, d] (padded rows are ignored) and
 * the tokens' geometry. Differentiable in `vision` and the pointer parameters.
 */
export function pointerContext(store: ParamStore, c: PointerConfig, vision: tf.Tensor3D, geometry: TokenGeometry[], lnEps: number): PointerContext {
  const [I, N, d] = vision.shape;
  const centre = new Float32Array(I * N * 4);
  const span = new Float32Array(I * N * 4);
  const frames = new Float32Array(I * N * c.frames);
  const mask = new Float32Array(I * N).fill(-1e9);
  const has = new Float32Array(I);
  geometry.forEach((g, i) => {
    has[i] = g.cx.length > 0 ? 1 : 0;
    g.cx.forEach((_, t) => {
      const at = i * N + t;
      mask[at] = 0;
      for (let k = 0; k < 4; k++) {
        centre[at * 4 + k] = AXIS[k] === 0 ? g.cx[t]! : g.cy[t]!;
        span[at * 4 + k] = g.span[t]!;
      }
      if (g.frame[t]! >= 0 && g.frame[t]! < c.frames) frames[at * c.frames + g.frame[t]!] = 1;
    });
  });
  return tf.tidy(() => {
    const flat = layerNorm(tf.reshape(vision, [I * N, d]) as tf.Tensor2D, store.get('ptr_ln_g'), store.get('ptr_ln_b'), lnEps); // [I·N, d]
    const keys = tf.reshape(dense(flat, store.get('ptr_key_w')), [I, N, c.dk]) as tf.Tensor3D;
    const mu = tf.add(tf.tensor2d(centre, [I * N, 4]), tf.mul(tf.tensor2d(span, [I * N, 4]), dense(flat, store.get('ptr_box_w'), store.get('ptr_box_b')))); // [I·N, 4]
    const bins = tf.tensor3d(Float32Array.from({ length: c.locBins }, (_, k) => (k * 1000) / (c.locBins - 1)), [1, 1, c.locBins]);
    const diff = tf.sub(bins, tf.reshape(mu, [I * N, 4, 1])); // [I·N, 4, bins]
    const bumps = tf.reshape(tf.exp(tf.div(tf.square(diff), -2 * c.sigma * c.sigma)), [I, N, 4 * c.locBins]) as tf.Tensor3D;
    return { keys, bumps, frames: tf.tensor3d(frames, [I, N, c.frames]), mask: tf.tensor3d(mask, [I, 1, N]), has: tf.tensor3d(has, [I, 1, 1]) };
  });
}

/** The context's rows for each output row (`pick(t)` maps an [I, …] tensor to [R, …], e.g. gather or expandRows). */
export function mapContext(ctx: PointerContext, pick: (t: tf.Tensor) => tf.Tensor): PointerContext {
  return { keys: pick(ctx.keys) as tf.Tensor3D, bumps: pick(ctx.bumps) as tf.Tensor3D, frames: pick(ctx.frames) as tf.Tensor3D, mask: pick(ctx.mask) as tf.Tensor3D, has: pick(ctx.has) as tf.Tensor3D };
}

/**
 * Full logits [B·T, V] from the base logits [B·T, V] and the normed hidden states [B, T, d] of B rows whose
 * context is ctx (one entry per row).
 */
export function pointerLogits(store: ParamStore, c: PointerConfig, ctx: PointerContext, normed: tf.Tensor3D, base: tf.Tensor2D): tf.Tensor2D {
  const [B, T, d] = normed.shape;
  const V = base.shape[1];
  const flat = tf.reshape(normed, [B * T, d]) as tf.Tensor2D;
  const q = tf.reshape(dense(flat, store.get('ptr_q_w')), [B, T, c.dk]); // [B, T, dk]
  const scores = tf.add(tf.div(tf.matMul(q, ctx.keys, false, true), Math.sqrt(c.dk)), ctx.mask); // [B, T, N]
  const alpha = tf.softmax(scores); // [B, T, N]
  const tau = tf.reshape(tf.softmax(dense(flat, store.get('ptr_type_w'), store.get('ptr_type_b'))), [B, T, 4, 1]); // [B, T, 4, 1]
  const perType = tf.reshape(tf.matMul(alpha, ctx.bumps), [B, T, 4, c.locBins]); // [B, T, N]·[B, N, 4·bins] → [B, T, 4, bins]
  const loc = tf.mul(tf.log(tf.add(tf.sum(tf.mul(perType, tau), 2), 1e-6)), ctx.has); // [B, T, bins]; 0 without vision
  const frame = tf.mul(tf.log(tf.add(tf.matMul(alpha, ctx.frames), 1e-6)), ctx.has); // [B, T, frames]
  const add = new Array<tf.Tensor>();
  const zeros = (n: number) => tf.zeros([B, T, n]);
  // The extra term for every vocabulary id, in id order: zeros, loc bins, zeros, frames, zeros.
  const spans = [
    { start: c.locStart, size: c.locBins, value: loc },
    { start: c.frameStart, size: c.frames, value: frame },
  ].sort((a, b) => a.start - b.start);
  let at = 0;
  for (const s of spans) {
    if (s.start > at) add.push(zeros(s.start - at));
    add.push(s.value);
    at = s.start + s.size;
  }
  if (at < V) add.push(zeros(V - at));
  return tf.add(base, tf.reshape(tf.concat(add, 2), [B * T, V])) as tf.Tensor2D;
}
