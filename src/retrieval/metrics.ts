// Retrieval metrics for one query. A ranking is the list of candidate indices, best first (use
// rankByScores to get one from similarity scores); `relevant` is the index or indices of the
// positives. Average over queries with meanOf.

export type Relevant = number | readonly number[];

function relevantSet(relevant: Relevant): Set<number> {
  return new Set(typeof relevant === 'number' ? [relevant] : relevant);
}

/** Candidate indices sorted by descending score; ties keep the lower index first (stable). */
export function rankByScores(scores: ArrayLike<number>): number[] {
  return Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]! || a - b);
}

/** Hit@1 = 1 if the top-ranked candidate is relevant, else 0. */
export function hitAt1(ranking: readonly number[], relevant: Relevant): number {
  return ranking.length > 0 && relevantSet(relevant).has(ranking[0]!) ? 1 : 0;
}

/** Recall@k = |top-k ∩ relevant| / |relevant|. */
export function recallAtK(ranking: readonly number[], relevant: Relevant, k: number): number {
  const rel = relevantSet(relevant);
  if (rel.size === 0) return 0;
  let hits = 0;
  for (const i of ranking.slice(0, k)) if (rel.has(i)) hits++;
  return hits / rel.size;
}

/** Reciprocal rank = 1 / (1-based rank of the first relevant candidate); 0 if none is ranked. MRR = meanOf(rr). */
export function mrr(ranking: readonly number[], relevant: Relevant): number {
  const rel = relevantSet(relevant);
  const at = ranking.findIndex((i) => rel.has(i));
  return at < 0 ? 0 : 1 / (at + 1);
}

/**
 * nDCG@k with binary gains: DCG = Σ_{r=1..k} rel_r / log2(r + 1), divided by the DCG of the ideal
 * ranking (all relevant first). Graded gains: pass a map index → gain instead of indices.
 */
export function ndcgAtK(
  ranking: readonly number[],
  relevant: Relevant | ReadonlyMap<number, number>,
  k: number,
): number {
  const gain =
    relevant instanceof Map
      ? (relevant as ReadonlyMap<number, number>)
      : new Map([...relevantSet(relevant as Relevant)].map((i) => [i, 1]));
  let dcg = 0;
  ranking.slice(0, k).forEach((i, r) => (dcg += (gain.get(i) ?? 0) / Math.log2(r + 2)));
  const ideal = [...gain.values()].sort((a, b) => b - a).slice(0, k);
  const idcg = ideal.reduce((s, g, r) => s + g / Math.log2(r + 2), 0);
  return idcg > 0 ? dcg / idcg : 0;
}

/** Mean of a per-query metric (0 for no queries). */
export function meanOf<T>(queries: readonly T[], metric: (q: T) => number): number {
  return queries.length === 0 ? 0 : queries.reduce((s, q) => s + metric(q), 0) / queries.length;
}
