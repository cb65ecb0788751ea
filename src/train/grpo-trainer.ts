// Stage 4: EG-RL (SPEC "EG-RL"). The Embedder is frozen; the Reasoner (initialised from the cold start)
// is trained with GRPO. Each step takes `pairs` pairs of one task from the RL pool; every query and every
// positive is its own group of n rollouts (temperature 1 by SPEC). Each rollout's T-CoT is embedded with the
// evidence it points at (crops / key frames from the full-resolution input — the same path as
// evaluation, SPEC ★), and rewarded 0.05 · format + 0.8 · ORM + 0.2 · PRM: ORM from its similarities to
// every rollout of the other side (or, by `ormAgainst`, to greedy anchors or to the item's own candidates), PRM
// from the text-only path (embedTcotText) over shuffled candidates; the batch and its rewards are grpo-batch.ts.
// Advantages are group-normalised; the loss is the clipped surrogate (ε 0.2), token-mean, plus β · k3 KL
// to the frozen cold-start policy. One mini-batch, one epoch per batch.
import * as tf from '@tensorflow/tfjs-core';
import type { Embedder } from '../models/embedder';
import { reasonerInputFor } from '../models/inputs';
import type { Reasoner, ReasonerInput } from '../models/reasoner';
import { seededRng } from '../models/rng';
import { reasonGreedy } from '../retrieval/pipeline';
import { VOCAB } from '../tcot/default';
import { hashSeed, Rng } from '../world/rng';
import type { Task } from '../world/types';
import { groupAdvantages, meanStd } from './advantages';
import type { AnnotatedPair } from './data';
import { grpoReasonerInputs, rolloutRewards, worldGrpoPair, type GrpoPair } from './grpo-batch';
import { asSource, type PairSource } from './stream';
import { stepLoop, topBlocks, trainableVars, type StageHooks } from './stage-hooks';
import { paramGradsAsync, ScheduledAdam } from './grad';
import { grpoPolicyLoss } from './policy-loss';
import type { GrpoStage } from './presets';
import { constantLr } from './schedule';

export { grpoReasonerInputs, rolloutRewards, worldGrpoPair } from './grpo-batch';
export type { GrpoPair, RolloutRewards, SideParts } from './grpo-batch';

export interface GrpoStepLog {
  stage: 'grpo';
  step: number;
  steps: number;
  task: Task;
  reward: { mean: number; std: number };
  format: number; // mean format reward
  orm: number;
  prm: number;
  acc: number; // mean ORM accuracy (top-n hits / n)
  formatRate: number;
  kl: number; // token-mean k3 to the reference
  clipFrac: number;
  entropy: number; // token-mean −log p of sampled tokens (Monte-Carlo entropy estimate)
  gradNorm: number;
  lr: number;
  tokens: number; // mean T-CoT length
  zeroVariance: number; // share of groups whose n rollouts all got the same reward (no advantage signal)
  pairs: number; // pairs in this step's batch
  dt: number;
}

/** Right-pad per-row arrays into a [rows, T] tensor. */
function padded(rows: Float32Array[], T: number): tf.Tensor2D {
  const data = new Float32Array(rows.length * T);
  rows.forEach((r, i) => data.set(r.subarray(0, T), i * T));
  return tf.tensor2d(data, [rows.length, T]);
}

/** One GRPO update on given rollouts (exposed for tests): returns the diagnostics. Reads are asynchronous (GPU backends). */
export async function grpoUpdate(
  policy: Reasoner,
  optimizer: ScheduledAdam,
  inputs: ReasonerInput[],
  tokens: Int32Array[],
  oldLogprobs: Float32Array[],
  refLogprobs: Float32Array[],
  advantages: Float32Array,
  opts: {
    n: number;
    temperature: number;
    clipEps: number;
    klCoef: number;
    gradClip: number;
    lr: number;
    freezeVision?: boolean;
    trainBlocks?: number;
  },
): Promise<{ loss: number; kl: number; clipFrac: number; gradNorm: number }> {
  const T = Math.max(...tokens.map((t) => t.length));
  const all = trainableVars(policy, opts.freezeVision);
  const vars = opts.trainBlocks === undefined ? all : topBlocks(all, policy.config.nLayers, opts.trainBlocks);
  let diagnostics: tf.Tensor[] = [];
  const { value, grads } = await paramGradsAsync(vars, () => {
    const { logprobs, mask } = policy.logprobs(inputs, tokens, { groupSize: opts.n, temperature: opts.temperature });
    const out = grpoPolicyLoss(
      {
        logp: logprobs,
        oldLogp: padded(oldLogprobs, T),
        refLogp: padded(refLogprobs, T),
        advantages: tf.tensor1d(advantages),
        mask,
      },
      { clipEps: opts.clipEps, klCoef: opts.klCoef },
    );
    diagnostics = [tf.keep(out.kl), tf.keep(out.clippedFrac)];
    return out.loss;
  });
  const [kl, clipFrac] = await Promise.all(diagnostics.map(async (t) => (await t.data())[0]!));
  tf.dispose(diagnostics);
  const gradNorm = await optimizer.applyClippedAsync(grads, vars, opts.lr, opts.gradClip);
  return { loss: value, kl: kl!, clipFrac: clipFrac!, gradNorm };
}

