// Boxes and frames the Reasoner points with. The logits of location tokens (<loc_k>, a coordinate on the
// 0–1000 scale) and frame tokens (<frame_j>) get a pointer term read off the prefix's vision tokens:
//   α = softmax_c( q(h) · key(v_c) / √dk )                         which vision token the step points at
//   μ_c,t = centre_c(axis t) + span_c · box_t(v_c)                    the coordinate t ∈ {x1, y1, x2, y2} token c proposes
//   loc:   logit_k += log Σ_t τ_t(h) Σ_c α_c · exp(−(v_k − μ_c,t)² / 2σ²)    τ: which coordinate comes next
//   frame: logit_j += log Σ_{c in frame j} α_c
// so a box is chosen from what the model sees (a cell plus an offset), and a key frame from the frame whose
// tokens it attends to. The base (tied) logits still add their own term; the rendered T-CoT is unchanged.
// With `source: 'stem'` the candidates are the stem's 8-px cells and size slots instead of the model's tokens,
// and each candidate's box is the one the stem's own detector head proposes there (the vision stage's head,
// copied in and fine-tuned): μ_c,s = the head's box; key_c,s = key(h_token(c)) + W·[cell features; slot
// outputs]; the slot's centre logit is a prior on α. The pointer then only has to choose *which* object.
import * as tf from '@tensorflow/tfjs-core';
import { mapCopyContext, type CopyContext } from './copy';
import { checkInt, checkThat, InputError } from './errors';
import { dense, layerNorm, type ParamStore } from './layers';

export interface PointerConfig {
  locStart: number; // id of <loc_0>; locBins consecutive ids follow
  locBins: number; // 101: bin k stands for k·1000/(locBins − 1)
  frameStart: number; // id of <frame_0>; frames consecutive ids follow
  frames: number; // 16
  dk: number; // 64 — pointer query/key width
  sigma: number; // 15 — width (0–1000 units) of each proposed coordinate's bump
  source?: 'tokens' | 'stem'; // what it points at: the model's vision tokens (default) or the stem's cells and slots
  stemHead?: StemHead; // with source 'stem': the layout of the stem's detector head
  boxPrior?: boolean; // with source 'stem': inside a box, point at candidates whose proposal agrees with the coordinates written so far, not at ones already boxed (see boxPriors)
}

/** The stem's dense head per 8-px cell (src/train/vision-data.ts): `slots` blocks of `slotOut` (centre logit first, box dx dy w h last), then the rest. */
export interface StemHead {
  out: number; // 57
  slots: number; // 2 (small, large)
  slotOut: number; // 24
}

export function validatePointerConfig(c: PointerConfig, vocabSize: number): void {
  checkInt(c, 'locBins', 2, 4096);
  checkInt(c, 'locStart', 0, vocabSize - c.locBins);
  checkInt(c, 'frames', 1, 4096);
  checkInt(c, 'frameStart', 0, vocabSize - c.frames);
  checkInt(c, 'dk', 4, 512);
  checkThat(typeof c.sigma === 'number' && c.sigma > 0, 'pointer.sigma', 'must be > 0');
  checkThat(
    c.locStart + c.locBins <= c.frameStart || c.frameStart + c.frames <= c.locStart,
    'pointer',
    'location and frame ids overlap',
  );
  checkThat(
    c.source === undefined || c.source === 'tokens' || c.source === 'stem',
    'pointer.source',
    "must be 'tokens' or 'stem'",
  );
  checkThat(c.boxPrior === undefined || typeof c.boxPrior === 'boolean', 'pointer.boxPrior', 'must be true or false');
  checkThat(!c.boxPrior || c.source === 'stem', 'pointer.boxPrior', "needs source 'stem'");
  if (c.source === 'stem') {
    const h = c.stemHead;
    checkThat(typeof h === 'object' && h !== null, 'pointer.stemHead', "is required with source 'stem'");
    checkInt(h!, 'slots', 1, 8);
    checkInt(h!, 'slotOut', 5, 256);
    checkInt(h!, 'out', h!.slots * h!.slotOut, 4096);
  }
}

