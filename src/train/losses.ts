// Supervised losses: the Embedder's symmetric InfoNCE (the cold start's cross-entropy lives in sft-trainer.ts).
import * as tf from '@tensorflow/tfjs-core';

/** SPEC: logit scale 50, i.e. τ = 0.02. */
export const DEFAULT_LOGIT_SCALE = 50;

/**
 * Symmetric InfoNCE over a batch of L2-normalised embeddings: logits = scale · q · pᵀ; the loss is the
 * mean of the cross-entropy of each query against all positives (its own on the diagonal) and of each
 * positive against all queries. Optional extra hard negatives [H, D] join the query→positive direction.
 */
export function infoNCE(
  queryEmb: tf.Tensor2D,
  posEmb: tf.Tensor2D,
  scale = DEFAULT_LOGIT_SCALE,
  hardNegEmb?: tf.Tensor2D,
): tf.Scalar {
  return tf.tidy(() => {
    const b = queryEmb.shape[0];
    const labels = tf.oneHot(tf.range(0, b, 1, 'int32') as tf.Tensor1D, b).toFloat() as tf.Tensor2D; // [B, B]
    const candidates = hardNegEmb ? tf.concat([posEmb, hardNegEmb], 0) : posEmb; // [B + H, D]
    const q2p = tf.mul(tf.matMul(queryEmb, candidates, false, true), scale); // [B, B + H]
    const q2pLabels = hardNegEmb
      ? tf.pad(labels, [
          [0, 0],
          [0, hardNegEmb.shape[0]],
        ])
      : labels;
    const p2q = tf.mul(tf.matMul(posEmb, queryEmb, false, true), scale); // [B, B]
    const ce = (logits: tf.Tensor2D, onehot: tf.Tensor2D) =>
      tf.neg(tf.mean(tf.sum(tf.mul(onehot, tf.logSoftmax(logits)), 1)));
    return tf.div(
      tf.add(ce(q2p as tf.Tensor2D, q2pLabels as tf.Tensor2D), ce(p2q as tf.Tensor2D, labels)),
      2,
    ) as tf.Scalar;
  });
}
