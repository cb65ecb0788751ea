// EG-RL's batches and their rewards (SPEC "EG-RL"): a batch's pairs as model-ready sides, the Reasoner's inputs for
// them, and every rollout's reward — its T-CoT embedded with the evidence it points at (the same path as evaluation,
// SPEC ★), format + ORM + PRM. The update itself is grpo-trainer.ts.
import type { Embedder } from '../models/embedder';
import {
  embedItemFor,
  expectedEvidenceKey,
  readTcot,
  reasonerInputFor,
  worldText,
  worldVisual,
  type ItemParts,
} from '../models/inputs';
import type { ReasonerInput } from '../models/reasoner';
import { VOCAB } from '../tcot/default';
import type { Rng } from '../world/rng';
import type { AnnotatedPair } from './data';
import type { GrpoStage } from './presets';
import {
  formatReward,
  ormAgainstAnchors,
  ormBatch,
  ormFromSimilarities,
  prmForRollout,
  similarity,
  totalReward,
  transpose,
  type OrmParts,
} from './rewards';

/** Rewards for both sides' rollouts. Rows: queries' rollouts (pair·n + g), then positives' rollouts. */
export interface RolloutRewards {
  total: Float32Array;
  format: Float32Array;
  orm: Float32Array;
  prm: Float32Array;
  acc: Float32Array;
}

/** One side of a pair as model-ready parts: a world input or the user's own media (src/models/inputs.ts). */
export type SideParts = Omit<ItemParts, 'tcotIds' | 'instruction'>;

/** One pair of a GRPO batch. The Reasoner sees the instruction on both sides, the Embedder on the query side. */
export interface GrpoPair {
  query: SideParts;
  positive: SideParts;
  instruction?: string;
  hardNegative?: SideParts; // a candidate that differs from the positive in one detail (ormHardNegatives)
  others?: SideParts[]; // the item's other candidates (ormAgainst 'candidates')
}

/** A world pair (the training recipe's RL pool) as a GRPO pair. */
export function worldGrpoPair(
  p: Pick<AnnotatedPair, 'query' | 'positive' | 'instruction'> &
    Partial<Pick<AnnotatedPair, 'hardNegative' | 'others'>>,
): GrpoPair {
  const parts = (input: AnnotatedPair['query']['input']): SideParts => ({
    visual: worldVisual(input),
    text: worldText(input),
  });
  const pair: GrpoPair = { query: parts(p.query.input), positive: parts(p.positive.input), instruction: p.instruction };
  if (p.hardNegative) pair.hardNegative = parts(p.hardNegative.input);
  if (p.others) pair.others = p.others.map(parts);
  return pair;
}

/** The Reasoner's inputs for a batch: every query, then every positive (rows input·n + g after generation). */
export function grpoReasonerInputs(pairs: readonly GrpoPair[]): ReasonerInput[] {
  return [
    ...pairs.map((p) => reasonerInputFor(VOCAB, { ...p.query, instruction: p.instruction })),
    ...pairs.map((p) => reasonerInputFor(VOCAB, { ...p.positive, instruction: p.instruction })),
  ];
}

