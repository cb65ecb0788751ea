// The engine's fine-tuner (issue #7): the user's labelled pairs (IndexedDB), an EG-RL run on them
// (src/train/finetune.ts, which reuses the recipe's grpoStep unchanged) with pause / resume / stop,
// checkpoints every N steps so a reload resumes where the run was, held-out Hit@1 / MRR before, during
// and after, and the fine-tuned Reasoner: apply it to Explore, revert to the built-in one, export it as a
// weights file that names its base model and the run's settings, import one (validated).
import * as tf from '@tensorflow/tfjs-core';
import { FinetuneStore, pairId, type PairRecord, type RunRecord } from '../media/finetune-store';
import { heldOutIds, nameResolver, PAIR_SPLIT_SEED, parsePairs } from '../media/pairs';
import { WeightsError } from '../models/errors';
import type { Embedder } from '../models/embedder';
import { reasoningInstruction } from '../models/inputs';
import { Reasoner } from '../models/reasoner';
import { encodeWeights, loadModel, memoryHandler, saveWeights, type WeightedModel, type WeightsManifest } from '../models/weights';
import { copyWeights, type GrpoPair, type SideParts } from '../train/grpo-trainer';
import { DEFAULT_FINETUNE, evaluateHeldOut, FinetuneLoop, greedyTcots, settingsProblems, type EvalQuery, type FinetuneSettings, type FinetuneStepLog, type HeldOutResult, type LoopState, type TrainPair } from '../train/finetune';
import { LESSON_PAIRS, lessonById, lessonPairs } from '../train/lesson';
import type { Library } from './library';
import { modelKey } from './library-models';
import type { ModelSlots } from './model-slots';
import type { FinetuneCallback, FinetuneEvalPoint, FinetuneSample, FinetuneSnapshot, NewPair, PairImportResult, PairView } from './finetune-types';
import type { ModelFile, ModelInfo } from './types';
import { errorMessage } from '../media/errors';

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

