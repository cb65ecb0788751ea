// Is a logged quantity rising? The least-squares slope of y over the step, with a 95 % interval from a
// seeded bootstrap over the logged points (EG-RL's reward must be seen rising, not just wobbling).
import { Rng } from '../world/rng';

/** Least-squares slope of ys on xs (0 when xs has no spread). */
export function slope(xs: ArrayLike<number>, ys: ArrayLike<number>): number {
  const n = xs.length;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += xs[i]! / n;
    my += ys[i]! / n;
  }
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i]! - mx) * (ys[i]! - my);
    sxx += (xs[i]! - mx) ** 2;
  }
  return sxx > 0 ? sxy / sxx : 0;
}

export interface Trend {
  slope: number; // per step
  lo: number; // 2.5 % bootstrap quantile
  hi: number; // 97.5 %
  points: number;
}

/**
 * Within-group slope: x and y centred on their group's means first (fixed effects), so that a quantity whose
 * level differs by group (EG-RL's reward by task, round-robin) is judged by how it moves within each group.
 */
export function groupedSlope(xs: ArrayLike<number>, ys: ArrayLike<number>, groups: ArrayLike<string | number>): number {
  const sums = new Map<string | number, { x: number; y: number; n: number }>();
  for (let i = 0; i < xs.length; i++) {
    const s = sums.get(groups[i]!) ?? { x: 0, y: 0, n: 0 };
    sums.set(groups[i]!, { x: s.x + xs[i]!, y: s.y + ys[i]!, n: s.n + 1 });
  }
  const cx = Array.from(xs, (x, i) => x - sums.get(groups[i]!)!.x / sums.get(groups[i]!)!.n);
  const cy = Array.from(ys, (y, i) => y - sums.get(groups[i]!)!.y / sums.get(groups[i]!)!.n);
  return slope(cx, cy);
}

/**
 * Slope of `points` ([step, value]) with a bootstrap interval (resampling points with replacement); with
 * `groups` (one label per point) the within-group slope.
 */
export function trend(
  points: readonly [number, number][],
  opts: { resamples?: number; seed?: number; groups?: readonly (string | number)[] } = {},
): Trend {
  const xs = points.map((p) => p[0]);
  const ys = points.map((p) => p[1]);
  const g = opts.groups;
  const fit = (idx: number[]) =>
    g
      ? groupedSlope(
          idx.map((i) => xs[i]!),
          idx.map((i) => ys[i]!),
          idx.map((i) => g[i]!),
        )
      : slope(
          idx.map((i) => xs[i]!),
          idx.map((i) => ys[i]!),
        );
  const rng = new Rng(opts.seed ?? 1);
  const boots: number[] = [];
  for (let b = 0; b < (opts.resamples ?? 2000); b++) {
    boots.push(fit(Array.from({ length: points.length }, () => rng.int(points.length))));
  }
  boots.sort((a, b) => a - b);
  const q = (p: number) => boots[Math.min(boots.length - 1, Math.floor(p * boots.length))] ?? 0;
  return { slope: fit(xs.map((_, i) => i)), lo: q(0.025), hi: q(0.975), points: points.length };
}
