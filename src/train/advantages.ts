// GRPO's group-normalised advantages (SPEC "EG-RL"): each query and each positive is its own group of
// n rollouts, and a rollout's advantage is how much better it did than its siblings.

/**
 * A_i = (r_i − mean(r_group)) / (std(r_group) + eps), with the sample (n − 1) standard deviation as in the
 * reference implementation (torch.std). Groups are consecutive runs of `groupSize` rewards.
 * A group whose rewards are all equal gets advantages of 0 (nothing to learn from it).
 */
export function groupAdvantages(rewards: ArrayLike<number>, groupSize: number, eps = 1e-6): Float32Array {
  if (!Number.isInteger(groupSize) || groupSize < 1)
    throw new RangeError(`groupSize must be a positive integer, got ${groupSize}`);
  if (rewards.length % groupSize !== 0) {
    throw new RangeError(`${rewards.length} rewards do not split into groups of ${groupSize}`);
  }
  const out = new Float32Array(rewards.length);
  for (let g = 0; g < rewards.length; g += groupSize) {
    let mean = 0;
    for (let i = 0; i < groupSize; i++) mean += rewards[g + i];
    mean /= groupSize;
    let ss = 0;
    for (let i = 0; i < groupSize; i++) ss += (rewards[g + i] - mean) ** 2;
    const std = groupSize > 1 ? Math.sqrt(ss / (groupSize - 1)) : 0;
    for (let i = 0; i < groupSize; i++) out[g + i] = (rewards[g + i] - mean) / (std + eps);
  }
  return out;
}

/** Mean and (population) standard deviation, for logging reward statistics. */
export function meanStd(values: ArrayLike<number>): { mean: number; std: number } {
  const n = values.length;
  if (n === 0) return { mean: 0, std: 0 };
  let mean = 0;
  for (let i = 0; i < n; i++) mean += values[i];
  mean /= n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (values[i] - mean) ** 2;
  return { mean, std: Math.sqrt(ss / n) };
}
