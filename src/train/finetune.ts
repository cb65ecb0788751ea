// EG-RL fine-tuning on the user's own labelled pairs: the same GRPO step as the recipe
// (`grpoStep`, unchanged: Embedder frozen, n rollouts per query and per positive, format + ORM + PRM
// reward, k3 KL to the starting Reasoner, clipping), driven one step at a time so a host can pause,
// checkpoint and resume it. Every random choice comes from (seed, step): a run resumed from a checkpoint
// (weights + Adam moments + step) takes exactly the step an uninterrupted run would have taken.
// UI-agnostic: the engine (src/engine/finetune/) feeds it pairs and forwards its logs.
import * as tf from '@tensorflow/tfjs-core';
import type { Embedder } from '../models/embedder';
import { embedItemFor, reasoningInstruction } from '../models/inputs';
import type { Reasoner } from '../models/reasoner';
import { greedyTcots, prompted, tokenBudget } from '../retrieval/pipeline';
import { VOCAB } from '../tcot/default';
import { hashSeed, Rng } from '../world/rng';
import { ScheduledAdam, type OptimizerState } from './grad';
import { grpoStep, type GrpoPair, type GrpoStepStats, type GrpoTiming, type SideParts } from './grpo-trainer';
import type { GrpoStage } from './presets';
import { DEFAULT_REWARD_WEIGHTS, similarity, type RewardWeights } from './rewards';

export interface FinetuneSettings {
  steps: number; // 30
  n: number; // 4 — rollouts per query and per positive (the "G" of GRPO)
  batch: number; // 4 — pairs per step (distinct queries and targets: in-batch negatives must be real negatives)
  lr: number; // 3e-5 — constant (SPEC); the recipe's 2e-5 for this model size, a little higher to show movement sooner
  klCoef: number; // 0.01 — β of the k3 KL to the starting Reasoner (SPEC)
  temperature: number; // 1 — rollout sampling temperature (SPEC)
  weights: RewardWeights; // 0.05 / 0.8 / 0.2 (SPEC)
  seed: number; // 1 — batches, rollouts and the PRM's shuffle
  maxNewTokens: number; // 64 — longest rollout; also capped so every item fits both models
  evalEvery: number; // 10 — held-out Hit@1 and the sample traces every N steps
  checkpointEvery: number; // 5 — a checkpoint (IndexedDB in the browser) every N steps
  heldOut: number; // 0.2 — share of pairs held out (never trained on)
  trainBlocks?: number; // all when absent — train only the top K transformer blocks and the heads (faster steps)
}

/** Defaults sized for visible progress within minutes on a laptop GPU with the shipped models. */
export const DEFAULT_FINETUNE: FinetuneSettings = {
  steps: 30,
  n: 4,
  batch: 4,
  lr: 3e-5,
  klCoef: 0.01,
  temperature: 1,
  weights: { ...DEFAULT_REWARD_WEIGHTS },
  seed: 1,
  maxNewTokens: 64,
  evalEvery: 10,
  checkpointEvery: 5,
  heldOut: 0.2,
};

/** Checks a settings object; returns the problems as sentences a person can act on (empty when valid). */
export function settingsProblems(s: FinetuneSettings): string[] {
  const out: string[] = [];
  const int = (v: number, lo: number, hi: number, what: string) =>
    (!Number.isInteger(v) || v < lo || v > hi) &&
    out.push(`${what} must be a whole number from ${lo} to ${hi} (got ${v})`);
  const num = (v: number, lo: number, hi: number, what: string) =>
    (!Number.isFinite(v) || v < lo || v > hi) && out.push(`${what} must be between ${lo} and ${hi} (got ${v})`);
  int(s.steps, 1, 10_000, 'steps');
  int(s.n, 2, 16, 'G (rollouts per query)');
  int(s.batch, 2, 32, 'batch size');
  num(s.lr, 1e-7, 1e-2, 'learning rate');
  num(s.klCoef, 0, 10, 'KL coefficient');
  num(s.temperature, 0.05, 3, 'temperature');
  num(s.weights.format, 0, 10, 'format weight');
  num(s.weights.orm, 0, 10, 'ORM weight');
  num(s.weights.prm, 0, 10, 'PRM weight');
  int(s.seed, 0, 2 ** 31, 'seed');
  int(s.maxNewTokens, 4, 256, 'T-CoT length');
  int(s.evalEvery, 1, 10_000, 'evaluate every');
  int(s.checkpointEvery, 1, 10_000, 'checkpoint every');
  num(s.heldOut, 0.05, 0.9, 'held-out share');
  if (s.trainBlocks !== undefined) int(s.trainBlocks, 0, 64, 'trained blocks');
  return out;
}

