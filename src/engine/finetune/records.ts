// What the fine-tuner keeps in IndexedDB (RunRecord.data of media/finetune-store.ts): the run's checkpoint,
// its per-step progress mark and the applied fine-tuned Reasoner; and what an exported one adds to its manifest.
import type * as tf from '@tensorflow/tfjs-core';
import { PAIR_SPLIT_SEED } from '../../media/pairs';
import type { FinetuneSettings, FinetuneStepLog, HeldOutResult, LoopState } from '../../train/finetune';
import type { FinetuneEvalPoint, FinetuneSample } from './types';

/** The train / held-out split's seed: fixed, so a training seed change never moves a trained pair into held-out. */
export const SPLIT_SEED = PAIR_SPLIT_SEED;
/** What an exported fine-tuned Reasoner adds to the weights manifest. */
export const FINETUNE_META_VERSION = 1;

export interface FinetuneMeta {
  version: number;
  /** Key of the Reasoner the run started from (its sha256 prefix, or a fresh model's config hash). */
  baseKey: string;
  baseSha256: string | null;
  settings: FinetuneSettings;
  steps: number;
  heldOut: { before: HeldOutResult | null; after: HeldOutResult | null };
}

/** What a checkpoint holds (RunRecord.data, key 'current'). */
export interface RunData {
  baseKey: string;
  settings: FinetuneSettings;
  trainIds: string[];
  state: LoopState;
  logs: FinetuneStepLog[];
  evals: FinetuneEvalPoint[];
  samples: FinetuneSample[];
  before: HeldOutResult | null;
  after: HeldOutResult | null;
  finished: boolean;
  /** When the run started (its identity for the progress mark); absent in checkpoints of older builds. */
  startedAt?: number;
}

/** The per-step progress mark (RunRecord key PROGRESS_KEY): the last finished step of the run started at `runSavedFrom`. */
export interface ProgressMark {
  step: number;
  runSavedFrom: number;
}
export const PROGRESS_KEY = 'progress';

/** The fine-tuned Reasoner Explore uses (RunRecord key APPLIED_KEY), so that the choice survives a reload. */
export interface AppliedRecord {
  meta: FinetuneMeta;
  source: 'run' | 'import';
  artifacts: tf.io.ModelArtifacts;
}
export const APPLIED_KEY = 'applied';
