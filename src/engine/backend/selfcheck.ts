// A small fixed network built from the ops the models use (embedding lookup as one-hot matmul, matmul,
// GELU, layer norm, softmax attention, concat/slice). It proves a backend computes what CPU computes
// (the self-check in the UI and the e2e test) and that WASM gradients equal CPU gradients (unit test).
import * as tf from '@tensorflow/tfjs-core';
import { seededRng } from '../../models/rng';

export const CHECK = { tokens: 8, vocab: 12, dim: 16, hidden: 32 } as const;

/** Deterministic pseudo-random floats in [-1, 1), so every backend sees the same inputs. */
export function checkFloats(seed: number, n: number): Float32Array {
  const rng = seededRng(seed);
  return Float32Array.from({ length: n }, () => rng.float() * 2 - 1);
}

export interface CheckParams {
  table: tf.Tensor2D; // [vocab, dim] token embeddings
  w1: tf.Tensor2D; // [dim, hidden]
  w2: tf.Tensor2D; // [hidden, dim]
  gamma: tf.Tensor1D; // [dim] layer-norm gain
}

export function makeCheckParams(seed: number): CheckParams {
  const { vocab, dim, hidden } = CHECK;
  return {
    table: tf.tensor2d(checkFloats(seed, vocab * dim), [vocab, dim]),
    w1: tf.tensor2d(checkFloats(seed + 1, dim * hidden), [dim, hidden]).mul(0.5),
    w2: tf.tensor2d(checkFloats(seed + 2, hidden * dim), [hidden, dim]).mul(0.5),
    gamma: tf.tensor1d(checkFloats(seed + 3, dim)).add(1),
  };
}

export function checkTokenIds(seed: number): Int32Array {
  return Int32Array.from(
    checkFloats(seed + 7, CHECK.tokens),
    (v) => Math.floor((v + 1) * 0.5 * CHECK.vocab) % CHECK.vocab,
  );
}

/** GELU, tanh approximation: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))). */
function gelu(x: tf.Tensor): tf.Tensor {
  const inner = x.add(x.pow(3).mul(0.044715)).mul(Math.sqrt(2 / Math.PI));
  return x.mul(0.5).mul(inner.tanh().add(1));
}

/** Layer norm over the last axis: γ · (x − μ) / √(σ² + ε). */
function layerNorm(x: tf.Tensor2D, gamma: tf.Tensor1D): tf.Tensor2D {
  const { mean, variance } = tf.moments(x, -1, true);
  return x.sub(mean).div(variance.add(1e-5).sqrt()).mul(gamma);
}

/** The check network: returns [tokens, dim] outputs. */
export function checkForward(p: CheckParams, ids: Int32Array): tf.Tensor2D {
  const { vocab, dim } = CHECK;
  const oneHot = tf.oneHot(tf.tensor1d(ids, 'int32'), vocab).toFloat(); // [T, V]
  const emb = oneHot.matMul(p.table); // [T, D] — gather's replacement: its gradient is a matmul
  const h = layerNorm(gelu(emb.matMul(p.w1)).matMul(p.w2).add(emb) as tf.Tensor2D, p.gamma);
  const scores = h.matMul(h, false, true).div(Math.sqrt(dim)); // [T, T]
  const attended = tf.softmax(scores, -1).matMul(h); // [T, D]
  const both = tf.concat([attended, h], 1); // [T, 2D]
  const firstHalf = both.slice([0, 0], [-1, dim]);
  const secondHalf = both.slice([0, dim], [-1, dim]);
  return firstHalf.add(secondHalf.mul(0.5)) as tf.Tensor2D;
}

/** A scalar loss on the check network, for the gradient check. */
export function checkLoss(p: CheckParams, ids: Int32Array): tf.Scalar {
  const out = checkForward(p, ids);
  return out
    .square()
    .mean()
    .add(out.slice([0, 0], [1, -1]).sum().mul(0.1)) as tf.Scalar;
}
