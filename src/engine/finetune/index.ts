// The engine's fine-tuner: the user's labelled pairs (pairs.ts), an EG-RL run on them (src/train/finetune.ts,
// which reuses the recipe's grpoStep unchanged) with pause / resume / stop, checkpoints every N steps so a reload
// resumes where the run was (records.ts), held-out Hit@1 / MRR before, during and after, and the fine-tuned
// Reasoner: apply it to Explore (also after a reload), revert to the built-in one, export it as a weights file that
// names its base model and the run's settings, import one (validated, model-files.ts).
import { FinetuneStore, type RunRecord } from '../../media/finetune-store';
import { errorMessage } from '../../media/errors';
import type { Embedder } from '../../models/embedder';
import type { Reasoner } from '../../models/reasoner';
import { encodeWeights, memoryHandler, saveWeights } from '../../models/weights';
import {
  DEFAULT_FINETUNE,
  evaluateHeldOut,
  FinetuneLoop,
  settingsProblems,
  type FinetuneSettings,
  type HeldOutResult,
} from '../../train/finetune';
import type { Library } from '../library';
import { modelKey } from '../library/models';
import type { ModelSlots } from '../model-slots';
import type { ModelFile, ModelInfo } from '../types';
import { cloneReasoner, readRemembered, readTunedFiles, tunedFiles } from './model-files';
import { PairBook } from './pairs';
import { preparePairs, sampleStrip, type Prepared } from './prepare';
import { nextTick } from '../tick';
import { RunStore } from './checkpoints';
import { FINETUNE_META_VERSION, type AppliedRecord, type FinetuneMeta, type RunData } from './records';
import { idleSnapshot, type FinetuneCallback, type FinetuneSample, type FinetuneSnapshot } from './types';

export { FINETUNE_META_VERSION, SPLIT_SEED, type FinetuneMeta } from './records';