/** What one GRPO step reports (the trainer adds step, task, lr and time). */
export type GrpoStepStats = Omit<GrpoStepLog, 'stage' | 'step' | 'steps' | 'task' | 'lr' | 'dt' | 'pairs'>;

/** Where one step's time went (ms): rollouts, their rewards, the reference's log-probs, the policy update. */
export interface GrpoTiming {
  generate: number;
  reward: number;
  ref: number;
  update: number;
}

/** "generate 1.20 s · reward 0.40 s · ref 0.30 s · update 2.10 s": each phase's mean over `steps`. */
export function timingLine(steps: GrpoTiming[]): string {
  const phases: (keyof GrpoTiming)[] = ['generate', 'reward', 'ref', 'update'];
  const mean = (k: keyof GrpoTiming) => steps.reduce((a, t) => a + t[k], 0) / Math.max(1, steps.length) / 1000;
  return phases.map((k) => `${k} ${mean(k).toFixed(2)} s`).join(' · ');
}

/**
 * One EG-RL step on one batch of pairs: n rollouts per query and per positive, rewards with evidence,
 * group advantages, one clipped-surrogate + k3 update of `policy`. Shared by the training recipe and the
 * in-browser fine-tuner; `seeds` drive the rollout sampling and the PRM's candidate shuffle.
 */
