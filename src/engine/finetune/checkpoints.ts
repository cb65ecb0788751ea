// The fine-tuner's records in IndexedDB (records.ts): the run's checkpoint, its per-step progress mark and the
// applied fine-tuned Reasoner. Reads that fail count as "nothing saved"; only a checkpoint write reports its error.
import type { FinetuneStore, RunRecord } from '../../media/finetune-store';
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

  /** Write the checkpoint; returns when it was saved, null without a store. Throws what the store throws (a full disk). */
  async save(data: RunData): Promise<number | null> {
    const store = await this.store();
    if (!store) return null;
    const savedAt = Date.now();
    await store.putRun({ key: 'current', savedAt, data });
    return savedAt;
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