/** What a checkpoint holds (RunRecord.data). */
interface RunData {
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
interface ProgressMark {
  step: number;
  runSavedFrom: number;
}
const PROGRESS_KEY = 'progress';

/** A loaded model can stand in for the built-in Reasoner: a Reasoner of the same architecture. */
const sameShape = (model: WeightedModel, base: Reasoner) => model.kind === 'reasoner' && architecture(model.config) === architecture(base.config);

/** The fine-tuned Reasoner Explore uses (RunRecord key APPLIED_KEY), so that the choice survives a reload. */
interface AppliedRecord {
  meta: FinetuneMeta;
  source: 'run' | 'import';
  artifacts: tf.io.ModelArtifacts;
}
const APPLIED_KEY = 'applied';

const nextTick = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** A weights path as this app's export writes it: a file name beside the manifest, optionally `./`-prefixed. */
function isPlainFileName(path: unknown): boolean {
  if (typeof path !== 'string') return false;
  const name = path.replace(/^\.\//, '');
  return name !== '' && name !== '.' && name !== '..' && !/[/\\:]/.test(name);
}

function cloneReasoner(from: Reasoner): Reasoner {
  const copy = new Reasoner(from.config);
  copyWeights(from, copy);
  return copy;
}

/** Architecture fields (all but the init seed) as one comparable string. */
const architecture = (config: object) =>
  JSON.stringify(
    Object.entries(config)
      .filter(([k]) => k !== 'seed')
      .sort(([a], [b]) => a.localeCompare(b)),
  );

interface Prepared {
  train: TrainPair[];
  heldQueries: EvalQuery[];
  candidates: SideParts[];
  sample: { pair: TrainPair; label: string; queryItemId: string | null; targetName: string } | null;
}

export class FineTuner {
  private storePromise: Promise<FinetuneStore | null> | null = null;
  private snap: FinetuneSnapshot = {
    phase: 'idle',
    message: null,
    error: null,
    settings: null,
    step: 0,
    steps: 0,
    logs: [],
    evals: [],
    samples: [],
    samplePair: null,
    before: null,
    after: null,
    trainPairs: 0,
    heldOutPairs: 0,
    saved: null,
    tuned: null,
    applied: false,
    earlierApplied: false,
    baseKey: null,
  };
  private loop: FinetuneLoop | null = null;
  private prepared: Prepared | null = null;
  private trainIds: string[] = [];
  private startedAt = 0;
  private running: Promise<void> | null = null;
  private request: 'pause' | 'stop' | null = null;
  private listener: FinetuneCallback | null = null;
  /** The built-in Reasoner (a private copy), its slot info and key: the start of every run, and what revert restores. */
  private base: { model: Reasoner; info: ModelInfo; key: string } | null = null;
  /** The fine-tuned Reasoner (the run's policy, or an imported file), and the model object placed in the slot. */
  private tuned: { model: Reasoner; meta: FinetuneMeta } | null = null;
  private placed: Reasoner | null = null;
  /** The fine-tuned Reasoner `placed` was copied from (a later run or import replaces `tuned`, not the slot). */
  private placedFrom: Reasoner | null = null;

  constructor(
    private readonly slots: ModelSlots,
    private readonly library: Library,
    private readonly openStore: () => Promise<FinetuneStore | null> = async () => (typeof indexedDB === 'undefined' ? null : FinetuneStore.open()),
  ) {}

  private store(): Promise<FinetuneStore | null> {
    this.storePromise ??= this.openStore().catch(() => null);
    return this.storePromise;
  }

  // ---- pairs ----

  private itemNames(): Map<string, string> {
    return new Map(this.library.items().map((i) => [i.id, i.name]));
  }

  async listPairs(): Promise<PairView[]> {
    const store = await this.store();
    const records = store ? await store.pairs() : [];
    const held = heldOutIds(
      records.map((r) => r.id),
      SPLIT_SEED,
      this.snap.settings?.heldOut ?? DEFAULT_FINETUNE.heldOut,
      new Set(records.filter((r) => r.match).map((r) => r.id)),
    );
    const names = this.itemNames();
    return records.map((r) => {
      const targetName = names.get(r.targetId);
      const queryName = r.query.kind === 'item' ? names.get(r.query.itemId) : undefined;
      const problem = !targetName ? `the target (${r.targetId}) is not in the library` : r.query.kind === 'item' && !queryName ? `the query item (${r.query.itemId}) is not in the library` : null;
      return {
        ...r,
        split: held.has(r.id) ? 'held-out' : 'train',
        queryLabel: r.query.kind === 'text' ? r.query.text : (queryName ?? r.query.itemId),
        targetName: targetName ?? r.targetId,
        problem,
      };
    });
  }

  private async requireStore(): Promise<FinetuneStore> {
    const store = await this.store();
    if (!store) throw new Error('pairs need IndexedDB, which this browser does not offer here');
    return store;
  }

  async addPairs(drafts: NewPair[]): Promise<PairView[]> {
    const names = this.itemNames();
    for (const d of drafts) {
      if (!names.has(d.targetId)) throw new Error(`the target "${d.targetId}" is not in the library`);
      if (d.query.kind === 'item' && !names.has(d.query.itemId)) throw new Error(`the query item "${d.query.itemId}" is not in the library`);
      if (d.query.kind === 'text' && !d.query.text.trim()) throw new Error('the query text is empty');
    }
    const store = await this.requireStore();
    const existing = new Map((await store.pairs()).map((p) => [p.id, p]));
    const now = Date.now();
    const records: PairRecord[] = drafts.map((d, i) => {
      const query = d.query.kind === 'text' ? { kind: 'text' as const, text: d.query.text.trim() } : d.query;
      const id = pairId({ query, targetId: d.targetId });
      // Re-labelling an existing pair keeps its place in the list.
      return { id, query, targetId: d.targetId, match: d.match, ...(d.instruction ? { instruction: d.instruction } : {}), createdAt: existing.get(id)?.createdAt ?? now + i / 1000 };
    });
    await store.putPairs(records);
    return this.listPairs();
  }

  /** Edit a pair: its label, or its query text (a new query is a new pair: the old one goes). */
  async updatePair(id: string, patch: { match?: boolean; queryText?: string }): Promise<PairView[]> {
    const store = await this.requireStore();
    const rec = (await store.pairs()).find((p) => p.id === id);
    if (!rec) throw new Error(`no pair ${id}`);
    const query = patch.queryText !== undefined && rec.query.kind === 'text' ? { kind: 'text' as const, text: patch.queryText.trim() } : rec.query;
    if (query.kind === 'text' && !query.text) throw new Error('the query text is empty');
    const next: PairRecord = { ...rec, query, match: patch.match ?? rec.match, id: pairId({ query, targetId: rec.targetId }) };
    await store.putPairs([next]);
    if (next.id !== id) await store.deletePair(id);
    return this.listPairs();
  }

  async deletePair(id: string): Promise<PairView[]> {
    await (await this.requireStore()).deletePair(id);
    return this.listPairs();
  }

  /**
   * The built-in lesson's pairs (src/train/lesson.ts: captions of built-in items around one concept, ✓), added to
   * an empty list so the run's figures are the lesson's; a list that already holds pairs is left as it is.
   */
  async loadLesson(id: string, seed = 1): Promise<PairView[]> {
    const concept = lessonById(id);
    const existing = await this.listPairs();
    const drafts = lessonPairs(concept, this.library.items().flatMap((i) => (i.source === 'builtin' && i.caption ? [{ id: i.id, kind: i.kind, caption: i.caption }] : [])), { seed, count: LESSON_PAIRS });
    const ours = new Set(drafts.map((d) => d.id));
    const others = existing.filter((p) => !ours.has(p.id)).length;
    if (others > 0) throw new Error(`the lesson runs on its own pairs, and the list holds ${others} of yours: delete them first (or open the app in another browser profile), so that the lesson's figures are the lesson's`);
    return this.addPairs(drafts.map(({ query, targetId, match, instruction }) => ({ query, targetId, match, instruction })));
  }

  /** CSV (`query,target[,match]`) or JSONL; rows that do not resolve come back as errors, the rest are added. */
  async importPairs(text: string, format: 'csv' | 'jsonl'): Promise<PairImportResult> {
    const { pairs, errors } = parsePairs(text, format, nameResolver(this.library.items()));
    const list = pairs.length ? await this.addPairs(pairs) : await this.listPairs();
    return { pairs: list, added: pairs.length, errors };
  }

  // ---- state ----

  async state(): Promise<FinetuneSnapshot> {
    if (this.snap.phase === 'idle' && !this.loop) {
      const saved = await this.savedRun();
      const reached = saved ? await this.reachedStep(saved) : 0;
      this.snap = { ...this.snap, saved: saved ? { step: saved.data.state.step, steps: saved.data.settings.steps, savedAt: saved.savedAt, finished: saved.data.finished, reached } : null };
      if (saved && !this.snap.settings) this.restoreView(saved.data);
    }
    this.refreshApplied();
    return structuredClone(this.snap);
  }

  private refreshApplied() {
    const inSlot = !!this.placed && this.slots.get('reasoner') === this.placed;
    this.snap.applied = inSlot && !!this.tuned && this.placedFrom === this.tuned.model;
    this.snap.earlierApplied = inSlot && !this.snap.applied;
    this.snap.tuned = this.tuned ? { steps: this.tuned.meta.steps, source: this.snap.tuned?.source ?? 'run' } : this.snap.tuned;
  }

  private emit(patch: Partial<FinetuneSnapshot> = {}) {
    this.snap = { ...this.snap, ...patch };
    this.refreshApplied();
    this.listener?.(structuredClone(this.snap));
  }

  /** The run's view (charts, tables) from a checkpoint, before any model work. */
  private restoreView(d: RunData) {
    this.snap = { ...this.snap, settings: d.settings, step: d.state.step, steps: d.settings.steps, logs: d.logs, evals: d.evals, samples: d.samples, before: d.before, after: d.after };
  }

  private async savedRun(): Promise<RunRecord<RunData> | undefined> {
    const store = await this.store();
    const rec = await store?.run<RunData>().catch(() => undefined);
    if (!rec) return undefined;
    // A checkpoint of another base model (the shipped weights changed) cannot continue here.
    const base = this.currentBase();
    return base && rec.data.baseKey !== base.key ? undefined : rec;
  }

  /**
   * The last step the saved run finished (its progress mark, written after every step), at least its
   * checkpoint's step: after a closed tab, the steps between the checkpoint and this one are what a resume redoes.
   */
  private async reachedStep(saved: RunRecord<RunData>): Promise<number> {
    const mark = await (await this.store())?.run<ProgressMark>(PROGRESS_KEY).catch(() => undefined);
    const step = saved.data.state.step;
    return mark && mark.data.runSavedFrom === saved.data.startedAt && mark.data.step > step ? mark.data.step : step;
  }

  /** The built-in Reasoner: the slot's model unless the slot holds our fine-tuned one. */
  private currentBase(): { model: Reasoner; info: ModelInfo; key: string } | null {
    const model = this.slots.get('reasoner') as Reasoner | null;
    const info = this.slots.info().reasoner;
    if (!model || !info) return this.base;
    if (model === this.placed && this.base) return this.base;
    const key = modelKey(info);
    if (this.base?.key !== key) {
      this.base?.model.dispose();
      this.base = { model: cloneReasoner(model), info, key };
    }
    return this.base;
  }

  private embedder(): Embedder {
    const e = this.slots.get('embedder') as Embedder | null;
    if (!e) throw new Error('load the Embedder first (open Explore or the Library)');
    return e;
  }

  // ---- the run ----

  private async sideOf(query: PairRecord['query']): Promise<SideParts> {
    return query.kind === 'text' ? { text: query.text } : { visual: await this.library.inputOf(query.itemId) };
  }

  /** Pairs → the loop's training pairs, the held-out queries and the candidate pool (every pair's target). */
  private async prepare(settings: FinetuneSettings, trainIds?: string[]): Promise<Prepared> {
    const pairs = (await this.listPairs()).filter((p) => !p.problem);
    const all = await this.listPairs();
    const heldIds = heldOutIds(
      all.map((p) => p.id),
      SPLIT_SEED,
      settings.heldOut,
      new Set(all.filter((p) => p.match).map((p) => p.id)),
    );
    const usable = trainIds ? pairs.filter((p) => trainIds.includes(p.id)) : pairs.filter((p) => p.match && !heldIds.has(p.id));
    if (trainIds && usable.length < trainIds.length) throw new Error(`${trainIds.length - usable.length} of the run's training pairs were deleted or lost their items; start a new run`);
    const train: TrainPair[] = [];
    for (const p of usable) {
      const positive = { visual: await this.library.inputOf(p.targetId) };
      // The Reasoner was trained with an instruction on both sides: a pair without one gets the caption task's.
      const pair: GrpoPair = { query: await this.sideOf(p.query), positive, instruction: p.instruction || reasoningInstruction(positive.visual) };
      train.push({ id: p.id, queryKey: p.query.kind === 'text' ? `t:${p.query.text}` : `i:${p.query.itemId}`, targetId: p.targetId, pair });
    }
    const targets = [...new Set(pairs.map((p) => p.targetId))];
    const candidates: SideParts[] = [];
    for (const id of targets) candidates.push({ visual: await this.library.inputOf(id) });
    const heldQueries: EvalQuery[] = [];
    for (const p of pairs.filter((q) => q.match && heldIds.has(q.id))) {
      heldQueries.push({ id: p.id, query: await this.sideOf(p.query), instruction: p.instruction, target: targets.indexOf(p.targetId) });
    }
    const first = usable[0];
    const sample = first && train[0] ? { pair: train[0], label: first.queryLabel, queryItemId: first.query.kind === 'item' ? first.query.itemId : null, targetName: first.targetName } : null;
    return { train, heldQueries, candidates, sample };
  }

  private async evaluate(model: Reasoner): Promise<HeldOutResult> {
    const p = this.prepared!;
    return evaluateHeldOut(model, this.embedder(), p.heldQueries, p.candidates, this.loop!.maxNewTokens);
  }

  private async sample(step: number): Promise<FinetuneSample | null> {
    const s = this.prepared?.sample;
    if (!s || !this.loop) return null;
    const sides = [
      { ...s.pair.pair.query, instruction: s.pair.pair.instruction },
      { ...s.pair.pair.positive, instruction: s.pair.pair.instruction },
    ];
    const [query, target] = await greedyTcots(this.loop.policy, sides, this.loop.maxNewTokens);
    return { step, query: Array.from(query!), target: Array.from(target!) };
  }

  /** Evaluate held-out retrieval and the sample strip at the loop's step (both with the current policy). */
  private async measure(): Promise<void> {
    const step = this.loop!.step;
    this.emit({ message: `Evaluating on the held-out pairs (step ${step})…` });
    const r = await this.evaluate(this.loop!.policy);
    const sample = await this.sample(step);
    this.emit({
      evals: Number.isFinite(r.hit1) ? [...this.snap.evals, { step, hit1: r.hit1, mrr: r.mrr }] : this.snap.evals,
      samples: sample ? [...this.snap.samples, sample] : this.snap.samples,
      before: step === 0 ? r : this.snap.before,
      message: null,
    });
  }

  private async checkpoint(finished: boolean): Promise<void> {
    const store = await this.store();
    if (!store || !this.loop || !this.base) return;
    const data: RunData = {
      baseKey: this.base.key,
      settings: this.snap.settings!,
      trainIds: this.trainIds,
      startedAt: this.startedAt,
      state: await this.loop.state(),
      logs: this.snap.logs,
      evals: this.snap.evals,
      samples: this.snap.samples,
      before: this.snap.before,
      after: this.snap.after,
      finished,
    };
    const savedAt = Date.now();
    try {
      await store.putRun({ key: 'current', savedAt, data });
      this.snap.saved = { step: data.state.step, steps: data.settings.steps, savedAt, finished, reached: data.state.step };
    } catch (err) {
      // A full disk loses the checkpoint, never the run in memory; say so.
      this.emit({ message: `The checkpoint could not be saved: ${errorMessage(err)}` });
    }
  }

  /** A small record per step (not a checkpoint): how far the run got, so a resume can say what it redoes. */
  private async markProgress(step: number): Promise<void> {
    if (!this.startedAt) return;
    const store = await this.store();
    await store?.putRun<ProgressMark>({ key: PROGRESS_KEY, savedAt: Date.now(), data: { step, runSavedFrom: this.startedAt } }).catch(() => undefined);
  }

  private disposeRun() {
    this.loop?.dispose();
    if (this.loop) {
      if (this.loop.policy !== this.tuned?.model) this.loop.policy.dispose();
      this.loop.ref.dispose();
    }
    this.loop = null;
    this.prepared = null;
  }

  /** Start a new run from the built-in Reasoner (a saved checkpoint is replaced). Returns at once; the run reports through `onUpdate`. */
  async start(settings: FinetuneSettings, onUpdate?: FinetuneCallback): Promise<FinetuneSnapshot> {
    if (this.running) throw new Error('a run is already going: pause or stop it first');
    const problems = settingsProblems(settings);
    if (problems.length) throw new Error(`check the settings: ${problems.join('; ')}`);
    this.listener = onUpdate ?? null;
    const base = this.currentBase();
    if (!base) throw new Error('load the Reasoner first (open Explore or the Library)');
    this.disposeRun();
    this.snap = { ...this.snap, phase: 'preparing', message: 'Preparing the pairs…', error: null, settings, step: 0, steps: settings.steps, logs: [], evals: [], samples: [], before: null, after: null, baseKey: base.key };
    this.emit();
    try {
      this.prepared = await this.prepare(settings);
      this.trainIds = this.prepared.train.map((p) => p.id);
      this.startedAt = Date.now();
      const policy = cloneReasoner(base.model);
      this.loop = new FinetuneLoop(policy, cloneReasoner(base.model), this.embedder(), this.prepared.train, settings);
      this.afterPrepare();
      const store = await this.store();
      await store?.deleteRun().catch(() => undefined);
      await store?.deleteRun(PROGRESS_KEY).catch(() => undefined);
      this.snap.saved = null;
      await this.measure();
      await this.checkpoint(false);
    } catch (err) {
      this.disposeRun();
      this.emit({ phase: 'error', error: errorMessage(err), message: null });
      return structuredClone(this.snap);
    }
    this.launch();
    return structuredClone(this.snap);
  }

  private afterPrepare() {
    const p = this.prepared!;
    this.snap.trainPairs = p.train.length;
    this.snap.heldOutPairs = p.heldQueries.length;
    this.snap.samplePair = p.sample ? { queryLabel: p.sample.label, queryItemId: p.sample.queryItemId, targetId: p.sample.pair.targetId, targetName: p.sample.targetName } : null;
  }

  /** Resume a paused run, or the saved checkpoint (after a reload). */
  async resume(onUpdate?: FinetuneCallback): Promise<FinetuneSnapshot> {
    if (this.running) throw new Error('the run is already going');
    this.listener = onUpdate ?? this.listener;
    if (!this.loop) {
      const saved = await this.savedRun();
      if (!saved) throw new Error('there is no saved run to resume (it was made with another base model, or deleted)');
      const d = saved.data;
      const base = this.currentBase()!;
      this.restoreView(d);
      this.emit({ phase: 'preparing', message: `Restoring the checkpoint at step ${d.state.step}…`, error: null, baseKey: base.key });
      try {
        this.prepared = await this.prepare(d.settings, d.trainIds);
        this.trainIds = d.trainIds;
        this.startedAt = d.startedAt ?? 0;
        this.loop = new FinetuneLoop(cloneReasoner(base.model), cloneReasoner(base.model), this.embedder(), this.prepared.train, d.settings);
        await this.loop.restore(d.state);
        this.afterPrepare();
      } catch (err) {
        this.disposeRun();
        this.emit({ phase: 'error', error: errorMessage(err), message: null });
        return structuredClone(this.snap);
      }
      if (d.finished) {
        this.finish(d.after);
        return structuredClone(this.snap);
      }
    }
    this.launch();
    return structuredClone(this.snap);
  }

  pause(): void {
    if (this.running) {
      this.request = 'pause';
      this.emit({ phase: 'pausing', message: 'Pausing after this step…' });
    }
  }

  /** End the run now (a running one after its current step): evaluate and keep what was learned. */
  async stop(): Promise<void> {
    if (this.running) {
      this.request = 'stop';
      this.emit({ phase: 'stopping', message: 'Stopping after this step…' });
      await this.running;
    } else if (this.loop && this.snap.phase === 'paused') {
      await this.finishRun();
    }
  }

  /** Forget the run and its checkpoint (the fine-tuned Reasoner, if applied, stays until reverted). */
  async discard(): Promise<FinetuneSnapshot> {
    if (this.running) await this.stop();
    this.disposeRun();
    const store = await this.store();
    await store?.deleteRun().catch(() => undefined);
    await store?.deleteRun(PROGRESS_KEY).catch(() => undefined);
    this.snap = { ...this.snap, phase: 'idle', message: null, error: null, step: 0, steps: 0, logs: [], evals: [], samples: [], before: null, after: null, saved: null, samplePair: null };
    return this.state();
  }

  private launch() {
    this.request = null;
    this.emit({ phase: 'running', message: null });
    this.running = this.runLoop().finally(() => {
      this.running = null;
    });
  }

  private async runLoop(): Promise<void> {
    const loop = this.loop!;
    const s = loop.settings;
    try {
      while (!loop.done && !this.request) {
        const log = await loop.runStep();
        this.emit({ step: loop.step, logs: [...this.snap.logs, log] });
        await this.markProgress(loop.step);
        if (loop.step % s.evalEvery === 0 && !loop.done) await this.measure();
        if (loop.step % s.checkpointEvery === 0 && !loop.done) await this.checkpoint(false);
        await nextTick(); // let pause / stop calls in
      }
      if (this.request === 'pause') {
        await this.checkpoint(false);
        this.emit({ phase: 'paused', message: `Paused at step ${loop.step}; the checkpoint is saved.` });
        return;
      }
      await this.finishRun();
    } catch (err) {
      await this.checkpoint(false).catch(() => undefined);
      this.emit({ phase: 'error', error: `The run stopped at step ${loop.step}: ${errorMessage(err)}. The last checkpoint can be resumed.`, message: null });
    }
  }

  private async finishRun() {
    const loop = this.loop!;
    this.emit({ phase: 'evaluating', message: 'Evaluating the fine-tuned Reasoner on the held-out pairs…' });
    const after = await this.evaluate(loop.policy);
    const sample = await this.sample(loop.step);
    if (sample && this.snap.samples.at(-1)?.step !== loop.step) this.snap.samples = [...this.snap.samples, sample];
    if (Number.isFinite(after.hit1) && this.snap.evals.at(-1)?.step !== loop.step) this.snap.evals = [...this.snap.evals, { step: loop.step, hit1: after.hit1, mrr: after.mrr }];
    this.snap.after = after;
    await this.checkpoint(true);
    this.finish(after);
  }

  private finish(after: HeldOutResult | null) {
    const loop = this.loop!;
    this.setTuned(loop.policy, { version: FINETUNE_META_VERSION, baseKey: this.base!.key, baseSha256: this.base!.info.sha256, settings: loop.settings, steps: loop.step, heldOut: { before: this.snap.before, after } }, 'run');
    this.emit({ phase: 'finished', after, message: null });
  }

  private setTuned(model: Reasoner, meta: FinetuneMeta, source: 'run' | 'import') {
    if (this.tuned && this.tuned.model !== model && this.tuned.model !== this.loop?.policy) this.tuned.model.dispose();
    this.tuned = { model, meta };
    this.snap.tuned = { steps: meta.steps, source };
  }

  // ---- the fine-tuned Reasoner ----

  /** Explore uses the fine-tuned Reasoner (a copy goes into the Reasoner slot), and keeps it after a reload. */
  async apply(): Promise<void> {
    await this.place();
    const store = await this.store();
    const mem = memoryHandler();
    await saveWeights(this.tuned!.model, mem, 'float32');
    const data: AppliedRecord = { meta: this.tuned!.meta, source: this.snap.tuned?.source ?? 'run', artifacts: mem.artifacts! };
    await store?.putRun({ key: APPLIED_KEY, savedAt: Date.now(), data }).catch((err) => this.emit({ message: `Explore uses the fine-tuned Reasoner, but this browser could not remember it for the next visit: ${errorMessage(err)}` }));
  }

  private async place(): Promise<void> {
    if (!this.tuned) throw new Error('there is no fine-tuned Reasoner yet: run EG-RL or import a file');
    const base = this.currentBase();
    if (!base) throw new Error('load the Reasoner first');
    const copy = cloneReasoner(this.tuned.model);
    const { manifest } = await encodeWeights(copy, 'float32');
    this.slots.put('reasoner', copy, { ...base.info, source: 'finetuned', sha256: manifest.sha256, weightBytes: manifest.payloadBytes, quantized: false });
    this.placed = copy;
    this.placedFrom = this.tuned.model;
    this.emit();
  }

  /** Explore goes back to the built-in Reasoner (also after the next reload). */
  async revert(): Promise<void> {
    const base = this.currentBase();
    if (!base) throw new Error('no built-in Reasoner to go back to');
    if (this.slots.get('reasoner') === this.placed) this.slots.put('reasoner', cloneReasoner(base.model), base.info);
    this.placed = null;
    this.placedFrom = null;
    await (await this.store())?.deleteRun(APPLIED_KEY).catch(() => undefined);
    this.emit();
  }

  /** The applied fine-tuned Reasoner of an earlier visit back in the slot (the built-in one must be loaded). */
  async restoreApplied(): Promise<{ restored: boolean; note: string | null }> {
    if (this.placed && this.slots.get('reasoner') === this.placed) return { restored: true, note: null };
    const store = await this.store();
    const rec = await store?.run<AppliedRecord>(APPLIED_KEY).catch(() => undefined);
    if (!rec) return { restored: false, note: null };
    const base = this.currentBase();
    if (!base) return { restored: false, note: null };
    const forget = async (note: string) => {
      await store?.deleteRun(APPLIED_KEY).catch(() => undefined);
      return { restored: false, note };
    };
    if (rec.data.meta?.baseKey !== base.key) return forget('the fine-tuned Reasoner used on the last visit was tuned from another base model than the one loaded now, so Explore uses the built-in Reasoner');
    let model: Reasoner;
    try {
      const artifacts = rec.data.artifacts;
      const loaded = await loadModel({ load: async () => artifacts });
      if (!sameShape(loaded.model, base.model)) {
        loaded.model.dispose();
        return forget('the fine-tuned Reasoner remembered from the last visit has another shape than this app’s Reasoner, so Explore uses the built-in one');
      }
      model = loaded.model as Reasoner;
    } catch (err) {
      return forget(`the fine-tuned Reasoner remembered from the last visit could not be read (${errorMessage(err)}), so Explore uses the built-in one`);
    }
    this.setTuned(model, rec.data.meta, rec.data.source);
    await this.place();
    return { restored: true, note: null };
  }

  /** The fine-tuned Reasoner as files (float32 weights; the manifest carries the base model's key and the run's settings). */
  async exportFiles(): Promise<ModelFile[]> {
    if (!this.tuned) throw new Error('there is no fine-tuned Reasoner to export');
    const mem = memoryHandler();
    await saveWeights(this.tuned.model, mem, 'float32');
    const a = mem.artifacts!;
    const manifest = { ...(a.modelTopology as WeightsManifest), fineTune: this.tuned.meta };
    const name = 'reasoner-finetuned';
    const json = { modelTopology: manifest, format: a.format, generatedBy: a.generatedBy, convertedBy: a.convertedBy, weightsManifest: [{ paths: [`./${name}.weights.bin`], weights: a.weightSpecs }] };
    return [
      { name: `${name}.json`, bytes: new TextEncoder().encode(JSON.stringify(json)).buffer as ArrayBuffer },
      { name: `${name}.weights.bin`, bytes: tf.io.CompositeArrayBuffer.join(a.weightData!) },
    ];
  }

  /**
   * Load an exported fine-tuned Reasoner: the manifest and its weights file. Refused, with the reason, when
   * a file is missing or corrupt (size, hash), names a weights path outside its folder, is not a fine-tuned
   * Reasoner, was tuned from another base model, or holds weights that are not finite numbers.
   * On success it becomes the fine-tuned Reasoner and is applied to Explore.
   */
  async importFiles(files: ModelFile[]): Promise<FinetuneSnapshot> {
    const json = files.filter((f) => f.name.endsWith('.json'));
    const bins = files.filter((f) => f.name.endsWith('.bin'));
    if (json.length !== 1 || bins.length !== 1) throw new WeightsError('bad-manifest', 'pick the fine-tuned Reasoner’s two files together: its .json and its .weights.bin');
    let parsed: { modelTopology?: unknown; weightsManifest?: { paths?: unknown[]; weights?: tf.io.WeightsManifestEntry[] }[]; format?: string };
    try {
      parsed = JSON.parse(new TextDecoder().decode(json[0]!.bytes)) as typeof parsed;
    } catch {
      throw new WeightsError('bad-manifest', `${json[0]!.name} is not a model file (not valid JSON)`);
    }
    // The weights are the picked .bin whatever the manifest names, but a path out of the manifest's folder is
    // what a hostile file would aim at a loader that follows paths (tf.io.http does): this app never writes one.
    const groups = Array.isArray(parsed.weightsManifest) ? parsed.weightsManifest : [];
    const badPath = groups.flatMap((g) => (Array.isArray(g?.paths) ? g.paths : [])).find((p) => !isPlainFileName(p));
    if (badPath !== undefined) throw new WeightsError('bad-manifest', `${json[0]!.name} names its weights file "${String(badPath)}", a path outside its folder: an exported manifest names the file beside it (./….weights.bin)`);
    const meta = (parsed.modelTopology as { fineTune?: FinetuneMeta } | undefined)?.fineTune;
    if (!meta || typeof meta.baseKey !== 'string') throw new WeightsError('bad-manifest', `${json[0]!.name} is not a fine-tuned Reasoner from this app (it names no base model)`);
    const base = this.currentBase();
    if (!base) throw new Error('load the Reasoner first (open Explore or the Library)');
    if (meta.baseKey !== base.key) throw new WeightsError('config-mismatch', `this file was fine-tuned from another base model (${meta.baseKey}); this app's Reasoner is ${base.key}. Fine-tune this one, or load the matching base model first.`);
    const handler: tf.io.IOHandler = {
      load: async () => ({ modelTopology: parsed.modelTopology as object, format: parsed.format, weightSpecs: parsed.weightsManifest?.[0]?.weights ?? [], weightData: bins[0]!.bytes }),
    };
    let loaded;
    try {
      loaded = await loadModel(handler);
    } catch (err) {
      const reason = err instanceof WeightsError ? err.reason : null;
      const why = reason === 'hash-mismatch' || reason === 'truncated' ? 'the file is corrupt or was changed after export' : reason === 'non-finite' ? "the file's weights are not all numbers" : 'the file is not a valid model file';
      throw new WeightsError(err instanceof WeightsError ? err.reason : 'bad-manifest', `${why}: ${errorMessage(err).replace(/^\[[a-z-]+\] /, '')}`);
    }
    const model = loaded.model;
    if (!sameShape(model, base.model)) {
      model.dispose();
      throw new WeightsError('config-mismatch', 'this file holds a model of another shape than this app’s Reasoner');
    }
    this.setTuned(model as Reasoner, meta, 'import');
    await this.apply();
    return this.state();
  }
}
