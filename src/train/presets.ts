// The training recipe's numbers. `full` is sized for the 90-minute budget on the project's 2-core
// machine (WASM, one SIMD thread) from measured step times; `quick` is a ~2-minute smoke run; `test`
// (tiny models) is what the unit test runs end to end. Step times measured 2026-11-24 (src/train/README.md).
import type { EmbedderConfig } from '../models/embedder';
import type { ReasonerConfig } from '../models/reasoner';
import { VOCAB } from '../tcot/default';

export interface EmbedderStage {
  steps: number;
  batch: number; // pairs per step, all from one task (in-batch negatives are same-task)
  lr: number; // peak; cosine decay to 10 % with `warmup` linear steps
  warmup: number;
  noTcotProb: number; // share of steps embedded without T-CoT/evidence, so the `none` baseline is trained
  hardNegatives: boolean; // add each pair's one-detail hard negative to the query → positive direction
  logitScale: number; // SPEC: 50 (τ = 0.02)
}

export interface SftStage {
  maxSteps: number;
  batch: number;
  lr: number;
  warmup: number;
  evalEvery: number; // validation loss every N steps
  patience: number; // stop after this many evaluations without a new best (best weights are kept)
  valPairs: number; // matched pairs held out of SFT training for the validation loss
}

export interface GrpoStage {
  steps: number;
  pairs: number; // query/positive pairs per step, all from one task
  n: number; // rollouts per query and per positive (SPEC: 4)
  lr: number; // constant (SPEC), with a short warm-up
  warmup: number;
  maxNewTokens: number;
  temperature: number; // SPEC: 1.0 (top-p 1.0)
  clipEps: number; // SPEC: 0.2
  klCoef: number; // SPEC: 0.01, k3 estimator to the cold-start policy
  gradClip: number; // SPEC: 1.0
  weights: { format: number; orm: number; prm: number }; // SPEC: 0.05 / 0.8 / 0.2
  orm: 'sum' | 'product'; // src/train/rewards.ts: 'sum' gives signal before acc > 0
}

export interface TrainPreset {
  name: string;
  dataPairs: number; // stream pairs annotated (≈ 80 % contrastive, 20 % RL pool)
  embedderConfig: Partial<EmbedderConfig>;
  reasonerConfig: Partial<ReasonerConfig>;
  embedder: EmbedderStage;
  sft: SftStage;
  grpo: GrpoStage;
  evalPerTask: number; // held-out items per task for the end-of-run evaluation
  checkpointEvery: number; // steps between in-stage checkpoints
}

/** Shipped model configs: the T-CoT vocabulary's size and special ids; Reasoner patches of 12 px (64 vision tokens). */
export function shippedEmbedderConfig(): Partial<EmbedderConfig> {
  return { vocabSize: VOCAB.size, pool: 'emb+mean' };
}
export function shippedReasonerConfig(): Partial<ReasonerConfig> {
  // 96² image / 12 px = 8×8 = 64 tokens; clip 16 frames × (24² / 12 px = 2×2) = 64 tokens. The 8-px default
  // (144 tokens) made teacher-forced attention 3× dearer for no measured gain in this world.
  return { vocabSize: VOCAB.size, bosId: VOCAB.id('<bos>'), padId: VOCAB.id('<pad>'), patch: 12 };
}

const SPEC_GRPO: Omit<GrpoStage, 'steps' | 'pairs' | 'lr' | 'warmup' | 'maxNewTokens'> = {
  n: 4,
  temperature: 1,
  clipEps: 0.2,
  klCoef: 0.01,
  gradClip: 1,
  weights: { format: 0.05, orm: 0.8, prm: 0.2 },
  orm: 'sum',
};

