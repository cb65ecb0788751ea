// Is a logged quantity rising? The least-squares slope of y over the step, with a 95 % interval from a
// seeded bootstrap over the logged points (EG-RL's reward must be seen rising, not just wobbling).
import { Rng } from '../world/rng';

/** Least-squares slope of ys on xs (0 when xs has no spread). */
export function slope(xs: ArrayLike<number>, ys: ArrayLike<number>): number {
  const n = xs.length;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) (mx += xs[i]! / n), (my += ys[i]! / n);
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) (sxy += (xs[i]! - mx) * (ys[i]! - my)), (sxx += (xs[i]! - mx) ** 2);
  return sxx > 0 ? sxy / sxx : 0;
}

export interface Trend {
  slope: number; // per step
  lo: number; // 2.5 % bootstrap quantile
  hi: number; // 97.5 %
  points: number;
}

/** Slope of `points` ([step, value]) with a bootstrap interval (resampling points with replacement). */
export function trend(points: readonly [number, number][], opts: { resamples?: number; seed?: number } = {}): Trend {
  const xs = points.map((p) => p[0]);
  const ys = points.map((p) => p[1]);
  const rng = new Rng(opts.seed ?? 1);
  const boots: number[] = [];
  for (let b = 0; b < (opts.resamples ?? 2000); b++) {
    const idx = Array.from({ length: points.length }, () => rng.int(points.length));
    boots.push(slope(idx.map((i) => xs[i]!), idx.map((i) => ys[i]!)));
  }
  boots.sort((a, b) => a - b);
  const q = (p: number) => boots[Math.min(boots.length - 1, Math.floor(p * boots.length))] ?? 0;
  return { slope: slope(xs, ys), lo: q(0.025), hi: q(0.975), points: points.length };
}
