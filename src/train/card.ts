// The model card's analysis: held-out evaluations on several seeds (the JSON `npm run eval -- --json` writes)
// pooled into one table, paired differences with 95 % bootstrap intervals, the per-ability gain of EG-RL over
// the cold start, the share of the sft → gold gap that EG-RL closes, int8 vs fp32, and the claims, each
// marked as holding or not. Pure functions over plain data; `src/cli/card.ts` reads the files and writes
// `public/models/MODEL_CARD.md` + `card.json`.
import { ABILITIES, type Ability } from '../world/types';
import { bootstrap, pairedDifference, summarize, type Estimate, type ItemResult, type Summary } from './evaluate';

/** What `npm run eval -- --json FILE` writes. */
export interface EvalFile {
  seed: number;
  perTask: number;
  models: string;
  summaries: Record<string, Summary>;
  items: Record<string, ItemResult[]>;
}

export interface Claim {
  id: string;
  statement: string;
  holds: boolean;
  evidence: string;
}

export interface CardAnalysis {
  seeds: number[];
  rows: string[];
  /** Items of every seed pooled, per row. */
  pooled: Record<string, Summary>;
  /** Paired differences (Hit@1, fraction) over pooled items, e.g. `egrl-sft`. */
  differences: Record<string, Estimate>;
  /** Hit@1 gain of egrl over sft per ability (pooled, paired bootstrap). */
  abilityGain: Partial<Record<Ability, Estimate>>;
  /** (egrl − sft) / (gold − sft) on pooled Hit@1; null when gold does not beat sft. */
  gapClosed: number | null;
  claims: Claim[];
}

const DIFFS: [string, string][] = [
  ['egrl', 'sft'],
  ['sft', 'none'],
  ['egrl', 'none'],
  ['egrl', 'egrl-fp32'],
  ['gold', 'egrl'],
  ['gold-blind', 'egrl'],
  ['annotator', 'egrl'],
];
/** "egrl − sft" for the key "egrl-sft" (row names may hold a hyphen: gold-blind). */
export function differenceLabel(key: string): string {
  const pair = DIFFS.find(([a, b]) => `${a}-${b}` === key);
  return pair ? `${pair[0]} − ${pair[1]}` : key;
}

const pts = (x: number) => (x * 100).toFixed(1);
const ci = (e: Estimate) => `${pts(e.mean)} [${pts(e.lo)}, ${pts(e.hi)}]`;

/** Rows in every file, each seed's items in the same order for every row (so differences pair items). */
function commonRows(evals: EvalFile[]): string[] {
  const order = ['none', 'annotator', 'sft', 'egrl', 'egrl-fp32', 'gold-blind', 'gold'];
  const rows = order.filter((r) => evals.every((e) => e.items[r]?.length));
  for (const e of evals) {
    for (const r of rows) {
      const ids = e.items[r]!.map((it) => it.id).join();
      if (ids !== e.items[rows[0]!]!.map((it) => it.id).join())
        throw new Error(`eval seed ${e.seed}: row ${r} scores other items than ${rows[0]}`);
    }
  }
  return rows;
}

/**
 * Files of the same seed merged into one (rows scored in separate `npm run eval` calls, e.g. the cheap rows while
 * a Reasoner still trains). Files of one seed must agree on items per task; a row present twice keeps the later file's.
 */
export function mergeBySeed(files: EvalFile[]): EvalFile[] {
  const bySeed = new Map<number, EvalFile>();
  for (const f of files) {
    const seen = bySeed.get(f.seed);
    if (!seen) {
      bySeed.set(f.seed, { ...f, summaries: { ...f.summaries }, items: { ...f.items } });
      continue;
    }
    if (seen.perTask !== f.perTask)
      throw new Error(`eval seed ${f.seed}: files disagree on items per task (${seen.perTask} vs ${f.perTask})`);
    Object.assign(seen.summaries, f.summaries);
    Object.assign(seen.items, f.items);
  }
  return [...bySeed.values()];
}

