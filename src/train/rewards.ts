// EG-RL rewards (SPEC "EG-RL"): format + ORM (outcome, from the frozen Embedder) + PRM (process, a
// text-only discriminator over T-CoTs). Pure functions over similarity matrices; the trainer computes the
// embeddings (with the same evidence crops and key frames as evaluation, SPEC ★) and calls these.

/** Cosine similarity matrix of two lists of unit vectors, row-major [a.length, b.length]. */
export function similarity(a: Float32Array[], b: Float32Array[]): Float32Array {
  const out = new Float32Array(a.length * b.length);
  a.forEach((x, i) =>
    b.forEach((y, j) => {
      let s = 0;
      for (let k = 0; k < x.length; k++) s += x[k]! * y[k]!;
      out[i * b.length + j] = s;
    }),
  );
  return out;
}

/** The transpose of a row-major [rows, cols] matrix. */
export function transpose(m: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(m.length);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = m[i * cols + j]!;
  return out;
}

export interface RewardWeights {
  format: number;
  orm: number;
  prm: number;
}
/** SPEC: reward = 0.05 · format + 0.8 · ORM + 0.2 · PRM. */
export const DEFAULT_REWARD_WEIGHTS: RewardWeights = { format: 0.05, orm: 0.8, prm: 0.2 };

/**
 * How accuracy and margin make the ORM. 'product' is the reference's 0.5 · acc · margin (zero whenever
 * acc is 0, so it gives no signal until a rollout already ranks its positive in the top n); 'sum' is
 * 0.5 · acc + 0.5 · margin, which also rewards pulling the positive closer before it wins. A tunable,
 * documented choice (SPEC leaves it open).
 */
export type OrmCombine = 'product' | 'sum';

export interface OrmOptions {
  /** Temperature of the softmax over negatives that weights the hardest ones most. Default 0.5. */
  negTemperature: number;
  combine: OrmCombine;
}
export const DEFAULT_ORM: OrmOptions = { negTemperature: 0.5, combine: 'sum' };

export interface OrmParts {
  acc: number;
  margin: number;
  orm: number;
}

/**
 * ORM of one rollout from its similarities `s` to every rollout of the other side of the batch.
 * `positives` are the indices of its own pair's n rollouts; every other index is a negative.
 *   acc    = |top-n(s) ∩ P| / n
 *   margin = mean_P(s) − Σ_N softmax(s_N / τ) · s_N
 */
export function ormFromSimilarities(
  s: ArrayLike<number>,
  positives: readonly number[],
  options: Partial<OrmOptions> = {},
): OrmParts {
  const { negTemperature, combine } = { ...DEFAULT_ORM, ...options };
  const n = positives.length;
  if (n === 0) throw new RangeError('ORM needs at least one positive');
  const isPos = new Set(positives);
  const order = Array.from({ length: s.length }, (_, i) => i).sort((a, b) => s[b] - s[a] || a - b);
  let hits = 0;
  for (let k = 0; k < n && k < order.length; k++) if (isPos.has(order[k])) hits++;
  const acc = hits / n;
  let posMean = 0;
  for (const p of positives) posMean += s[p];
  posMean /= n;
  // Softmax-weighted mean of the negatives (max-subtracted for stability).
  let maxNeg = -Infinity;
  for (let i = 0; i < s.length; i++) if (!isPos.has(i)) maxNeg = Math.max(maxNeg, s[i]);
  let z = 0;
  let weighted = 0;
  for (let i = 0; i < s.length; i++) {
    if (isPos.has(i)) continue;
    const w = Math.exp((s[i] - maxNeg) / negTemperature);
    z += w;
    weighted += w * s[i];
  }
  const negTerm = z > 0 ? weighted / z : 0;
  const margin = posMean - negTerm;
  const orm = combine === 'product' ? 0.5 * acc * margin : 0.5 * acc + 0.5 * margin;
  return { acc, margin, orm };
}

/**
 * ORM for every rollout of one side against all rollouts of the other side.
 * `sim` is row-major [B·n, B·n]: sim[i][j] = cos(rollout i of this side, rollout j of the other side),
 * rollouts grouped by pair (pair b owns indices b·n … b·n + n − 1 on both sides).
 */
