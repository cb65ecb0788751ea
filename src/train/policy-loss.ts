// GRPO's policy loss (SPEC "EG-RL"): the clipped surrogate plus a k3 KL penalty to the reference policy,
// both averaged over all active tokens of the batch ("token-mean").
import * as tf from '@tensorflow/tfjs-core';

export interface PolicyLossInputs {
  /** log π_θ(token) under the current policy, differentiable. [R, T] */
  logp: tf.Tensor2D;
  /** log π_old(token) from the rollout (sampling) pass. [R, T] */
  oldLogp: tf.Tensor2D;
  /** log π_ref(token) under the frozen reference (cold-start) policy. [R, T] */
  refLogp: tf.Tensor2D;
  /** Per-rollout advantage. [R] */
  advantages: tf.Tensor1D;
  /** 1 for tokens the rollout generated (up to and including <eos>), 0 for padding. [R, T] */
  mask: tf.Tensor2D;
}

export interface PolicyLossOptions {
  /** Clip range ε of the ratio. Default 0.2. */
  clipEps: number;
  /** KL coefficient β. Default 0.01. */
  klCoef: number;
}

export const DEFAULT_POLICY_LOSS: PolicyLossOptions = { clipEps: 0.2, klCoef: 0.01 };

/**
 * k3 KL estimator (Schulman): with d = log π_ref − log π_θ, k3 = exp(d) − d − 1 ≥ 0, unbiased for
 * KL(π_θ‖π_ref) under samples from π_θ, low variance. Elementwise.
 */
export function klK3(logp: tf.Tensor, refLogp: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const d = tf.sub(refLogp, logp);
    return tf.sub(tf.sub(tf.exp(d), d), 1);
  });
}

/** Token-mean of x over the mask: Σ x·m / Σ m (0 when the mask is empty). */
export function tokenMean(x: tf.Tensor, mask: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.div(tf.sum(tf.mul(x, mask)), tf.maximum(tf.sum(mask), 1)) as tf.Scalar);
}

/**
 * L = token-mean( −min(ρ·A, clip(ρ, 1−ε, 1+ε)·A) ) + β · token-mean(k3),  ρ = exp(log π_θ − log π_old).
 * Returns the loss (differentiable in `logp`) and detached diagnostics.
 */
export function grpoPolicyLoss(inputs: PolicyLossInputs, options: Partial<PolicyLossOptions> = {}) {
  const { clipEps, klCoef } = { ...DEFAULT_POLICY_LOSS, ...options };
  return tf.tidy(() => {
    const { logp, oldLogp, refLogp, mask } = inputs;
    const adv = inputs.advantages.reshape([-1, 1]); // [R, 1]
    const ratio = tf.exp(tf.sub(logp, oldLogp)); // [R, T]
    const unclipped = tf.mul(ratio, adv);
    const clipped = tf.mul(tf.clipByValue(ratio, 1 - clipEps, 1 + clipEps), adv);
    const surrogate = tokenMean(tf.neg(tf.minimum(unclipped, clipped)), mask);
    const kl = tokenMean(klK3(logp, refLogp), mask);
    const loss = tf.add(surrogate, tf.mul(kl, klCoef)) as tf.Scalar;
    // Share of active tokens where clipping bound (the gradient is zero there).
    const clippedFrac = tokenMean(tf.cast(tf.greater(unclipped, clipped), 'float32'), mask);
    return { loss, surrogate, kl, clippedFrac };
  });
}