/** `width8`: the stem's cell width (needed with source 'stem'). */
export function addPointerParams(store: ParamStore, dModel: number, c: PointerConfig, width8 = 0): void {
  const std = 0.02;
  if (c.source === 'stem') {
    const h = c.stemHead!;
    store.add('ptr_head_w', [width8, h.out], { kind: 'normal', std }); // the stem's detector head (copied from the vision stage)
    store.add('ptr_head_b', [h.out], { kind: 'zeros' });
    store.add('ptr_cell_w', [width8 + h.slotOut, c.dk], { kind: 'normal', std });
    store.add('ptr_prior_w', [1], { kind: 'ones' }); // weight of the slot's centre logit in the pointer's score
  }
  store.add('ptr_ln_g', [dModel], { kind: 'ones' });
  if (c.source !== 'stem') store.add('ptr_ln_b', [dModel], { kind: 'zeros' }); // (stem: a shared key shift cannot change α — no bias)
  store.add('ptr_key_w', [dModel, c.dk], { kind: 'normal', std });
  store.add('ptr_q_w', [dModel, c.dk], { kind: 'normal', std });
  if (c.source !== 'stem') {
    store.add('ptr_box_w', [dModel, 4], { kind: 'normal', std }); // the learned offset of each token's proposal
    store.add('ptr_box_b', [4], { kind: 'zeros' });
  }
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
  bias: tf.Tensor3D; // [I, 1, N]: added to the scores — −1e9 for padding; 0 (tokens) or the centre prior (stem) otherwise
  has: tf.Tensor3D; // [I, 1, 1]: 1 when the input has vision tokens
  mu?: tf.Tensor3D; // [I, N, 4] (stem): each candidate's proposed box, 0–1000
  copy?: CopyContext; // the copy head's view of each input's text (copy.ts), when the Reasoner has one
  attr?: tf.Tensor3D; // [I, N, A] (stem): each candidate's attributes for the attribute reader (attr.ts)
  events?: { kinds: tf.Tensor3D; has: tf.Tensor3D; active: tf.Tensor3D }; // [I, N, K−1] p(kind | event), [I, 1, 1] is-a-clip and [I, 1, 1] max over the clip's cells of p(event) (clip-events.ts)
  scene?: { named: tf.Tensor3D; count: tf.Tensor3D }; // [I, 1, N] the named-object prior, [I, 1, K] the count reading (scene.ts)
};

/** What each scored position has already written: row b's position t follows tokens[b][0 .. offsets[b] + t). */
export interface PointerHistory {
  tokens: ArrayLike<number>[];
  offsets: number[];
}

/** Log-space penalty on a candidate that matches a box already written in this run of boxes. */
const DUPLICATE_PENALTY = 30;
/** Added to the coordinate-type logit the position inside the box implies (x1 y1 x2 y2 follow in order). */
const TYPE_PRIOR = 8;

/**
 * The box prior (stem pointer, `boxPrior`): a box is 4 location tokens in a row, so at each position the coordinates
 * already written in the current box say which candidate the box belongs to. Candidate n's score gains
 * Σ_j −(v_j − μ_n,j)² / 2σ² over the current box's coordinates v_j (the log of its own bump at them: the
 * pointer stays on one object for all four), minus DUPLICATE_PENALTY · max over earlier boxes of the run of
 * Π_j bump (an object already boxed is not boxed again); the coordinate type gets TYPE_PRIOR at the position
 * the box is at. Computed in JS from μ and the tokens (a constant of the forward pass, no parameters).
 * Returns score [B·T·N] and type [B·T·4] biases.
 */
