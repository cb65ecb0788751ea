// Learning-rate schedules: pure functions of the step.

/** Constant learning rate (SPEC's EG-RL setting), with an optional linear warm-up. */
export function constantLr(base: number, warmup = 0): (step: number) => number {
  return (step) => (warmup > 0 && step < warmup ? (base * (step + 1)) / warmup : base);
}

/** Linear warm-up, then cosine decay from `base` to `base · minRatio` at `total` steps (nanoGPT's schedule). */
export function cosineLr(base: number, total: number, warmup = 0, minRatio = 0.1): (step: number) => number {
  return (step) => {
    if (warmup > 0 && step < warmup) return (base * (step + 1)) / warmup;
    if (step >= total) return base * minRatio;
    const progress = (step - warmup) / Math.max(1, total - warmup);
    return base * (minRatio + (1 - minRatio) * 0.5 * (1 + Math.cos(Math.PI * progress)));
  };
}