/** A training pair with what the batch sampler needs to keep in-batch negatives real. */
export interface TrainPair {
  id: string;
  /** Same key = same query (a text or an item): two such pairs are never in one batch. */
  queryKey: string;
  targetId: string;
  pair: GrpoPair;
}

export interface FinetuneStepLog extends GrpoStepStats {
  step: number;
  steps: number;
  lr: number;
  dt: number; // seconds
  pairs: string[]; // ids of the batch's pairs
}

/**
 * The batch of a step: pairs in a (seed, step)-seeded order, taken greedily while their query and target
 * are new to the batch (a repeated query or target would make a positive look like a negative).
 */
export function pickBatch(pairs: readonly TrainPair[], step: number, size: number, seed: number): TrainPair[] {
  const order = new Rng(hashSeed(seed, 'ft-batch', step)).shuffle(pairs.map((_, i) => i));
  const queries = new Set<string>();
  const targets = new Set<string>();
  const out: TrainPair[] = [];
  for (const i of order) {
    const p = pairs[i]!;
    if (queries.has(p.queryKey) || targets.has(p.targetId)) continue;
    queries.add(p.queryKey);
    targets.add(p.targetId);
    out.push(p);
    if (out.length === size) break;
  }
  return out;
}

/** How many pairs can share a batch at most (distinct queries and targets); GRPO needs 2. */
export function maxBatch(pairs: readonly TrainPair[]): number {
  return pickBatch(pairs, 0, pairs.length, 0).length;
}

/** The sides of GRPO pairs as tokenBudget reads them (the Reasoner sees the instruction on both sides). */
export function pairSides(pairs: readonly GrpoPair[]): (SideParts & { instruction?: string; query: boolean })[] {
  return pairs.flatMap((p) => [
    { ...p.query, instruction: p.instruction, query: true },
    { ...p.positive, instruction: p.instruction, query: false },
  ]);
}

/** The loop's resumable state: the next step, the policy's weights and Adam's moments, as plain arrays. */
export interface LoopState {
  step: number;
  weights: { name: string; shape: number[]; values: Float32Array }[];
  optimizer: OptimizerState;
}

export class FinetuneLoop {
  step = 0;
  private readonly optimizer: ScheduledAdam;
  readonly maxNewTokens: number;
  /** Where the last step's time went (grpo-trainer.ts), for the benchmark; zeros for a phase it skipped. */
  readonly timing: GrpoTiming = { generate: 0, reward: 0, ref: 0, update: 0 };

  constructor(
    readonly policy: Reasoner,
    readonly ref: Reasoner,
    readonly embedder: Embedder,
    readonly pairs: readonly TrainPair[],
    readonly settings: FinetuneSettings,
  ) {
    const problems = settingsProblems(settings);
    if (problems.length) throw new RangeError(problems.join('; '));
    if (maxBatch(pairs) < 2)
      throw new RangeError(
        'EG-RL needs at least 2 training pairs that match, with different queries and different targets (the other pairs of a batch are its negatives)',
      );
    this.optimizer = new ScheduledAdam(settings.lr);
    this.maxNewTokens = tokenBudget(policy, embedder, pairSides(pairs.map((p) => p.pair)), settings.maxNewTokens);
  }

  get done(): boolean {
    return this.step >= this.settings.steps;
  }

  /** One EG-RL step (grpoStep, as the recipe runs it) on the step's seeded batch. */
  async runStep(): Promise<FinetuneStepLog> {
    const t0 = performance.now();
    const s = this.settings;
    const step = this.step;
    const batch = pickBatch(this.pairs, step, s.batch, s.seed);
    const stage: Omit<GrpoStage, 'steps' | 'pairs' | 'lr' | 'warmup'> = {
      n: s.n,
      maxNewTokens: this.maxNewTokens,
      temperature: s.temperature,
      clipEps: 0.2,
      klCoef: s.klCoef,
      gradClip: 1,
      weights: s.weights,
      orm: 'sum',
      freezeVision: true, // the user's pairs tune what the Reasoner writes, not what the stem sees
      dropZeroVariance: true,
      ...(s.trainBlocks !== undefined && { trainBlocks: s.trainBlocks }),
    };
    const seeds = { rollout: hashSeed(s.seed, 'ft-rollout', step), prm: hashSeed(s.seed, 'ft-prm', step) };
    const stats = await grpoStep(
      this.policy,
      this.ref,
      this.embedder,
      this.optimizer,
      batch.map((p) => p.pair),
      stage,
      s.lr,
      seeds,
      this.timing,
    );
    this.step = step + 1;
    return {
      ...stats,
      step,
      steps: s.steps,
      lr: s.lr,
      dt: (performance.now() - t0) / 1000,
      pairs: batch.map((p) => p.id),
    };
  }