export async function grpoStep(
  policy: Reasoner,
  ref: Reasoner,
  embedder: Embedder,
  optimizer: ScheduledAdam,
  pairs: readonly GrpoPair[],
  stage: Omit<GrpoStage, 'steps' | 'pairs' | 'lr' | 'warmup'>,
  lr: number,
  seeds: { rollout: number; prm: number },
  timing?: GrpoTiming,
): Promise<GrpoStepStats> {
  const n = stage.n;
  if (timing) Object.assign(timing, { generate: 0, reward: 0, ref: 0, update: 0 });
  let t = performance.now();
  const lap = (phase: keyof GrpoTiming) => {
    const now = performance.now();
    if (timing) timing[phase] = now - t;
    t = now;
  };
  const inputs = grpoReasonerInputs(pairs);
  const gen = await policy.generate(inputs, {
    n,
    maxNewTokens: stage.maxNewTokens,
    temperature: stage.temperature,
    rng: seededRng(seeds.rollout),
    stopId: VOCAB.id('<eos>'),
  });
  // `ormAgainst: 'greedy'`: each input's greedy T-CoT, the anchor the other side's rollouts are scored against.
  // With `ormHardNegatives`, the pairs' hard negatives are decoded too (after the queries and positives).
  // With 'candidates', every pair's other candidates are (all anchors use the instruction, as evaluation's sides do).
  const extra = (p: GrpoPair) =>
    stage.ormAgainst === 'candidates'
      ? (p.others ?? [])
      : stage.ormHardNegatives && stage.ormAgainst === 'greedy' && p.hardNegative
        ? [p.hardNegative]
        : [];
  const negatives = pairs.flatMap((p) =>
    extra(p).map((c) => reasonerInputFor(VOCAB, { ...c, instruction: p.instruction })),
  );
  const anchors =
    stage.ormAgainst === 'greedy' || stage.ormAgainst === 'candidates'
      ? await reasonGreedy(policy, [...inputs, ...negatives], { maxNewTokens: stage.maxNewTokens })
      : undefined;
  lap('generate');
  const rewards = await rolloutRewards(embedder, pairs, gen.tokens, n, stage, new Rng(seeds.prm), anchors);
  lap('reward');
  const advantages = groupAdvantages(rewards.total, n);
  // A group whose rollouts all scored the same has zero advantages: it teaches nothing but the KL term.
  // With `dropZeroVariance` such groups leave the update (their share is logged either way).
  const live = inputs.map((_, i) => !flatGroup(rewards.total, i, n));
  const keep = stage.dropZeroVariance ? live : inputs.map(() => true);
  const rows = (xs: ArrayLike<unknown>) => Array.from(xs).filter((_, r) => keep[Math.floor(r / n)]);
  let upd = { loss: 0, kl: 0, clipFrac: 0, gradNorm: 0 };
  if (keep.some(Boolean)) {
    const keptInputs = inputs.filter((_, i) => keep[i]);
    const keptTokens = rows(gen.tokens) as Int32Array[];
    const refLogprobs = await ref.logprobsData(keptInputs, keptTokens, {
      groupSize: n,
      temperature: stage.temperature,
    });
    lap('ref');
    upd = await grpoUpdate(
      policy,
      optimizer,
      keptInputs,
      keptTokens,
      rows(gen.logprobs) as Float32Array[],
      refLogprobs,
      Float32Array.from(rows(advantages) as number[]),
      { ...stage, n, lr },
    );
    lap('update');
  }
  const tokenCount = gen.tokens.reduce((s, t) => s + t.length, 0);
  const nll = gen.logprobs.reduce((s, lp) => s - lp.reduce((a, b) => a + b, 0), 0);
  const mean = (x: Float32Array) => x.reduce((a, b) => a + b, 0) / Math.max(1, x.length);
  return {
    reward: meanStd(rewards.total),
    format: mean(rewards.format),
    orm: mean(rewards.orm),
    prm: mean(rewards.prm),
    acc: mean(rewards.acc),
    formatRate: mean(rewards.format),
    kl: upd.kl,
    clipFrac: upd.clipFrac,
    entropy: nll / Math.max(1, tokenCount),
    gradNorm: upd.gradNorm,
    tokens: tokenCount / gen.tokens.length,
    zeroVariance: live.filter((l) => !l).length / live.length,
  };
}

/** Did every rollout of group `g` (rows g·n … g·n + n − 1) get the same reward? */
function flatGroup(rewards: Float32Array, g: number, n: number): boolean {
  let lo = Infinity;
  let hi = -Infinity;
  for (let k = 0; k < n; k++) {
    lo = Math.min(lo, rewards[g * n + k]!);
    hi = Math.max(hi, rewards[g * n + k]!);
  }
  return hi - lo < 1e-6;
}

export async function trainGrpo(
  policy: Reasoner,
  ref: Reasoner,
  embedder: Embedder,
  pool: AnnotatedPair[] | PairSource,
  stage: GrpoStage,
  seed: number,
  hooks: StageHooks<GrpoStepLog> = {},
): Promise<GrpoStepLog[]> {
  // A task needs ≥ 2 pairs in its batch, or its rollouts have no negatives and ORM is trivially perfect.
  const source = asSource(pool, seed, 'grpo-batch', { minPerTask: Math.min(2, stage.pairs) });
  const schedule = constantLr(stage.lr, stage.warmup);
  return stepLoop(stage.steps, stage.lr, hooks, async (step, optimizer) => {
    const { task, items } = source.batch(step, stage.pairs);
    if (items.length < 2) return null; // no negatives: nothing to learn from this step
    const lr = schedule(step);
    const seeds = { rollout: hashSeed(seed, 'grpo-rollout', step), prm: hashSeed(seed, 'grpo-prm', step) };
    const stats = await grpoStep(policy, ref, embedder, optimizer, items.map(worldGrpoPair), stage, lr, seeds);
    const log: GrpoStepLog = {
      stage: 'grpo',
      step,
      steps: stage.steps,
      task,
      ...stats,
      lr,
      pairs: items.length,
      dt: 0,
    };
    return { log };
  });
}

/** A frozen copy of a model's weights in another instance of the same config (the KL reference). */
export function copyWeights(
  from: { params: { vars: Map<string, tf.Variable> } },
  to: { params: { vars: Map<string, tf.Variable> } },
): void {
  for (const [name, v] of from.params.vars) to.params.vars.get(name)!.assign(v);
}