/** The reward of every rollout of a batch, given the rollouts' token sequences. Pure apart from the frozen Embedder. */
export async function rolloutRewards(
  embedder: Embedder,
  pairs: readonly GrpoPair[],
  tokens: Int32Array[],
  n: number,
  stage: Pick<GrpoStage, 'weights' | 'orm' | 'ormAgainst'>,
  rng: Rng,
  anchors?: Int32Array[],
): Promise<RolloutRewards> {
  const m = pairs.length * n;
  const R = 2 * m;
  const format = new Float32Array(R);
  const againstCandidates = stage.ormAgainst === 'candidates';
  // The anchors past queries and positives, in grpoStep's order: every pair's other candidates, or its hard negative.
  const hardNegatives = againstCandidates
    ? pairs.flatMap((p) => p.others ?? [])
    : pairs.flatMap((p) => (p.hardNegative ? [p.hardNegative] : []));
  // Row r of `rows` rollouts per side: a query's (with the instruction) for r < rows, else a positive's — or, past
  // 2·rows (anchors only), a hard negative's.
  const itemOf = (ids: Int32Array, r: number, rows: number, per: number) => {
    const pair = pairs[Math.floor((r % rows) / per)]!;
    if (r < rows) return embedItemFor(VOCAB, { ...pair.query, instruction: pair.instruction, tcotIds: ids });
    return embedItemFor(VOCAB, { ...(r < 2 * rows ? pair.positive : hardNegatives[r - 2 * rows]!), tcotIds: ids });
  };
  const items = tokens.map((ids, r) => {
    const item = itemOf(ids, r, m, n);
    format[r] = formatReward(readTcot(VOCAB, ids, expectedEvidenceKey(item.visual)));
    return item;
  });
  const emb = await embedder.embedData(items);
  // ORM of every rollout: against the other side's rollouts (SPEC), or — with anchors, each input's greedy T-CoT
  // (queries, then positives, then any hard negatives) — against the other side's anchors; a query's rollouts also
  // against the hard negatives.
  const P = pairs.length;
  const combine = { combine: stage.orm };
  let ormQ: OrmParts[];
  let ormP: OrmParts[];
  if (anchors && againstCandidates) {
    const anchorEmb = await embedder.embedData(anchors.map((ids, r) => itemOf(ids, r, P, 1)));
    [ormQ, ormP] = ormAgainstCandidates(emb, anchorEmb, pairs, n, combine);
  } else if (anchors) {
    const anchorEmb = await embedder.embedData(anchors.map((ids, r) => itemOf(ids, r, P, 1)));
    const candidates = anchorEmb.slice(P); // positives, then hard negatives
    ormQ = ormAgainstAnchors(similarity(emb.slice(0, m), candidates), P, n, combine, candidates.length);
    ormP = ormAgainstAnchors(similarity(emb.slice(m), anchorEmb.slice(0, P)), P, n, combine);
  } else {
    const sim = similarity(emb.slice(0, m), emb.slice(m)); // [m, m] query rollouts × positive rollouts
    ormQ = ormBatch(sim, P, n, combine);
    ormP = ormBatch(transpose(sim, m, m), P, n, combine);
  }
  // Read asynchronously: WebGPU (the in-browser fine-tuner) has no safe synchronous read.
  const textEmb = embedder.embedTcotText(tokens.map((ids) => readTcot(VOCAB, ids).ids));
  const text = ((await textEmb.array()) as number[][]).map((row) => Float32Array.from(row));
  textEmb.dispose();
  const textSim = similarity(text.slice(0, m), text.slice(m));
  const textSimP = transpose(textSim, m, m);
  const out: RolloutRewards = {
    total: new Float32Array(R),
    format,
    orm: new Float32Array(R),
    prm: new Float32Array(R),
    acc: new Float32Array(R),
  };
  for (let r = 0; r < R; r++) {
    const i = r % m;
    const o = r < m ? ormQ[i]! : ormP[i]!;
    const row = (r < m ? textSim : textSimP).subarray(i * m, (i + 1) * m);
    const prm = prmForRollout(row, Math.floor(i / n), n, o.margin, rng).prm;
    out.orm[r] = o.orm;
    out.acc[r] = o.acc;
    out.prm[r] = prm;
    out.total[r] = totalReward(format[r]!, o.orm, prm, stage.weights);
  }
  return out;
}

/**
 * ORM against each pair's own item, as evaluation ranks it. `emb`: the rollouts (queries' P·n, then positives'),
 * `anchors`: greedy T-CoTs of the P queries, the P positives, then every pair's other candidates in order. A query's
 * rollout ranks its positive among its item's other candidates; a positive's rollout is ranked by its query among
 * them. A pair without other candidates falls back to the other pairs' anchors (in-batch negatives).
 */
function ormAgainstCandidates(
  emb: Float32Array[],
  anchors: Float32Array[],
  pairs: readonly GrpoPair[],
  n: number,
  options: { combine: GrpoStage['orm'] },
): [OrmParts[], OrmParts[]] {
  const P = pairs.length;
  const m = P * n;
  const dot = (a: Float32Array, b: Float32Array) => similarity([a], [b])[0]!;
  let at = 2 * P;
  const others = pairs.map((p) => {
    const own = anchors.slice(at, at + (p.others?.length ?? 0));
    at += own.length;
    return own;
  });
  const ormQ: OrmParts[] = [];
  const ormP: OrmParts[] = [];
  const except = (from: number, b: number) => anchors.slice(from, from + P).filter((_, j) => j !== b);
  for (let i = 0; i < m; i++) {
    const b = Math.floor(i / n);
    const query = anchors[b]!;
    const own = others[b]!;
    // Query rollout i: its positive's anchor first, then the item's other candidates (or the other pairs' positives).
    const q = emb[i]!;
    const rivals = own.length > 0 ? own : except(P, b);
    ormQ.push(ormFromSimilarities([dot(q, anchors[P + b]!), ...rivals.map((c) => dot(q, c))], [0], options));
    // Positive rollout i: its query's similarity to it first, then the query's to each other candidate (or, with
    // none, the rollout's to the other pairs' queries).
    const r = emb[m + i]!;
    const negs = own.length > 0 ? own.map((c) => dot(query, c)) : except(0, b).map((c) => dot(r, c));
    ormP.push(ormFromSimilarities([dot(query, r), ...negs], [0], options));
  }
  return [ormQ, ormP];
}