export class FineTuner {
  private storePromise: Promise<FinetuneStore | null> | null = null;
  /** The user's labelled pairs (pairs.ts). */
  readonly pairs: PairBook;
  private readonly runs: RunStore;
  private snap: FinetuneSnapshot = idleSnapshot();

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
    private readonly openStore: () => Promise<FinetuneStore | null> = async () =>
      typeof indexedDB === 'undefined' ? null : FinetuneStore.open(),
  ) {
    this.runs = new RunStore(() => this.store());
    this.pairs = new PairBook(
      library,
      () => this.store(),
      () => this.snap.settings?.heldOut ?? DEFAULT_FINETUNE.heldOut,
    );
  }

  private store(): Promise<FinetuneStore | null> {
    this.storePromise ??= this.openStore().catch(() => null);
    return this.storePromise;
  }

  // ---- state ----

  async state(): Promise<FinetuneSnapshot> {
    if (this.snap.phase === 'idle' && !this.loop) {
      const saved = await this.savedRun();
      const reached = saved ? await this.runs.reached(saved) : 0;
      this.snap = {
        ...this.snap,
        saved: saved
          ? {
              step: saved.data.state.step,
              steps: saved.data.settings.steps,
              savedAt: saved.savedAt,
              finished: saved.data.finished,
              reached,
            }
          : null,
      };
      if (saved && !this.snap.settings) this.restoreView(saved.data);
    }
    this.refreshApplied();
    return structuredClone(this.snap);
  }

  private refreshApplied() {
    const inSlot = !!this.placed && this.slots.get('reasoner') === this.placed;
    this.snap.applied = inSlot && !!this.tuned && this.placedFrom === this.tuned.model;
    this.snap.earlierApplied = inSlot && !this.snap.applied;
    this.snap.tuned = this.tuned
      ? { steps: this.tuned.meta.steps, source: this.snap.tuned?.source ?? 'run' }
      : this.snap.tuned;
  }

  private emit(patch: Partial<FinetuneSnapshot> = {}) {
    this.snap = { ...this.snap, ...patch };
    this.refreshApplied();
    this.listener?.(structuredClone(this.snap));
  }

  /** The run's view (charts, tables) from a checkpoint, before any model work. */
  private restoreView(d: RunData) {
    this.snap = {
      ...this.snap,
      settings: d.settings,
      step: d.state.step,
      steps: d.settings.steps,
      logs: d.logs,
      evals: d.evals,
      samples: d.samples,
      before: d.before,
      after: d.after,
    };
  }

  private savedRun(): Promise<RunRecord<RunData> | undefined> {
    return this.runs.saved(this.currentBase()?.key ?? null);
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

  private async evaluate(model: Reasoner): Promise<HeldOutResult> {
    const p = this.prepared!;
    return evaluateHeldOut(model, this.embedder(), p.heldQueries, p.candidates, this.loop!.maxNewTokens);
  }

  private sample(step: number): Promise<FinetuneSample | null> {
    return this.prepared && this.loop
      ? sampleStrip(this.prepared, this.loop.policy, this.loop.maxNewTokens, step)
      : Promise.resolve(null);
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
    if (!this.loop || !this.base) return;
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
    try {
      const savedAt = await this.runs.save(data);
      if (savedAt !== null)
        this.snap.saved = {
          step: data.state.step,
          steps: data.settings.steps,
          savedAt,
          finished,
          reached: data.state.step,
        };
    } catch (err) {
      // A full disk loses the checkpoint, never the run in memory; say so.
      this.emit({ message: `The checkpoint could not be saved: ${errorMessage(err)}` });
    }
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
    this.snap = {
      ...this.snap,
      phase: 'preparing',
      message: 'Preparing the pairs…',
      error: null,
      settings,
      step: 0,
      steps: settings.steps,
      logs: [],
      evals: [],
      samples: [],
      before: null,
      after: null,
      baseKey: base.key,
    };
    this.emit();
    try {
      this.prepared = await preparePairs(this.pairs, this.library, settings);
      this.trainIds = this.prepared.train.map((p) => p.id);
      this.startedAt = Date.now();
      const policy = cloneReasoner(base.model);
      this.loop = new FinetuneLoop(policy, cloneReasoner(base.model), this.embedder(), this.prepared.train, settings);
      this.afterPrepare();
      await this.runs.clear();
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
    this.snap.samplePair = p.sample
      ? {
          queryLabel: p.sample.label,
          queryItemId: p.sample.queryItemId,
          targetId: p.sample.pair.targetId,
          targetName: p.sample.targetName,
        }
      : null;
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
      this.emit({
        phase: 'preparing',
        message: `Restoring the checkpoint at step ${d.state.step}…`,
        error: null,
        baseKey: base.key,
      });
      try {
        this.prepared = await preparePairs(this.pairs, this.library, d.settings, d.trainIds);
        this.trainIds = d.trainIds;
        this.startedAt = d.startedAt ?? 0;
        this.loop = new FinetuneLoop(
          cloneReasoner(base.model),
          cloneReasoner(base.model),
          this.embedder(),
          this.prepared.train,
          d.settings,
        );
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
    await this.runs.clear();
    this.snap = {
      ...this.snap,
      phase: 'idle',
      message: null,
      error: null,
      step: 0,
      steps: 0,
      logs: [],
      evals: [],
      samples: [],
      before: null,
      after: null,
      saved: null,
      samplePair: null,
    };
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
        if (this.startedAt) await this.runs.mark(this.startedAt, loop.step);
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
      this.emit({
        phase: 'error',
        error: `The run stopped at step ${loop.step}: ${errorMessage(err)}. The last checkpoint can be resumed.`,
        message: null,
      });
    }
  }

  private async finishRun() {
    const loop = this.loop!;
    this.emit({ phase: 'evaluating', message: 'Evaluating the fine-tuned Reasoner on the held-out pairs…' });
    const after = await this.evaluate(loop.policy);
    const sample = await this.sample(loop.step);
    if (sample && this.snap.samples.at(-1)?.step !== loop.step) this.snap.samples = [...this.snap.samples, sample];
    if (Number.isFinite(after.hit1) && this.snap.evals.at(-1)?.step !== loop.step)
      this.snap.evals = [...this.snap.evals, { step: loop.step, hit1: after.hit1, mrr: after.mrr }];
    this.snap.after = after;
    await this.checkpoint(true);
    this.finish(after);
  }

  private finish(after: HeldOutResult | null) {
    const loop = this.loop!;
    this.setTuned(
      loop.policy,
      {
        version: FINETUNE_META_VERSION,
        baseKey: this.base!.key,
        baseSha256: this.base!.info.sha256,
        settings: loop.settings,
        steps: loop.step,
        heldOut: { before: this.snap.before, after },
      },
      'run',
    );
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
    const mem = memoryHandler();
    await saveWeights(this.tuned!.model, mem, 'float32');
    const data: AppliedRecord = {
      meta: this.tuned!.meta,
      source: this.snap.tuned?.source ?? 'run',
      artifacts: mem.artifacts!,
    };
    await this.runs.putApplied(data).catch((err) =>
      this.emit({
        message: `Explore uses the fine-tuned Reasoner, but this browser could not remember it for the next visit: ${errorMessage(err)}`,
      }),
    );
  }

  private async place(): Promise<void> {
    if (!this.tuned) throw new Error('there is no fine-tuned Reasoner yet: run EG-RL or import a file');
    const base = this.currentBase();
    if (!base) throw new Error('load the Reasoner first');
    const copy = cloneReasoner(this.tuned.model);
    const { manifest } = await encodeWeights(copy, 'float32');
    this.slots.put('reasoner', copy, {
      ...base.info,
      source: 'finetuned',
      sha256: manifest.sha256,
      weightBytes: manifest.payloadBytes,
      quantized: false,
    });
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
    await this.runs.forgetApplied();
    this.emit();
  }

  /** The applied fine-tuned Reasoner of an earlier visit back in the slot (the built-in one must be loaded). */
  async restoreApplied(): Promise<{ restored: boolean; note: string | null }> {
    if (this.placed && this.slots.get('reasoner') === this.placed) return { restored: true, note: null };
    const rec = await this.runs.applied();
    if (!rec) return { restored: false, note: null };
    const base = this.currentBase();
    if (!base) return { restored: false, note: null };
    const forget = async (note: string) => {
      await this.runs.forgetApplied();
      return { restored: false, note };
    };
    if (rec.data.meta?.baseKey !== base.key)
      return forget(
        'the fine-tuned Reasoner used on the last visit was tuned from another base model than the one loaded now, so Explore uses the built-in Reasoner',
      );
    const model = await readRemembered(rec.data.artifacts, base.model);
    if (typeof model === 'string') return forget(model);
    this.setTuned(model, rec.data.meta, rec.data.source);
    await this.place();
    return { restored: true, note: null };
  }

  /** The fine-tuned Reasoner as files (float32 weights; the manifest carries the base model's key and the run's settings). */
  async exportFiles(): Promise<ModelFile[]> {
    if (!this.tuned) throw new Error('there is no fine-tuned Reasoner to export');
    return tunedFiles(this.tuned.model, this.tuned.meta);
  }

  /** Load an exported fine-tuned Reasoner (validated: model-files.ts); on success it is applied to Explore. */
  async importFiles(files: ModelFile[]): Promise<FinetuneSnapshot> {
    const base = this.currentBase();
    if (!base) throw new Error('load the Reasoner first (open Explore or the Library)');
    const { model, meta } = await readTunedFiles(files, base);
    this.setTuned(model, meta, 'import');
    await this.apply();
    return this.state();
  }
}