export function boxPriors(
  c: PointerConfig,
  mu: Float32Array,
  N: number,
  history: PointerHistory,
  T: number,
): { score: Float32Array; type: Float32Array } {
  const B = history.tokens.length;
  const score = new Float32Array(B * T * N);
  const type = new Float32Array(B * T * 4);
  const inv = 1 / (2 * c.sigma * c.sigma);
  const value = (id: number) => ((id - c.locStart) * 1000) / (c.locBins - 1);
  const isLoc = (id: number) => id >= c.locStart && id < c.locStart + c.locBins;
  for (let b = 0; b < B; b++) {
    const tokens = history.tokens[b]!;
    for (let t = 0; t < T; t++) {
      const end = Math.min(tokens.length, history.offsets[b]! + t);
      let run = 0;
      while (run < end && isLoc(tokens[end - 1 - run]!)) run++;
      const k = run % 4; // coordinates of the current box written so far
      type[(b * T + t) * 4 + k] = TYPE_PRIOR;
      if (run === 0) continue;
      const current = Array.from({ length: k }, (_, j) => value(tokens[end - k + j]!));
      const earlier = Array.from({ length: (run - k) / 4 }, (_, m) =>
        Array.from({ length: 4 }, (_, j) => value(tokens[end - run + 4 * m + j]!)),
      );
      const row = (b * T + t) * N;
      for (let n = 0; n < N; n++) {
        const at = (b * N + n) * 4;
        let s = 0;
        for (let j = 0; j < k; j++) s -= (current[j]! - mu[at + j]!) ** 2 * inv;
        let dup = 0;
        for (const box of earlier) {
          let e = 0;
          for (let j = 0; j < 4; j++) e -= (box[j]! - mu[at + j]!) ** 2 * inv;
          dup = Math.max(dup, Math.exp(e));
        }
        score[row + n] = s - DUPLICATE_PENALTY * dup;
      }
    }
  }
  return { score, type };
}

const AXIS = [0, 1, 0, 1]; // x1 y1 x2 y2 → x, y, x, y

/**
 * Build the context from the prefix's vision hidden states `vision` [I, N, d] (padded rows are ignored) and
 * the tokens' geometry. Differentiable in `vision` and the pointer parameters.
 */
export function pointerContext(
  store: ParamStore,
  c: PointerConfig,
  vision: tf.Tensor3D,
  geometry: TokenGeometry[],
  lnEps: number,
): PointerContext {
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
    const flat = layerNorm(
      tf.reshape(vision, [I * N, d]) as tf.Tensor2D,
      store.get('ptr_ln_g'),
      store.get('ptr_ln_b'),
      lnEps,
    ); // [I·N, d]
    const keys = tf.reshape(dense(flat, store.get('ptr_key_w')), [I, N, c.dk]) as tf.Tensor3D;
    const mu = tf.add(
      tf.tensor2d(centre, [I * N, 4]),
      tf.mul(tf.tensor2d(span, [I * N, 4]), dense(flat, store.get('ptr_box_w'), store.get('ptr_box_b'))),
    ) as tf.Tensor2D; // [I·N, 4]
    const bumps = bumpsOf(c, mu, I, N);
    return {
      keys,
      bumps,
      frames: tf.tensor3d(frames, [I, N, c.frames]),
      bias: tf.tensor3d(mask, [I, 1, N]),
      has: tf.tensor3d(has, [I, 1, 1]),
    };
  });
}

/** Exp bumps [I, N, 4·bins] around μ [I·N, 4] (0–1000). */
function bumpsOf(c: PointerConfig, mu: tf.Tensor2D, I: number, N: number): tf.Tensor3D {
  const bins = tf.tensor3d(
    Float32Array.from({ length: c.locBins }, (_, k) => (k * 1000) / (c.locBins - 1)),
    [1, 1, c.locBins],
  );
  const diff = tf.sub(bins, tf.reshape(mu, [I * N, 4, 1])); // [I·N, 4, bins]
  return tf.reshape(tf.exp(tf.div(tf.square(diff), -2 * c.sigma * c.sigma)), [I, N, 4 * c.locBins]) as tf.Tensor3D;
}

/** Where each stem cell of one input sits: its left / top edge and side (0–1000 of its view), its clip frame (−1: none), the index of the vision token that holds it. */
export interface CellGeometry {
  left: number[];
  top: number[];
  span: number[];
  frame: number[];
  token: number[];
}

