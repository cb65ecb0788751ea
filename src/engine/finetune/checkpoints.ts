// The fine-tuner's records in IndexedDB (records.ts): the run's checkpoint, its per-step progress mark and the
// applied fine-tuned Reasoner. Reads that fail count as "nothing saved"; only a checkpoint write reports its error.
import type { FinetuneStore, RunRecord } from '../../media/finetune-store';
import type { FinetuneSnapshot } from './types';
import { APPLIED_KEY, PROGRESS_KEY, type AppliedRecord, type ProgressMark, type RunData } from './records';

export class RunStore {
  constructor(private readonly store: () => Promise<FinetuneStore | null>) {}

  /** The saved run, unless it was made from another base model (the shipped weights changed): it cannot continue here. */
  async saved(baseKey: string | null): Promise<RunRecord<RunData> | undefined> {
    const rec = await (await this.store())?.run<RunData>().catch(() => undefined);
    if (!rec) return undefined;
    return baseKey !== null && rec.data.baseKey !== baseKey ? undefined : rec;
  }

  /**
   * The last step the saved run finished (its progress mark, written after every step), at least its
   * checkpoint's step: after a closed tab, the steps between the checkpoint and this one are what a resume redoes.
   */
  async reached(saved: RunRecord<RunData>): Promise<number> {
    const mark = await (await this.store())?.run<ProgressMark>(PROGRESS_KEY).catch(() => undefined);
    const step = saved.data.state.step;
    return mark && mark.data.runSavedFrom === saved.data.startedAt && mark.data.step > step ? mark.data.step : step;
  }

  /** The saved run as the view shows it (null for none). */
  async summary(saved: RunRecord<RunData> | undefined): Promise<FinetuneSnapshot['saved']> {
    if (!saved) return null;
    const { state, settings, finished } = saved.data;
    return {
      step: state.step,
      steps: settings.steps,
      savedAt: saved.savedAt,
      finished,
      reached: await this.reached(saved),
    };
  }

  /** Write the checkpoint; returns it as the view shows it, null without a store. Throws what the store throws (a full disk). */
  async save(data: RunData): Promise<FinetuneSnapshot['saved']> {
    const store = await this.store();
    if (!store) return null;
    const savedAt = Date.now();
    await store.putRun({ key: 'current', savedAt, data });
    const { state, settings, finished } = data;
    return { step: state.step, steps: settings.steps, savedAt, finished, reached: state.step };
  }

  /** A small record per step (not a checkpoint): how far the run started at `startedAt` got. */
  async mark(startedAt: number, step: number): Promise<void> {
    await (
      await this.store()
    )
      ?.putRun<ProgressMark>({ key: PROGRESS_KEY, savedAt: Date.now(), data: { step, runSavedFrom: startedAt } })
      .catch(() => undefined);
  }

  /** Forget the checkpoint and its progress mark. */
  async clear(): Promise<void> {
    const store = await this.store();
    await store?.deleteRun().catch(() => undefined);
    await store?.deleteRun(PROGRESS_KEY).catch(() => undefined);
  }

  applied(): Promise<RunRecord<AppliedRecord> | undefined> {
    return this.store().then((s) => s?.run<AppliedRecord>(APPLIED_KEY).catch(() => undefined));
  }

  /** Remember the applied fine-tuned Reasoner; throws what the store throws. */
  async putApplied(data: AppliedRecord): Promise<void> {
    await (await this.store())?.putRun({ key: APPLIED_KEY, savedAt: Date.now(), data });
  }

  async forgetApplied(): Promise<void> {
    await (await this.store())?.deleteRun(APPLIED_KEY).catch(() => undefined);
  }
}
