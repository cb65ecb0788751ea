// The engine's fine-tuner: the user's labelled pairs (pairs.ts), an EG-RL run on them (src/train/finetune.ts,
// which reuses the recipe's grpoStep unchanged) with pause / resume / stop, checkpoints every N steps so a reload
// resumes where the run was (records.ts), held-out Hit@1 / MRR before, during and after, and the fine-tuned
// Reasoner: apply it to Explore (also after a reload), revert to the built-in one, export it as a weights file that
// names its base model and the run's settings, import one (validated, model-files.ts).
import { FinetuneStore, type RunRecord } from '../../media/finetune-store';
import { errorMessage } from '../../media/errors';
import type { Embedder } from '../../models/embedder';
import type { Reasoner } from '../../models/reasoner';
import {
  DEFAULT_FINETUNE,
  evaluateHeldOut,
  FinetuneLoop,
  settingsProblems,
  type FinetuneSettings,
  type HeldOutResult,
} from '../../train/finetune';
import type { Library } from '../library';
import type { ModelSlots } from '../model-slots';
import type { ModelFile } from '../types';
import { cloneReasoner } from './model-files';
import { TunedReasoner, type TunedSource } from './tuned';
import { PairBook } from './pairs';
import { preparePairs, preparedView, sampleStrip, type Prepared } from './prepare';
import { nextTick } from '../tick';
import { RunStore } from './checkpoints';
import { FINETUNE_META_VERSION, type FinetuneMeta, type RunData } from './records';
import { freshRun, idleSnapshot, type FinetuneCallback, type FinetuneSample, type FinetuneSnapshot } from './types';

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
  private readonly tunedR: TunedReasoner;

  constructor(
    private readonly slots: ModelSlots,
    private readonly library: Library,
    private readonly openStore: () => Promise<FinetuneStore | null> = async () =>
      typeof indexedDB === 'undefined' ? null : FinetuneStore.open(),
  ) {
    this.runs = new RunStore(() => this.store());
    this.tunedR = new TunedReasoner(slots, this.runs, (message) => this.emit({ message }));
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
      this.snap = { ...this.snap, saved: await this.runs.summary(saved) };
      if (saved && !this.snap.settings) this.restoreView(saved.data);
    }
    this.refreshApplied();
    return structuredClone(this.snap);
  }

  private refreshApplied() {
    this.snap = { ...this.snap, ...this.tunedR.status() };
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
    return this.runs.saved(this.tunedR.currentBase()?.key ?? null);
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
    const base = this.tunedR.lastBase;
    if (!this.loop || !base) return;
    const data: RunData = {
      baseKey: base.key,
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
      const saved = await this.runs.save(data);
      if (saved) this.snap.saved = saved;
    } catch (err) {
      // A full disk loses the checkpoint, never the run in memory; say so.
      this.emit({ message: `The checkpoint could not be saved: ${errorMessage(err)}` });
    }
  }

  private disposeRun() {
    this.loop?.dispose();
    if (this.loop) {
      if (this.loop.policy !== this.tunedR.model) this.loop.policy.dispose();
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
    const base = this.tunedR.currentBase();
    if (!base) throw new Error('load the Reasoner first (open Explore or the Library)');
    this.disposeRun();
    this.snap = {
      ...this.snap,
      phase: 'preparing',
      message: 'Preparing the pairs…',
      error: null,
      settings,
      ...freshRun(settings.steps),
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
    this.snap = { ...this.snap, ...preparedView(this.prepared!) };
  }

  /** Resume a paused run, or the saved checkpoint (after a reload). */
  async resume(onUpdate?: FinetuneCallback): Promise<FinetuneSnapshot> {
    if (this.running) throw new Error('the run is already going');
    this.listener = onUpdate ?? this.listener;
    if (!this.loop) {
      const saved = await this.savedRun();
      if (!saved) throw new Error('there is no saved run to resume (it was made with another base model, or deleted)');
      const d = saved.data;
      const base = this.tunedR.currentBase()!;
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
      ...freshRun(0),
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
        baseKey: this.tunedR.lastBase!.key,
        baseSha256: this.tunedR.lastBase!.info.sha256,
        settings: loop.settings,
        steps: loop.step,
        heldOut: { before: this.snap.before, after },
      },
      'run',
    );
    this.emit({ phase: 'finished', after, message: null });
  }

  private setTuned(model: Reasoner, meta: FinetuneMeta, source: TunedSource) {
    this.tunedR.set(model, meta, source, this.loop?.policy ?? null);
  }

  // ---- the fine-tuned Reasoner (tuned.ts) ----

  /** Explore uses the fine-tuned Reasoner (a copy goes into the Reasoner slot), and keeps it after a reload. */
  async apply(): Promise<void> {
    await this.tunedR.apply();
    this.emit();
  }

  /** Explore goes back to the built-in Reasoner (also after the next reload). */
  async revert(): Promise<void> {
    await this.tunedR.revert();
    this.emit();
  }

  /** The applied fine-tuned Reasoner of an earlier visit back in the slot (the built-in one must be loaded). */
  async restoreApplied(): Promise<{ restored: boolean; note: string | null }> {
    const r = await this.tunedR.restoreApplied(this.loop?.policy ?? null);
    if (r.restored) this.emit();
    return r;
  }

  /** The fine-tuned Reasoner as files (float32 weights; the manifest carries the base model's key and the run's settings). */
  exportFiles(): Promise<ModelFile[]> {
    return this.tunedR.exportFiles();
  }

  /** Load an exported fine-tuned Reasoner (validated: model-files.ts); on success it is applied to Explore. */
  async importFiles(files: ModelFile[]): Promise<FinetuneSnapshot> {
    await this.tunedR.importFiles(files, this.loop?.policy ?? null);
    this.emit();
    return this.state();
  }
}