  async state(): Promise<LoopState> {
    const weights = await Promise.all(
      [...this.policy.params.vars].map(async ([name, v]) => ({
        name,
        shape: v.shape,
        values: (await v.data()) as Float32Array,
      })),
    );
    return { step: this.step, weights, optimizer: await this.optimizer.getState() };
  }

  /** Continue from a state(): the same model, the same settings; the next runStep equals the uninterrupted one. */
  async restore(state: LoopState): Promise<void> {
    assignWeights(this.policy, state.weights);
    // tfjs creates Adam's moment variables on the first update; make them exist before setting them.
    if (state.optimizer.length > 0) await this.optimizer.setState(state.optimizer);
    this.step = state.step;
  }

  dispose(): void {
    this.optimizer.dispose();
  }
}

/** Put plain-array weights into a model's variables (names and shapes must match). */
export function assignWeights(
  model: { params: { vars: Map<string, tf.Variable> } },
  weights: LoopState['weights'],
): void {
  const byName = new Map(weights.map((w) => [w.name, w]));
  for (const [name, v] of model.params.vars) {
    const w = byName.get(name);
    if (!w || w.shape.join() !== v.shape.join())
      throw new RangeError(`checkpoint does not fit the model: tensor '${name}'`);
  }
  for (const [name, v] of model.params.vars) {
    const w = byName.get(name)!;
    tf.tidy(() => v.assign(tf.tensor(w.values, w.shape, 'float32')));
  }
}

// ---- held-out evaluation ----------------------------------------------------------------------

export interface EvalQuery {
  id: string;
  query: SideParts;
  instruction?: string;
  /** Index of the true target in the candidate list. */
  target: number;
}

export interface HeldOutResult {
  hit1: number; // share of queries whose target ranks first
  mrr: number; // mean of 1 / rank
  ranks: number[]; // per query, 1-based
  queries: number;
  candidates: number;
  /** The greedy T-CoTs behind the ranks, when asked for (`keepTcots`): what the lesson shows changing. */
  tcots?: { queries: Int32Array[]; candidates: Int32Array[] };
}

/**
 * Each query's target rank (1-based) in a [queries × candidates] similarity matrix, row-major. Ties count against
 * the target: rank = 1 + the candidates other than it scoring at least as high.
 */
export function targetRanks(sim: Float32Array, targets: readonly number[]): number[] {
  const n = targets.length ? sim.length / targets.length : 0;
  return targets.map((target, i) => {
    const row = sim.subarray(i * n, (i + 1) * n);
    let better = 0;
    row.forEach((s, j) => j !== target && s >= row[target]! && better++);
    return better + 1;
  });
}

/**
 * Held-out retrieval with the Reasoner's greedy T-CoTs: each query and every candidate is reasoned about
 * and embedded with its evidence (the query with its instruction, candidates without — as Explore
 * searches), and the query's true target is ranked among all candidates by cosine similarity. As in Explore, a
 * side without an instruction is reasoned about under its modality's caption instruction (reasoningInstruction).
 */
export async function evaluateHeldOut(
  reasoner: Reasoner,
  embedder: Embedder,
  queries: readonly EvalQuery[],
  candidates: readonly SideParts[],
  maxNewTokens: number,
  opts: { keepTcots?: boolean } = {},
): Promise<HeldOutResult> {
  if (queries.length === 0 || candidates.length < 2)
    return { hit1: NaN, mrr: NaN, ranks: [], queries: queries.length, candidates: candidates.length };
  const qSides = queries.map((q) => ({ ...q.query, instruction: q.instruction }));
  const budget = tokenBudget(
    reasoner,
    embedder,
    [
      ...qSides.map((s) => ({ ...s, instruction: s.instruction || reasoningInstruction(s.visual), query: true })),
      ...candidates.map((c) => ({ ...c, instruction: reasoningInstruction(c.visual), query: false })),
    ],
    maxNewTokens,
  );
  const qT = await greedyTcots(reasoner, qSides.map(prompted), budget);
  const cT = await greedyTcots(reasoner, candidates.map(prompted), budget);
  const qEmb = await embedder.embedData(qSides.map((s, i) => embedItemFor(VOCAB, { ...s, tcotIds: qT[i]! })));
  const cEmb = await embedder.embedData(candidates.map((c, i) => embedItemFor(VOCAB, { ...c, tcotIds: cT[i]! })));
  const ranks = targetRanks(
    similarity(qEmb, cEmb),
    queries.map((q) => q.target),
  );
  return {
    hit1: ranks.filter((r) => r === 1).length / ranks.length,
    mrr: ranks.reduce((a, r) => a + 1 / r, 0) / ranks.length,
    ranks,
    queries: queries.length,
    candidates: candidates.length,
    ...(opts.keepTcots ? { tcots: { queries: qT, candidates: cT } } : {}),
  };
}