export function ormBatch(sim: Float32Array, pairs: number, n: number, options: Partial<OrmOptions> = {}): OrmParts[] {
  const m = pairs * n;
  if (sim.length !== m * m) throw new RangeError(`similarity matrix has ${sim.length} entries, expected ${m}×${m}`);
  const out: OrmParts[] = [];
  for (let i = 0; i < m; i++) {
    const b = Math.floor(i / n);
    const positives = Array.from({ length: n }, (_, k) => b * n + k);
    out.push(ormFromSimilarities(sim.subarray(i * m, (i + 1) * m), positives, options));
  }
  return out;
}

/**
 * ORM of every rollout of one side against one anchor T-CoT per pair of the other side (e.g. its greedy T-CoT, what
 * evaluation compares against). `sim` is row-major [pairs·n, pairs]: rollout i belongs to pair ⌊i / n⌋, whose anchor
 * is its one positive; every other anchor is a negative. `anchors` ≥ pairs columns: those past `pairs` are negatives
 * only (e.g. the pairs' hard negatives).
 */
export function ormAgainstAnchors(
  sim: Float32Array,
  pairs: number,
  n: number,
  options: Partial<OrmOptions> = {},
  anchors = pairs,
): OrmParts[] {
  const m = pairs * n;
  if (anchors < pairs || sim.length !== m * anchors)
    throw new RangeError(`similarity matrix has ${sim.length} entries, expected ${m}×${anchors} (≥ ${pairs} anchors)`);
  return Array.from({ length: m }, (_, i) =>
    ormFromSimilarities(sim.subarray(i * anchors, (i + 1) * anchors), [Math.floor(i / n)], options),
  );
}

/** A seeded source of floats in [0, 1), for shuffling the PRM's candidates. */
export interface FloatSource {
  float(): number;
}

export interface PrmOptions {
  /** How many of the hardest negative pairs contribute their best rollout as a candidate. Default 4. */
  hardNegatives: number;
}

/**
 * PRM of one rollout: a text-only discriminator reads its T-CoT and picks, among candidate T-CoTs, the
 * one it matches best. Candidates are all n rollouts of its own pair's other side plus, from each of the
 * `hardNegatives` hardest other pairs (highest mean text similarity), that pair's most similar rollout.
 * Candidates are shuffled (SPEC ★: the reference lists positives first, a position bias), so ties break
 * at random rather than towards positives. PRM = margin if the pick is a positive, else 0.
 *
 * `textSim` is this rollout's text-only similarities to every rollout of the other side [B·n].
 */
export function prmForRollout(
  textSim: ArrayLike<number>,
  pair: number,
  n: number,
  margin: number,
  rng: FloatSource,
  options: Partial<PrmOptions> = {},
): { prm: number; pickedPositive: boolean } {
  const hardNegatives = options.hardNegatives ?? 4;
  const pairs = textSim.length / n;
  const candidates: number[] = Array.from({ length: n }, (_, k) => pair * n + k);
  const negPairs: { b: number; mean: number; best: number }[] = [];
  for (let b = 0; b < pairs; b++) {
    if (b === pair) continue;
    let mean = 0;
    let best = b * n;
    for (let k = 0; k < n; k++) {
      const j = b * n + k;
      mean += textSim[j] / n;
      if (textSim[j] > textSim[best]) best = j;
    }
    negPairs.push({ b, mean, best });
  }
  negPairs.sort((x, y) => y.mean - x.mean || x.b - y.b);
  for (const np of negPairs.slice(0, hardNegatives)) candidates.push(np.best);
  // Fisher–Yates with the seeded source, then the discriminator's pick: the first maximum.
  for (let i = candidates.length - 1; i > 0; i--) {
    const j = Math.floor(rng.float() * (i + 1));
    [candidates[i], candidates[j]] = [candidates[j], candidates[i]];
  }
  let pick = candidates[0];
  for (const c of candidates) if (textSim[c] > textSim[pick]) pick = c;
  const pickedPositive = Math.floor(pick / n) === pair;
  return { prm: pickedPositive ? margin : 0, pickedPositive };
}

/** The total reward: w_f · format + w_o · ORM + w_p · PRM. */
export function totalReward(
  format: number,
  orm: number,
  prm: number,
  weights: RewardWeights = DEFAULT_REWARD_WEIGHTS,
): number {
  return weights.format * format + weights.orm * orm + weights.prm * prm;
}

/** Format reward: 1 when the completion parses with no format error for the input's evidence key, else 0. */
export function formatReward(parsed: { formatOk: boolean }): number {
  return parsed.formatOk ? 1 : 0;
}
