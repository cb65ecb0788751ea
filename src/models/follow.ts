// The Reasoner's box-following prior (config `follow`; needs the attribute reader): the answer's k-th object is
// read where the T-CoT's k-th box is, as the annotator writes them (boxes first, then the objects in that order).
// At step t, k = how many shape words the answer has said so far (an object phrase ends with its shape: "a small
// striped red star"). Where the tokens so far hold a k-th box (4 location tokens in a row: x1 y1 x2 y2), every
// stem candidate n gets
//   follow_n = max(−Σ_j (box_k,j − μ_n,j)² / 2σ², −FLOOR)       (μ_n: the box candidate n proposes, the pointer's)
// and the attribute reader adds g(h) · follow_n to its scores, g = softplus(W_g h + b_g + gateBias) ≥ 0 learned.
// Before the answer, and past the last box, the prior is 0. It is a function of the tokens written so far, so
// teacher-forced log-probs and KV-cached decoding see the same prior. Every op has WASM gradients (matmul, softplus,
// mul, add); the prior itself is a constant of the tokens.
import * as tf from '@tensorflow/tfjs-core';
import { checkThat } from './errors';
import { softGate, type ParamStore } from './layers';
import type { PointerConfig, PointerContext, PointerHistory } from './pointer';

export interface FollowConfig {
  answerId: number; // <answer>: the prior starts after it
  shapeIds: number[]; // the words that end an object phrase (the shapes)
  sigma: number; // 40 — 0–1000 units: wider than the pointer's bumps, so a noisy teacher box still finds its object
  gateBias: number; // 0 — the gate starts at softplus(0) ≈ 0.69
}

/** The prior's floor: a candidate far from the box scores −FLOOR, not −∞ (the gate's gradient stays bounded). */
const FLOOR = 20;

export function validateFollowConfig(c: FollowConfig, vocabSize: number, hasAttr: boolean): void {
  checkThat(hasAttr, 'follow', 'biases the attribute reader: it needs `attr` (and a stem pointer)');
  const id = (v: number) => Number.isInteger(v) && v >= 0 && v < vocabSize;
  checkThat(id(c.answerId), 'follow.answerId', `must lie in [0, ${vocabSize})`);
  checkThat(Array.isArray(c.shapeIds) && c.shapeIds.length > 0 && c.shapeIds.every(id), 'follow.shapeIds', 'ids');
  checkThat(Number.isFinite(c.sigma) && c.sigma > 0, 'follow.sigma', 'must be > 0');
  checkThat(Number.isFinite(c.gateBias), 'follow.gateBias', 'must be finite');
}

export function addFollowParams(store: ParamStore, dModel: number): void {
  store.add('follow_gate_w', [dModel, 1], { kind: 'normal', std: 0.02 });
  store.add('follow_gate_b', [1], { kind: 'zeros' });
}

/**
 * The box each step's answer object is read at, or null: for row b at step t, the tokens before it are
 * tokens[0, offsets[b] + t); k shape words after the last `<answer>` → the k-th complete box written before it.
 */
export function followedBoxes(
  c: FollowConfig,
  pointer: Pick<PointerConfig, 'locStart' | 'locBins'>,
  history: PointerHistory,
  T: number,
): (number[] | null)[] {
  const isLoc = (id: number) => id >= pointer.locStart && id < pointer.locStart + pointer.locBins;
  const value = (id: number) => ((id - pointer.locStart) * 1000) / (pointer.locBins - 1);
  const shapes = new Set(c.shapeIds);
  const out: (number[] | null)[] = [];
  history.tokens.forEach((tokens, b) => {
    const boxes: number[][] = [];
    let run: number[] = [];
    let answerAt = -1; // index of the last <answer> seen
    let said = 0; // shape words since it
    let scanned = 0;
    for (let t = 0; t < T; t++) {
      const end = Math.min(tokens.length, history.offsets[b]! + t);
      for (; scanned < end; scanned++) {
        const id = tokens[scanned]!;
        if (isLoc(id)) {
          run.push(value(id));
          if (run.length === 4) {
            boxes.push(run);
            run = [];
          }
        } else run = [];
        if (id === c.answerId) {
          answerAt = scanned;
          said = 0;
        } else if (answerAt >= 0 && shapes.has(id)) said++;
      }
      out.push(answerAt >= 0 && said < boxes.length ? boxes[said]! : null);
    }
  });
  return out;
}

/**
 * The prior's term [B, T, N] for the attribute reader's scores of B context rows (each with `mu` [B, N, 4]), from the
 * normed hidden states `flat` [B·T, d]; null when no step of any row follows a box.
 */
export function followScores(
  params: ParamStore,
  c: FollowConfig,
  pointer: PointerConfig,
  ctx: PointerContext,
  flat: tf.Tensor2D,
  T: number,
  history: PointerHistory,
): tf.Tensor3D | null {
  if (!ctx.mu) return null;
  const boxes = followedBoxes(c, pointer, history, T);
  if (boxes.every((box) => box === null)) return null;
  const [B, N] = ctx.mu.shape;
  const mu = ctx.mu.dataSync();
  const prior = new Float32Array(B * T * N);
  const inv = 1 / (2 * c.sigma * c.sigma);
  boxes.forEach((box, row) => {
    if (!box) return;
    const b = Math.floor(row / T);
    for (let n = 0; n < N; n++) {
      let s = 0;
      for (let j = 0; j < 4; j++) s -= (box[j]! - mu[(b * N + n) * 4 + j]!) ** 2 * inv;
      prior[row * N + n] = Math.max(s, -FLOOR);
    }
  });
  return tf.tidy(() => {
    const g = softGate(params, 'follow_gate', flat, c.gateBias);
    return tf.mul(tf.reshape(g, [B, T, 1]), tf.tensor3d(prior, [B, T, N])) as tf.Tensor3D;
  });
}