/**
 * The stem-cell context (source 'stem'): `cells` [I, C, width8] the stem's features of each input's cells,
 * `tokens` [I, C, d] the model's hidden state of the token holding each cell (padded rows ignored). The
 * candidates are (cell, slot) pairs, cell-major: N = C · slots. Differentiable in both and the parameters.
 */
export function stemPointerContext(
  store: ParamStore,
  c: PointerConfig,
  cells: tf.Tensor3D,
  tokens: tf.Tensor3D,
  geometry: CellGeometry[],
  lnEps: number,
): PointerContext {
  const h = c.stemHead!;
  const [I, C, w8] = cells.shape;
  const d = tokens.shape[2];
  const S = h.slots;
  const N = C * S;
  const origin = new Float32Array(I * C * 4);
  const span = new Float32Array(I * C);
  const valid = new Float32Array(I * C);
  const frames = new Float32Array(I * N * c.frames);
  const has = new Float32Array(I);
  geometry.forEach((g, i) => {
    has[i] = g.left.length > 0 ? 1 : 0;
    g.left.forEach((_, k) => {
      const at = i * C + k;
      origin.set([g.left[k]!, g.top[k]!, g.left[k]!, g.top[k]!], at * 4);
      span[at] = g.span[k]!;
      valid[at] = 1;
      const f = g.frame[k]!;
      if (f >= 0 && f < c.frames) for (let s = 0; s < S; s++) frames[(at * S + s) * c.frames + f] = 1;
    });
  });
  return tf.tidy(() => {
    const flat = tf.reshape(cells, [I * C, w8]) as tf.Tensor2D;
    const heads = dense(flat, store.get('ptr_head_w'), store.get('ptr_head_b')); // [I·C, out]
    const tokKeys = dense(
      layerNorm(tf.reshape(tokens, [I * C, d]) as tf.Tensor2D, store.get('ptr_ln_g'), tf.zeros([d]), lnEps),
      store.get('ptr_key_w'),
    ); // [I·C, dk]
    const spanCol = tf.tensor2d(span, [I * C, 1]);
    const keys: tf.Tensor[] = [];
    const mus: tf.Tensor[] = [];
    const priors: tf.Tensor[] = [];
    for (let s = 0; s < S; s++) {
      const block = tf.slice(heads, [0, s * h.slotOut], [I * C, h.slotOut]); // [I·C, slotOut]
      const col = (k: number) => tf.slice(block, [0, h.slotOut - 4 + k], [I * C, 1]); // dx dy w h
      const [dx, dy, bw, bh] = [0, 1, 2, 3].map(col);
      const centre = tf.mul(tf.concat([dx!, dy!, dx!, dy!], 1), spanCol); // [I·C, 4]: the centre's offset in the cell
      const half = tf.mul(tf.concat([bw!, bh!, bw!, bh!], 1), tf.tensor2d([[-500, -500, 500, 500]])); // ∓ half the size (w, h: shares of the view)
      mus.push(tf.add(tf.add(tf.tensor2d(origin, [I * C, 4]), centre), half));
      keys.push(tf.add(tokKeys, dense(tf.concat([flat, block], 1) as tf.Tensor2D, store.get('ptr_cell_w'))));
      priors.push(tf.slice(block, [0, 0], [I * C, 1]));
    }
    // [I·C, S, …] cell-major, slot-minor → [I, N, …]
    const slotsOf = (parts: tf.Tensor[], width: number) => parts.map((p) => tf.reshape(p, [I * C, 1, width]));
    const interleave = (parts: tf.Tensor[], width: number) =>
      tf.reshape(tf.concat(slotsOf(parts, width), 1), [I, N, width]);
    const mu = tf.reshape(interleave(mus, 4), [I * N, 4]) as tf.Tensor2D;
    const real = Float32Array.from({ length: I * N }, (_, j) => valid[Math.floor(j / S)]!); // per candidate: 1 real, 0 padding
    const pad = tf.tensor3d(
      Float32Array.from(real, (v) => (v ? 0 : -1e9)),
      [I, 1, N],
    );
    const prior = tf.mul(
      tf.mul(tf.reshape(interleave(priors, 1), [I, 1, N]), store.get('ptr_prior_w')),
      tf.tensor3d(real, [I, 1, N]),
    ); // the centre logit, 0 on padding
    return {
      keys: interleave(keys, c.dk) as tf.Tensor3D,
      bumps: bumpsOf(c, mu, I, N),
      frames: tf.tensor3d(frames, [I, N, c.frames]),
      bias: tf.add(pad, prior) as tf.Tensor3D,
      has: tf.tensor3d(has, [I, 1, 1]),
      mu: tf.reshape(mu, [I, N, 4]) as tf.Tensor3D,
    };
  });
}

