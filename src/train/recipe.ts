// The whole recipe, UI-agnostic: vision stem (dense pre-training on the world's annotations) → Embedder
// (contrastive) and Reasoner cold start (SFT with early stopping), both starting from the stem → EG-RL
// (GRPO against the frozen Embedder). Every stage reads fresh pairs from the world's unbounded training
// stream, each from its own stretch of it (src/train/stream.ts). Progress leaves through `onStep` /
// `onStage`; weights and the resume point go through a CheckpointStore (checkpoint-node.ts on disk; tests
// use memory). The Embedder and the cold start do not depend on each other: `sftElsewhere` lets a host run
// the cold start in another process (the CLI uses the second core) while this one trains the Embedder. After
// both, the Embedder adapts to the cold start's own T-CoTs (`adapt`), then EG-RL.
// Adam moments are not checkpointed: a resumed stage restarts them.
import { Embedder } from '../models/embedder';
import { Reasoner } from '../models/reasoner';
import { copyStemHead } from '../models/pointer';
import { copyVision, VisionModel } from '../models/vision';
import {
  DEFAULT_CLIP_EVENT_STAGE,
  scoreClipEvents,
  trainClipEvents,
  type ClipEventScores,
} from './clip-events-trainer';
import { answerKey, type AnnotatedPair } from './data';
import { trainEmbedder, type EmbedderStepLog } from './embedder-trainer';
import { copyWeights, trainGrpo, type GrpoStepLog } from './grpo-trainer';
import type { TrainPreset } from './presets';
import { sftExamples, trainSft, type SftStepLog } from './sft-trainer';
import { hashSeed } from '../world/rng';
import { streamSource } from './stream';
import { HEAD_OUT } from '../models/stem-head';
import { trainVision, type VisionMetrics, type VisionStepLog } from './vision-trainer';

export type StageName = 'vision' | 'embedder' | 'sft' | 'extend' | 'adapt' | 'grpo' | 'polish';
export type StepLog = VisionStepLog | EmbedderStepLog | SftStepLog | GrpoStepLog;

export interface RecipeState {
  preset: string;
  seed: number;
  done: StageName[];
  current: { stage: StageName; step: number } | null;
  sft?: SftSummary;
  extend?: SftSummary; // the cold start's second part (a preset's `extend`)
  vision?: VisionMetrics; // the stem's held-out figures at the end of its stage
  clipEvents?: ClipEventScores; // the clip-event detector's held-out figures (reasoners with `clipEvents`)
  seen?: Partial<Record<StageName, number>>; // distinct pairs (SFT: examples) each stage drew from the stream
  seconds: Partial<Record<StageName | 'data' | 'clip-events', number>>;
}

export type SftSummary = { bestValLoss: number; bestStep: number; stoppedEarly: boolean; stoppedAt: number };

/**
 * Where checkpoints live. Model names: vision, embedder, reasoner-sft (the cold start), reasoner-ext (its second part,
 * when the preset has one), reasoner-egrl, and `<name>.partial` mid-stage.
 */
export interface CheckpointStore {
  saveModel(name: string, model: Embedder | Reasoner | VisionModel): Promise<void>;
  loadModel(name: string, model: Embedder | Reasoner | VisionModel): Promise<boolean>; // false when absent
  saveState(state: RecipeState): Promise<void>;
  loadState(): Promise<RecipeState | null>;
}

export interface RecipeOptions {
  preset: TrainPreset;
  seed: number;
  store: CheckpointStore;
  resume?: boolean;
  onStep?: (log: StepLog) => void;
  onStage?: (stage: StageName | 'data' | 'clip-events', info: Record<string, unknown>) => void;
  /** Only this stage (and what it needs from the store): a second process's share of a parallel run. */
  only?: 'sft';
  /**
   * Run the cold start elsewhere (another process on the same store, `only: 'sft'`): called after the
   * vision stage, awaited after the Embedder; it resolves with that run's final state.
   */
  sftElsewhere?: () => Promise<RecipeState>;
}

export interface RecipeResult {
  val: AnnotatedPair[]; // the cold start's validation pairs (never trained on)
  embedder: Embedder;
  sft: Reasoner;
  egrl: Reasoner;
  state: RecipeState;
}

