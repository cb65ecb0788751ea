// Held-out evaluation: every item of a suite is a retrieval problem (query → its candidates). Each side is
// embedded with a T-CoT from one source — none (the no-reasoning baseline), the noisy annotator, a
// Reasoner (greedy), or the gold annotator (the ceiling; query-blind, the ceiling a Reasoner can reach: a candidate's
// gold T-CoT otherwise follows what the query names) — and with the evidence that T-CoT points at.
// Metrics per item (Hit@1, Recall@5, reciprocal rank) aggregate per task, per ability and overall, with
// 95 % bootstrap intervals over items.
import type { Embedder, EmbedItem } from '../models/embedder';
import { worldEmbedItem, worldReasonerInput } from '../models/inputs';
import type { Reasoner } from '../models/reasoner';
import { reasonGreedy } from '../retrieval/pipeline';
import { hitAt1, mrr, rankByScores, recallAtK } from '../retrieval/metrics';
import { VOCAB } from '../tcot/default';
import { encodeTCoT } from '../tcot/encode';
import { annotate, queryBlindFocus } from '../world/annotator';
import { hashSeed, Rng } from '../world/rng';
import { ABILITIES, type Ability, type Focus, type Task, type TaskItem, type WorldInput } from '../world/types';
import { similarity } from './rewards';

export type TcotSource =
  | { kind: 'none' }
  | { kind: 'annotator'; seed: number }
  | { kind: 'gold'; queryBlind?: boolean } // queryBlind: candidates annotated without the query (queryBlindFocus)
  | { kind: 'reasoner'; reasoner: Reasoner; maxNewTokens?: number };

export interface ItemResult {
  id: string;
  task: Task;
  abilities: Ability[];
  hit1: number;
  recall5: number;
  rr: number;
}

interface Side {
  input: WorldInput;
  focus: Focus;
  instruction: string;
  isQuery: boolean;
  key: string;
}

/** T-CoT token ids for each side (null for the baseline). */
async function tcotsFor(sides: Side[], source: TcotSource): Promise<(Int32Array | null)[]> {
  if (source.kind === 'none') return sides.map(() => null);
  if (source.kind === 'annotator' || source.kind === 'gold') {
    return sides.map((s) => {
      const seed = source.kind === 'annotator' ? hashSeed(source.seed, 'eval-annotate', s.key) : 0;
      const blind = source.kind === 'gold' && source.queryBlind && !s.isQuery;
      const focus = blind ? queryBlindFocus(s.input, s.focus) : s.focus;
      return Int32Array.from(
        encodeTCoT(VOCAB, annotate(s.input, { mode: source.kind === 'gold' ? 'gold' : 'noisy', seed, focus })).ids,
      );
    });
  }
  return reasonGreedy(
    source.reasoner,
    sides.map((s) => worldReasonerInput(VOCAB, s.input, s.instruction)),
    { maxNewTokens: source.maxNewTokens ?? 64 },
  );
}

export interface EvalOptions {
  itemsPerBatch?: number; // items whose sides are generated / embedded together (4)
  onProgress?: (done: number, total: number) => void;
}

/** Score every item of a suite under one T-CoT source. */
export async function evaluateItems(
  items: TaskItem[],
  embedder: Embedder,
  source: TcotSource,
  opts: EvalOptions = {},
): Promise<ItemResult[]> {
  const per = opts.itemsPerBatch ?? 4;
  const results: ItemResult[] = [];
  for (let start = 0; start < items.length; start += per) {
    const chunk = items.slice(start, start + per);
    const sides: Side[] = chunk.flatMap((item) => [
      { input: item.query, focus: item.queryFocus, instruction: item.instruction, isQuery: true, key: `${item.id}/q` },
      ...item.candidates.map((c, j) => ({
        input: c,
        focus: item.candidateFocus[j]!,
        instruction: item.instruction,
        isQuery: false,
        key: `${item.id}/c${j}`,
      })),
    ]);
    const tcots = await tcotsFor(sides, source);
    const embedItems: EmbedItem[] = sides.map((s, i) =>
      worldEmbedItem(VOCAB, s.input, { instruction: s.isQuery ? s.instruction : undefined, tcotIds: tcots[i] }),
    );
    const emb = await embedder.embedData(embedItems);
    let at = 0;
    for (const item of chunk) {
      const q = emb[at]!;
      const cands = emb.slice(at + 1, at + 1 + item.candidates.length);
      at += 1 + item.candidates.length;
      const ranking = rankByScores(similarity([q], cands));
      results.push({
        id: item.id,
        task: item.task,
        abilities: item.abilities,
        hit1: hitAt1(ranking, item.positiveIndex),
        recall5: recallAtK(ranking, item.positiveIndex, 5),
        rr: mrr(ranking, item.positiveIndex),
      });
    }
    opts.onProgress?.(Math.min(items.length, start + per), items.length);
  }
  return results;
}

/** Mean with a 95 % percentile bootstrap interval (items resampled with replacement). */
export interface Estimate {
  mean: number;
  lo: number;
  hi: number;
  n: number;
}

export function bootstrap(values: readonly number[], seed = 1, iters = 1000): Estimate {
  const n = values.length;
  if (n === 0) return { mean: 0, lo: 0, hi: 0, n: 0 };
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const rng = new Rng(seed);
  const means: number[] = [];
  for (let b = 0; b < iters; b++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += values[rng.int(n)]!;
    means.push(s / n);
  }
  means.sort((a, b) => a - b);
  return { mean, lo: means[Math.floor(0.025 * iters)]!, hi: means[Math.min(iters - 1, Math.floor(0.975 * iters))]!, n };
}

/** Paired bootstrap of the difference a − b over the same items (for "egrl − sft excludes 0"). */
export function pairedDifference(a: readonly number[], b: readonly number[], seed = 1, iters = 1000): Estimate {
  return bootstrap(
    a.map((v, i) => v - b[i]!),
    seed,
    iters,
  );
}

export interface Summary {
  overall: { hit1: Estimate; recall5: number; mrr: number };
  perTask: Record<string, { hit1: number; recall5: number; mrr: number; n: number }>;
  perAbility: Record<string, { hit1: number; recall5: number; mrr: number; n: number }>;
}

export function summarize(results: ItemResult[], seed = 1): Summary {
  const agg = (rs: ItemResult[]) => ({
    hit1: rs.reduce((s, r) => s + r.hit1, 0) / Math.max(1, rs.length),
    recall5: rs.reduce((s, r) => s + r.recall5, 0) / Math.max(1, rs.length),
    mrr: rs.reduce((s, r) => s + r.rr, 0) / Math.max(1, rs.length),
    n: rs.length,
  });
  const perTask: Summary['perTask'] = {};
  for (const task of new Set(results.map((r) => r.task))) perTask[task] = agg(results.filter((r) => r.task === task));
  const perAbility: Summary['perAbility'] = {};
  for (const ability of ABILITIES) {
    const rs = results.filter((r) => r.abilities.includes(ability));
    if (rs.length > 0) perAbility[ability] = agg(rs);
  }
  const all = agg(results);
  return {
    overall: {
      hit1: bootstrap(
        results.map((r) => r.hit1),
        seed,
      ),
      recall5: all.recall5,
      mrr: all.mrr,
    },
    perTask,
    perAbility,
  };
}