export function analyse(evals: EvalFile[], bootSeed = 1): CardAnalysis {
  if (evals.length === 0) throw new Error('no evaluation files');
  const rows = commonRows(evals);
  const pooledItems = (row: string): ItemResult[] => evals.flatMap((e) => e.items[row]!);
  const pooled: Record<string, Summary> = {};
  for (const r of rows) pooled[r] = summarize(pooledItems(r), bootSeed);

  const differences: Record<string, Estimate> = {};
  for (const [a, b] of DIFFS) {
    if (!rows.includes(a) || !rows.includes(b)) continue;
    differences[`${a}-${b}`] = pairedDifference(
      pooledItems(a).map((r) => r.hit1),
      pooledItems(b).map((r) => r.hit1),
      bootSeed,
    );
  }

  const abilityGain: CardAnalysis['abilityGain'] = {};
  if (rows.includes('egrl') && rows.includes('sft')) {
    const egrl = pooledItems('egrl');
    const sft = pooledItems('sft');
    for (const ability of ABILITIES) {
      const idx = egrl.flatMap((r, i) => (r.abilities.includes(ability) ? [i] : []));
      if (idx.length > 0)
        abilityGain[ability] = bootstrap(
          idx.map((i) => egrl[i]!.hit1 - sft[i]!.hit1),
          bootSeed,
        );
    }
  }

  const hit = (r: string) => pooled[r]?.overall.hit1.mean;
  const gapDen = rows.includes('gold') && rows.includes('sft') ? hit('gold')! - hit('sft')! : 0;
  const gapClosed = gapDen > 0 && rows.includes('egrl') ? (hit('egrl')! - hit('sft')!) / gapDen : null;

  return {
    seeds: evals.map((e) => e.seed),
    rows,
    pooled,
    differences,
    abilityGain,
    gapClosed,
    claims: claims(rows, pooled, differences, abilityGain, gapClosed),
  };
}

function claims(
  rows: string[],
  pooled: Record<string, Summary>,
  d: Record<string, Estimate>,
  gain: CardAnalysis['abilityGain'],
  gapClosed: number | null,
): Claim[] {
  const out: Claim[] = [];
  const h = (r: string) => pooled[r]!.overall.hit1.mean;
  if (rows.includes('egrl') && rows.includes('sft') && rows.includes('none')) {
    out.push({
      id: 'order',
      statement: 'egrl > sft > none overall (Hit@1)',
      holds: h('egrl') > h('sft') && h('sft') > h('none'),
      evidence: `none ${pts(h('none'))}, sft ${pts(h('sft'))}, egrl ${pts(h('egrl'))}`,
    });
  }
  // A row's Hit@1 floor: none's without T-CoT, gold's with perfect T-CoTs.
  const floors = [
    ['none', 'none-floor', 'the Embedder alone (none) reaches 40 % Hit@1', 0.4],
    ['gold', 'gold-ceiling', 'with perfect T-CoTs (gold) the Embedder reaches 80 % Hit@1', 0.8],
  ] as const;
  for (const [row, id, statement, floor] of floors)
    if (rows.includes(row))
      out.push({ id, statement, holds: h(row) >= floor - 1e-9, evidence: `${row} ${pts(h(row))}` });
  const en = d['egrl-none'];
  if (en) {
    out.push({
      id: 'egrl-over-none',
      statement: 'egrl ≥ none + 10 Hit@1 points (T-CoT helps ranking)',
      holds: en.mean >= 0.1 - 1e-9,
      evidence: `egrl − none = ${ci(en)} points`,
    });
  }
  const es = d['egrl-sft'];
  if (es) {
    out.push({
      id: 'egrl-gain',
      statement: 'egrl − sft ≥ 3 Hit@1 points with a 95 % interval excluding 0',
      holds: es.mean >= 0.03 && es.lo > 0,
      evidence: `egrl − sft = ${ci(es)} points (paired bootstrap, ${es.n} items)`,
    });
  }
  const coarse = gain.coarse;
  const specific = (['fine-grained', 'temporal'] as const).filter((a) => gain[a]);
  if (coarse && specific.length > 0) {
    out.push({
      id: 'where',
      statement: 'the gain is larger on fine-grained and temporal abilities than on coarse ones',
      holds: specific.every((a) => gain[a]!.mean > coarse.mean),
      evidence: [...specific, 'coarse' as const].map((a) => `${a} ${ci(gain[a]!)}`).join('; '),
    });
  }
  if (gapClosed !== null) {
    out.push({
      id: 'gap',
      statement: 'egrl closes half or more of the gap between sft and gold',
      holds: gapClosed >= 0.5 - 1e-9,
      evidence: `(egrl − sft) / (gold − sft) = ${(gapClosed * 100).toFixed(0)} %`,
    });
  }
  const q = d['egrl-egrl-fp32'];
  if (q) {
    out.push({
      id: 'int8',
      statement: 'int8 within 0.5 Hit@1 points of fp32 (egrl)',
      holds: Math.abs(q.mean) <= 0.005 + 1e-9,
      evidence: `int8 − fp32 = ${ci(q)} points`,
    });
  }
  return out;
}

export const formatPoints = pts;
export const formatEstimate = ci;