export const PRESETS: Record<'full' | 'short' | 'quick' | 'test', TrainPreset> = {
  // Budget from per-step times measured in the `short` run (2 vCPU, WASM 1 thread, shipped configs): Embedder
  // 1.2 s/step at 8 + 8 items → ≈ 1.8 s at 12 + 12: 700 steps ≈ 21 min; SFT 1.45 s/step at batch 8 incl.
  // validation → ≈ 2.1 s at 12: ≤ 1000 steps ≈ ≤ 35 min + 10 validations × ≈ 15 s; EG-RL 3.55 s/step at
  // 2 pairs → ≈ 7 s at 4 pairs: 120 steps ≈ 14 min; end-of-run eval (20 per task, none/sft/egrl) ≈ 7 min
  // → ≈ 80 min worst case (SFT may stop early). The Embedder needs its ≈ 250-step plateau plus room to descend.
  // Logit scale 20 (τ 0.05) instead of SPEC's 50: from scratch, scale 50 stayed at chance in probes while 20
  // descended (src/train/README.md); the card must say so.
  full: {
    name: 'full',
    dataPairs: 6600,
    embedderConfig: shippedEmbedderConfig(),
    reasonerConfig: shippedReasonerConfig(),
    embedder: { steps: 700, batch: 12, lr: 3e-4, warmup: 30, noTcotProb: 0.3, hardNegatives: true, logitScale: 20 },
    sft: { maxSteps: 1000, batch: 12, lr: 5e-4, warmup: 30, evalEvery: 100, patience: 3, valPairs: 110 },
    grpo: { ...SPEC_GRPO, steps: 120, pairs: 4, lr: 2e-5, warmup: 5, maxNewTokens: 64 },
    evalPerTask: 20,
    checkpointEvery: 100,
  },
  // A ≈ 30-minute experiment (same code path): is there any EG-RL lift at all?
  short: {
    name: 'short',
    dataPairs: 3300,
    embedderConfig: shippedEmbedderConfig(),
    reasonerConfig: shippedReasonerConfig(),
    embedder: { steps: 660, batch: 8, lr: 3e-4, warmup: 30, noTcotProb: 0.3, hardNegatives: true, logitScale: 20 },
    sft: { maxSteps: 400, batch: 8, lr: 5e-4, warmup: 20, evalEvery: 50, patience: 3, valPairs: 55 },
    grpo: { ...SPEC_GRPO, steps: 60, pairs: 2, lr: 2e-5, warmup: 3, maxNewTokens: 64 },
    evalPerTask: 10,
    checkpointEvery: 50,
  },
  quick: {
    name: 'quick',
    dataPairs: 440,
    embedderConfig: shippedEmbedderConfig(),
    reasonerConfig: shippedReasonerConfig(),
    embedder: { steps: 30, batch: 8, lr: 5e-4, warmup: 5, noTcotProb: 0.3, hardNegatives: true, logitScale: 20 },
    sft: { maxSteps: 40, batch: 8, lr: 1e-3, warmup: 5, evalEvery: 10, patience: 2, valPairs: 22 },
    grpo: { ...SPEC_GRPO, steps: 6, pairs: 2, lr: 2e-5, warmup: 1, maxNewTokens: 64 },
    evalPerTask: 2,
    checkpointEvery: 10,
  },
  // Unit-test preset: tiny models (same vocabulary), a handful of steps; seconds, not minutes.
  test: {
    name: 'test',
    dataPairs: 110,
    embedderConfig: { ...shippedEmbedderConfig(), dModel: 32, nLayers: 1, nHeads: 2, mlpRatio: 2, outDim: 16, globalSize: 16, evidenceSize: 16, globalFrames: 2, maxEvidence: 2 },
    reasonerConfig: { ...shippedReasonerConfig(), dModel: 32, nLayers: 1, nHeads: 2, mlpRatio: 2, maxLen: 160, patch: 12, imageSize: 48, clipFrames: 4, clipSize: 24 },
    embedder: { steps: 88, batch: 4, lr: 1e-3, warmup: 0, noTcotProb: 0.25, hardNegatives: true, logitScale: 50 },
    sft: { maxSteps: 12, batch: 4, lr: 3e-3, warmup: 0, evalEvery: 4, patience: 5, valPairs: 6 },
    grpo: { ...SPEC_GRPO, steps: 4, pairs: 2, n: 2, lr: 1e-3, warmup: 0, maxNewTokens: 24 },
    evalPerTask: 1,
    checkpointEvery: 4,
  },
};