/** Copy the vision stage's detector head (`head_w`, `head_b`) into a stem pointer's `ptr_head_w`, `ptr_head_b`. */
export function copyStemHead(from: ParamStore, to: ParamStore): void {
  for (const [a, b] of [
    ['head_w', 'ptr_head_w'],
    ['head_b', 'ptr_head_b'],
  ] as const) {
    if (from.get(a).shape.join() !== to.get(b).shape.join())
      throw new InputError(`stem head ${a}: shape ${from.get(a).shape} ≠ ${to.get(b).shape}`);
    to.get(b).assign(from.get(a));
  }
}

/** The context's rows for each output row (`pick(t)` maps an [I, …] tensor to [R, …], e.g. gather or expandRows). */
export function mapContext(ctx: PointerContext, pick: (t: tf.Tensor) => tf.Tensor): PointerContext {
  const t3 = (t: tf.Tensor) => pick(t) as tf.Tensor3D;
  const { mu, copy, attr, events, scene } = ctx;
  return {
    ...{ keys: t3(ctx.keys), bumps: t3(ctx.bumps), frames: t3(ctx.frames), bias: t3(ctx.bias), has: t3(ctx.has) },
    ...(mu && { mu: t3(mu) }),
    ...(copy && { copy: mapCopyContext(copy, pick) }),
    ...(attr && { attr: t3(attr) }),
    ...(events && { events: { kinds: t3(events.kinds), has: t3(events.has), active: t3(events.active) } }),
    ...(scene && { scene: { named: t3(scene.named), count: t3(scene.count) } }),
  };
}

/**
 * Full logits [B·T, V] from the base logits [B·T, V] and the normed hidden states [B, T, d] of B rows whose
 * context is ctx (one entry per row).
 */
export function pointerLogits(
  store: ParamStore,
  c: PointerConfig,
  ctx: PointerContext,
  normed: tf.Tensor3D,
  base: tf.Tensor2D,
  history?: PointerHistory,
): tf.Tensor2D {
  const [B, T, d] = normed.shape;
  const V = base.shape[1];
  const N = ctx.keys.shape[1];
  const flat = tf.reshape(normed, [B * T, d]) as tf.Tensor2D;
  const q = tf.reshape(dense(flat, store.get('ptr_q_w')), [B, T, c.dk]); // [B, T, dk]
  let scores = tf.add(tf.div(tf.matMul(q, ctx.keys, false, true), Math.sqrt(c.dk)), ctx.bias); // [B, T, N]
  let typeLogits = dense(flat, store.get('ptr_type_w'), store.get('ptr_type_b')); // [B·T, 4]
  if (c.boxPrior && ctx.mu && history) {
    const prior = boxPriors(c, ctx.mu.dataSync() as Float32Array, N, history, T);
    scores = tf.add(scores, tf.tensor3d(prior.score, [B, T, N]));
    typeLogits = tf.add(typeLogits, tf.tensor2d(prior.type, [B * T, 4]));
  }
  const alpha = tf.softmax(scores); // [B, T, N]
  const tau = tf.reshape(tf.softmax(typeLogits), [B, T, 4, 1]); // [B, T, 4, 1]
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
