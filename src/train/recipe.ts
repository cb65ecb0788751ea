// The whole recipe, UI-agnostic: data → Embedder (contrastive) → Reasoner cold start (SFT with early
// stopping) → EG-RL (GRPO against the frozen Embedder). Progress leaves through `onStep` / `onStage`;
// weights and the resume point go through a CheckpointStore (checkpoint-node.ts on disk; tests use memory).
// A resumed run recomputes the (deterministic) data, reloads finished stages and continues an unfinished
// one from its last checkpoint. Adam moments are not checkpointed: a resumed stage restarts them.
import { Embedder } from '../models/embedder';
import { Reasoner } from '../models/reasoner';
import { prepareData, type PreparedData } from './data';
import { trainEmbedder, type EmbedderStepLog } from './embedder-trainer';
import { copyWeights, trainGrpo, type GrpoStepLog } from './grpo-trainer';
import type { TrainPreset } from './presets';
import { sftExamples, trainSft, type SftStepLog } from './sft-trainer';

export type StageName = 'embedder' | 'sft' | 'grpo';
export type StepLog = EmbedderStepLog | SftStepLog | GrpoStepLog;

export interface RecipeState {
  preset: string;
  seed: number;
  done: StageName[];
  current: { stage: StageName; step: number } | null;
  sft?: { bestValLoss: number; bestStep: number; stoppedEarly: boolean; stoppedAt: number };
  seconds: Partial<Record<StageName | 'data', number>>;
}

/** Where checkpoints live. Model names: embedder, reasoner-sft, reasoner-egrl, and `<name>.partial` mid-stage. */
export interface CheckpointStore {
  saveModel(name: string, model: Embedder | Reasoner): Promise<void>;
  loadModel(name: string, model: Embedder | Reasoner): Promise<boolean>; // false when absent
  saveState(state: RecipeState): Promise<void>;
  loadState(): Promise<RecipeState | null>;
}

export interface RecipeOptions {
  preset: TrainPreset;
  seed: number;
  store: CheckpointStore;
  resume?: boolean;
  onStep?: (log: StepLog) => void;
  onStage?: (stage: StageName | 'data', info: Record<string, unknown>) => void;
}

export interface RecipeResult {
  data: PreparedData;
  embedder: Embedder;
  sft: Reasoner;
  egrl: Reasoner;
  state: RecipeState;
}

/** Held-out-from-SFT validation pairs: every k-th matched pair (spread over tasks), `count` of them. */
export function splitValidation<T>(pairs: T[], count: number): { train: T[]; val: T[] } {
  const stride = Math.max(2, Math.floor(pairs.length / Math.max(1, count)));
  const val = pairs.filter((_, i) => i % stride === 0).slice(0, count);
  const held = new Set(val);
  return { train: pairs.filter((p) => !held.has(p)), val };
}

export async function runRecipe(opts: RecipeOptions): Promise<RecipeResult> {
  const { preset, seed, store } = opts;
  const fresh: RecipeState = { preset: preset.name, seed, done: [], current: null, seconds: {} };
  let state = (opts.resume ? await store.loadState() : null) ?? fresh;
  if (state.preset !== preset.name || state.seed !== seed) throw new Error(`cannot resume: checkpoint is preset ${state.preset} seed ${state.seed}`);
  const save = () => store.saveState(state);
  const timed = async <T>(stage: StageName | 'data', run: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    const out = await run();
    state.seconds[stage] = (state.seconds[stage] ?? 0) + (performance.now() - t0) / 1000;
    return out;
  };
  /** Start step of a stage (resuming from `<model>.partial` when the checkpoint says so). */
  const startOf = async (stage: StageName, name: string, model: Embedder | Reasoner): Promise<number> => {
    if (state.current?.stage === stage && state.current.step > 0 && (await store.loadModel(`${name}.partial`, model))) return state.current.step;
    return 0;
  };
  const checkpointer = (stage: StageName, name: string, model: Embedder | Reasoner) => async (next: number) => {
    await store.saveModel(`${name}.partial`, model);
    state.current = { stage, step: next };
    await save();
  };

  opts.onStage?.('data', {});
  const data = await timed('data', async () => prepareData({ seed, pairs: preset.dataPairs }));
  opts.onStage?.('data', { ...data.stats, rl: data.rl.length });

  // Stage 1: Embedder.
  const embedder = new Embedder(preset.embedderConfig);
  if (state.done.includes('embedder')) await mustLoad(store, 'embedder', embedder);
  else {
    const startStep = await startOf('embedder', 'embedder', embedder);
    opts.onStage?.('embedder', { steps: preset.embedder.steps, startStep, params: embedder.params.count() });
    await timed('embedder', () => trainEmbedder(embedder, data.contrastive, preset.embedder, seed, { startStep, onStep: opts.onStep, checkpoint: checkpointer('embedder', 'embedder', embedder), checkpointEvery: preset.checkpointEvery }));
    await store.saveModel('embedder', embedder);
    state = { ...state, done: [...state.done, 'embedder'], current: null };
    await save();
  }

  // Stage 2: Reasoner cold start.
  const sft = new Reasoner(preset.reasonerConfig);
  if (state.done.includes('sft')) await mustLoad(store, 'reasoner-sft', sft);
  else {
    const { train, val } = splitValidation(data.contrastive, preset.sft.valPairs);
    const startStep = await startOf('sft', 'reasoner-sft', sft);
    opts.onStage?.('sft', { maxSteps: preset.sft.maxSteps, startStep, train: train.length * 2, val: val.length * 2, params: sft.params.count() });
    const result = await timed('sft', () => trainSft(sft, sftExamples(train), sftExamples(val), preset.sft, seed, { startStep, onStep: opts.onStep, checkpoint: checkpointer('sft', 'reasoner-sft', sft), checkpointEvery: preset.checkpointEvery }));
    await store.saveModel('reasoner-sft', sft);
    const stoppedAt = result.logs.length > 0 ? result.logs[result.logs.length - 1]!.step + 1 : startStep;
    state = { ...state, done: [...state.done, 'sft'], current: null, sft: { bestValLoss: result.bestValLoss, bestStep: result.bestStep, stoppedEarly: result.stoppedEarly, stoppedAt } };
    await save();
  }

  // Stage 3: EG-RL from the cold start, KL to a frozen copy of it.
  const egrl = new Reasoner(preset.reasonerConfig);
  if (state.done.includes('grpo')) await mustLoad(store, 'reasoner-egrl', egrl);
  else {
    copyWeights(sft, egrl);
    const startStep = await startOf('grpo', 'reasoner-egrl', egrl);
    opts.onStage?.('grpo', { steps: preset.grpo.steps, startStep, pool: data.rl.length });
    await timed('grpo', () => trainGrpo(egrl, sft, embedder, data.rl, preset.grpo, seed, { startStep, onStep: opts.onStep, checkpoint: checkpointer('grpo', 'reasoner-egrl', egrl), checkpointEvery: preset.checkpointEvery }));
    await store.saveModel('reasoner-egrl', egrl);
    state = { ...state, done: [...state.done, 'grpo'], current: null };
    await save();
  }
  return { data, embedder, sft, egrl, state };
}

async function mustLoad(store: CheckpointStore, name: string, model: Embedder | Reasoner): Promise<void> {
  if (!(await store.loadModel(name, model))) throw new Error(`checkpoint ${name} is missing`);
}