/** Stream regions (per-task stream indices) of each stage: no stage sees another's pairs. */
export const REGIONS = {
  embedder: 0,
  sft: 200_000,
  extend: 300_000,
  grpo: 400_000,
  val: 600_000,
  adapt: 800_000,
} as const;

/** The cold start's validation pairs: matched pairs of every task from their own stretch of the stream. */
export function validationPairs(seed: number, count: number): AnnotatedPair[] {
  const source = streamSource(seed, { region: REGIONS.val, want: 'match', sameTask: false, window: 2 });
  return source.batch(0, count).items;
}

export async function runRecipe(opts: RecipeOptions): Promise<RecipeResult> {
  const { preset, seed, store } = opts;
  const fresh: RecipeState = { preset: preset.name, seed, done: [], current: null, seconds: {}, seen: {} };
  let state = (opts.resume ? await store.loadState() : null) ?? fresh;
  if (state.preset !== preset.name || state.seed !== seed)
    throw new Error(`cannot resume: checkpoint is preset ${state.preset} seed ${state.seed}`);
  state.seen ??= {};
  const save = () => store.saveState(state);
  const timed = async <T>(stage: StageName | 'data' | 'clip-events', run: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    const out = await run();
    state.seconds[stage] = (state.seconds[stage] ?? 0) + (performance.now() - t0) / 1000;
    return out;
  };
  /** Start step of a stage (resuming from `<model>.partial` when the checkpoint says so). */
  const startOf = async (stage: StageName, name: string, model: Embedder | Reasoner | VisionModel): Promise<number> => {
    if (state.current?.stage === stage && state.current.step > 0 && (await store.loadModel(`${name}.partial`, model)))
      return state.current.step;
    return 0;
  };
  const checkpointer =
    (stage: StageName, name: string, model: Embedder | Reasoner | VisionModel) => async (next: number) => {
      await store.saveModel(`${name}.partial`, model);
      state.current = { stage, step: next };
      await save();
    };
  const finish = async (stage: StageName, patch: Partial<RecipeState> = {}) => {
    state = { ...state, ...patch, done: [...state.done, stage], current: null };
    await save();
  };
  const hooks = <L>(stage: StageName, name: string, model: Embedder | Reasoner | VisionModel, startStep: number) => ({
    startStep,
    onStep: opts.onStep as ((log: L) => void) | undefined,
    checkpoint: checkpointer(stage, name, model),
    checkpointEvery: preset.checkpointEvery,
  });

  // Stage 0: the shared vision stem.
  const visionSpec = preset.vision;
  const vision = visionSpec ? new VisionModel({ ...visionSpec.config, headOut: HEAD_OUT, seed: 3 }) : null;
  if (vision && visionSpec) {
    if (state.done.includes('vision') || opts.only)
      await mustLoad(store, 'vision', vision); // a parallel stage starts after it
    else {
      const startStep = await startOf('vision', 'vision', vision);
      opts.onStage?.('vision', { steps: visionSpec.stage.steps, startStep, params: vision.params.count() });
      const logs = await timed('vision', () =>
        trainVision(vision, visionSpec.stage, seed, hooks('vision', 'vision', vision, startStep)),
      );
      await store.saveModel('vision', vision);
      await finish('vision', { vision: logs[logs.length - 1]?.heldout });
    }
  }
  const withStem = <M extends Embedder | Reasoner>(model: M): M => {
    if (vision) copyVision(vision.params, model.params, vision.stem);
    if (vision && model instanceof Reasoner && model.config.pointer?.source === 'stem')
      copyStemHead(vision.params, model.params); // its boxes start as the stem's detector
    return model;
  };

  const val = validationPairs(seed, preset.sft.valPairs);
  const sft = withStem(new Reasoner(preset.reasonerConfig));
  const runSft = async () => {
    if (state.done.includes('sft')) return mustLoad(store, 'reasoner-sft', sft);
    const source = streamSource(seed, { region: REGIONS.sft, want: 'match', sameTask: false });
    const startStep = await startOf('sft', 'reasoner-sft', sft);
    if (sft.config.clipEvents && startStep === 0) {
      // the detector first, on the frozen stem (a resumed cold start has it in its partial checkpoint)
      const stage = preset.clipEvents ?? DEFAULT_CLIP_EVENT_STAGE;
      opts.onStage?.('clip-events', { steps: stage.steps });
      const scores = await timed('clip-events', async () => {
        trainClipEvents(sft.params, sft.config.vision!, sft.config.clipSize, stage, seed);
        return scoreClipEvents(sft.params, sft.config.vision!, sft.config.clipSize, 200, hashSeed(seed, 'clip-events'));
      });
      state = { ...state, clipEvents: scores };
    }
    opts.onStage?.('sft', {
      maxSteps: preset.sft.maxSteps,
      startStep,
      val: val.length * 2,
      params: sft.params.count(),
    });
    const result = await timed('sft', () =>
      trainSft(sft, source, sftExamples(val), preset.sft, seed, hooks('sft', 'reasoner-sft', sft, startStep)),
    );
    await store.saveModel('reasoner-sft', sft);
    await finish('sft', { sft: summaryOf(result, startStep), seen: { ...state.seen, sft: result.logs.at(-1)?.seen } });
  };
  if (opts.only === 'sft') {
    await runSft();
    vision?.dispose();
    return { val, embedder: new Embedder(preset.embedderConfig), sft, egrl: sft, state };
  }
  const elsewhere = !state.done.includes('sft') && opts.sftElsewhere ? opts.sftElsewhere() : null;

  // Stage 1: Embedder (in parallel with the cold start when it runs elsewhere).
  const embedder = withStem(new Embedder(preset.embedderConfig));
  if (state.done.includes('embedder')) await mustLoad(store, 'embedder', embedder);
  else {
    const source = streamSource(seed, { region: REGIONS.embedder, want: 'match', sameTask: true, distinct: answerKey });
    const startStep = await startOf('embedder', 'embedder', embedder);
    opts.onStage?.('embedder', { steps: preset.embedder.steps, startStep, params: embedder.params.count() });
    const logs = await timed('embedder', () =>
      trainEmbedder(embedder, source, preset.embedder, seed, hooks('embedder', 'embedder', embedder, startStep)),
    );
    await store.saveModel('embedder', embedder);
    await finish('embedder', { seen: { ...state.seen, embedder: logs.reduce((a, l) => a + l.pairs, 0) } });
  }
  vision?.dispose();

  // Stage 2: the cold start — here, or the other process's result.
  if (elsewhere) {
    const other = await elsewhere;
    if (!other.done.includes('sft')) throw new Error('the parallel cold start ended without finishing');
    await mustLoad(store, 'reasoner-sft', sft);
    state = {
      ...state,
      done: [...state.done, 'sft'],
      sft: other.sft,
      clipEvents: other.clipEvents,
      seen: { ...state.seen, sft: other.seen?.sft },
      seconds: { ...state.seconds, sft: other.seconds.sft, 'clip-events': other.seconds['clip-events'] },
    };
    await save();
  } else await runSft();

  // Stage 2b: the cold start's second part — new heads on the trained cold start, more SFT on fresh pairs.
  let cold = sft;
  if (preset.extend) {
    cold = new Reasoner({ ...preset.reasonerConfig, ...preset.extend.heads });
    if (state.done.includes('extend')) await mustLoad(store, 'reasoner-ext', cold);
    else {
      copyWeights(sft, cold); // the new heads keep their initialisation
      const source = streamSource(seed, { region: REGIONS.extend, want: 'match', sameTask: false });
      const stage = preset.extend.sft;
      const startStep = await startOf('extend', 'reasoner-ext', cold);
      opts.onStage?.('extend', { maxSteps: stage.maxSteps, startStep, params: cold.params.count() });
      const result = await timed('extend', () =>
        trainSft(cold, source, sftExamples(val), stage, seed, {
          ...hooks('extend', 'reasoner-ext', cold, startStep),
          stageName: 'extend',
        }),
      );
      await store.saveModel('reasoner-ext', cold);
      await finish('extend', {
        extend: summaryOf(result, startStep),
        seen: { ...state.seen, extend: result.logs.at(-1)?.seen },
      });
    }
    sft.dispose();
  }

  // Stage 3: the Embedder again, on a mix of the annotator's T-CoTs and the cold start's own (greedy), so it
  // learns to use the evidence the Reasoner really points at, and to lean on the global view when that misses.
  if (preset.adapt && !state.done.includes('adapt')) {
    const source = streamSource(seed, { region: REGIONS.adapt, want: 'match', sameTask: true, distinct: answerKey });
    const startStep = await startOf('adapt', 'embedder', embedder);
    opts.onStage?.('adapt', { steps: preset.adapt.steps, startStep, reasonerProb: preset.adapt.reasonerProb });
    const logs = await timed('adapt', () =>
      trainEmbedder(embedder, source, preset.adapt!, seed, {
        ...hooks('adapt', 'embedder', embedder, startStep),
        stageName: 'adapt',
        reasonerTcots: { reasoner: cold, prob: preset.adapt!.reasonerProb, maxNewTokens: preset.grpo.maxNewTokens },
      }),
    );
    await store.saveModel('embedder', embedder);
    await finish('adapt', { seen: { ...state.seen, adapt: logs.reduce((a, l) => a + l.pairs, 0) } });
  } else if (preset.adapt) await mustLoad(store, 'embedder', embedder);

  // Stage 4: EG-RL from the cold start, KL to a frozen copy of it.
  const egrl = new Reasoner(cold.config);
  if (state.done.includes('grpo')) await mustLoad(store, 'reasoner-egrl', egrl);
  else {
    copyWeights(cold, egrl);
    const source = streamSource(seed, {
      region: REGIONS.grpo,
      want: preset.grpo.want ?? 'mismatch',
      sameTask: true,
      distinct: answerKey,
    });
    const startStep = await startOf('grpo', 'reasoner-egrl', egrl);
    opts.onStage?.('grpo', { steps: preset.grpo.steps, startStep });
    const logs = await timed('grpo', () =>
      trainGrpo(egrl, cold, embedder, source, preset.grpo, seed, hooks('grpo', 'reasoner-egrl', egrl, startStep)),
    );
    await store.saveModel('reasoner-egrl', egrl);
    await finish('grpo', { seen: { ...state.seen, grpo: logs.reduce((a, l) => a + l.pairs, 0) } });
  }

  // Stage 5 (a preset's `polish`): the Embedder again, after EG-RL, on fresh pairs, mostly without T-CoT.
  const polish = preset.polish;
  if (polish && !state.done.includes('polish')) {
    const source = streamSource(seed, {
      region: REGIONS.adapt + polish.offset,
      want: 'match',
      sameTask: true,
      distinct: answerKey,
    });
    const startStep = await startOf('polish', 'embedder', embedder);
    opts.onStage?.('polish', { steps: polish.steps, startStep });
    const logs = await timed('polish', () =>
      trainEmbedder(embedder, source, polish, polish.rngSeed, {
        ...hooks('polish', 'embedder', embedder, startStep),
        stageName: 'polish',
        drawsAs: polish.drawsAs,
      }),
    );
    await store.saveModel('embedder', embedder);
    await finish('polish', { seen: { ...state.seen, polish: logs.reduce((a, l) => a + l.pairs, 0) } });
  }
  return { val, embedder, sft: cold, egrl, state };
}

const summaryOf = (
  result: { bestValLoss: number; bestStep: number; stoppedEarly: boolean; logs: { step: number }[] },
  startStep: number,
): SftSummary => ({
  bestValLoss: result.bestValLoss,
  bestStep: result.bestStep,
  stoppedEarly: result.stoppedEarly,
  stoppedAt: result.logs.length > 0 ? result.logs[result.logs.length - 1]!.step + 1 : startStep,
});

async function mustLoad(store: CheckpointStore, name: string, model: Embedder | Reasoner | VisionModel): Promise<void> {
  if (!(await store.loadModel(name, model))) throw new Error(`checkpoint ${name} is missing`);
}
