// The fine-tuning part of the Engine contract (types.ts re-exports these): labelled pairs, the EG-RL run's
// settings, its live state and its events.
import type { PairDraft, PairRowError } from '../../media/pairs';
import type { FinetuneSettings, FinetuneStepLog, HeldOutResult } from '../../train/finetune';

export type { FinetuneSettings, FinetuneStepLog, HeldOutResult } from '../../train/finetune';
export type { PairDraft, PairQuery, PairRowError } from '../../media/pairs';

/** A new pair: what it says, and the Explore instruction it was made under. */
export type NewPair = PairDraft & { instruction?: string };

/** A stored pair as the UI lists it. */
export interface PairView extends NewPair {
  id: string;
  createdAt: number;
  /** Seeded, stable: a held-out pair is never trained on. */
  split: 'train' | 'held-out';
  queryLabel: string;
  targetName: string;
  /** Why the pair cannot be used now (e.g. its target was removed from the library). */
  problem: string | null;
}

export interface PairImportResult {
  pairs: PairView[];
  added: number;
  errors: PairRowError[];
}

export type FinetunePhase =
  'idle' | 'preparing' | 'running' | 'pausing' | 'paused' | 'stopping' | 'evaluating' | 'finished' | 'error';

/** Held-out Hit@1 / MRR after `step` steps (step 0: the starting Reasoner). */
export interface FinetuneEvalPoint {
  step: number;
  hit1: number;
  mrr: number;
}

/** The fixed sample pair's greedy T-CoTs after `step` steps: how its text and evidence change. */
export interface FinetuneSample {
  step: number;
  query: number[];
  target: number[];
}

export interface FinetuneSnapshot {
  phase: FinetunePhase;
  message: string | null;
  error: string | null;
  settings: FinetuneSettings | null;
  step: number;
  steps: number;
  logs: FinetuneStepLog[];
  evals: FinetuneEvalPoint[];
  samples: FinetuneSample[];
  /** The pair whose T-CoTs the sample strip follows. */
  samplePair: { queryLabel: string; queryItemId: string | null; targetId: string; targetName: string } | null;
  /** Held-out retrieval with the starting Reasoner and with the fine-tuned one. */
  before: HeldOutResult | null;
  after: HeldOutResult | null;
  trainPairs: number;
  heldOutPairs: number;
  /**
   * A checkpoint in IndexedDB that can be resumed (after a reload or a closed tab): its step, the run's length,
   * when, whether finished, and `reached` — the last step the run finished before the page closed (≥ step): a
   * resume redoes steps step + 1 … reached.
   */
  saved: { step: number; steps: number; savedAt: number; finished: boolean; reached: number } | null;
  /** A fine-tuned Reasoner exists (from a run or an import) and whether Explore uses it now. */
  tuned: { steps: number; source: 'run' | 'import' } | null;
  applied: boolean;
  /** Explore uses the fine-tuned Reasoner of an earlier run or import, not the latest one. */
  earlierApplied: boolean;
  /** Key of the starting (built-in) Reasoner: a fine-tuned file must name it. */
  baseKey: string | null;
}

/** Everything the run reports goes out as a fresh snapshot (small: logs are a few hundred bytes a step). */
export type FinetuneCallback = (snapshot: FinetuneSnapshot) => void;

/** The run's part of a snapshot before its first step: a run of `steps` steps. */
export function freshRun(steps: number) {
  return {
    step: 0,
    steps,
    logs: [],
    evals: [],
    samples: [],
    before: null,
    after: null,
  } satisfies Partial<FinetuneSnapshot>;
}

/** A fine-tuner that has done nothing yet. */
export function idleSnapshot(): FinetuneSnapshot {
  return {
    phase: 'idle',
    message: null,
    error: null,
    settings: null,
    ...freshRun(0),
    samplePair: null,
    trainPairs: 0,
    heldOutPairs: 0,
    saved: null,
    tuned: null,
    applied: false,
    earlierApplied: false,
    baseKey: null,
  };
}
