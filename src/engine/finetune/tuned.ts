// The fine-tuned Reasoner beside the built-in one: which is in the Reasoner slot, a copy placed there on Apply (and
// remembered for the next visit), Revert to the built-in one, export and import as files (model-files.ts).
import { errorMessage } from '../../media/errors';
import type { Reasoner } from '../../models/reasoner';
import { encodeWeights, memoryHandler, saveWeights } from '../../models/weights';
import { modelKey } from '../library/models';
import type { ModelSlots } from '../model-slots';
import type { ModelFile, ModelInfo } from '../types';
import type { RunStore } from './checkpoints';
import { cloneReasoner, readRemembered, readTunedFiles, tunedFiles } from './model-files';
import type { AppliedRecord, FinetuneMeta } from './records';

export interface BaseReasoner {
  model: Reasoner;
  info: ModelInfo;
  key: string;
}

export type TunedSource = 'run' | 'import';

/** What the fine-tune view shows of it: whether Explore uses it, and where it came from. */
export interface TunedStatus {
  applied: boolean;
  earlierApplied: boolean;
  tuned: { steps: number; source: TunedSource } | null;
}

export class TunedReasoner {
  /** The built-in Reasoner (a private copy), its slot info and key: the start of every run, and what revert restores. */
  private base: BaseReasoner | null = null;
  /** The fine-tuned Reasoner (the run's policy, or an imported file), and the model object placed in the slot. */
  private tuned: { model: Reasoner; meta: FinetuneMeta; source: TunedSource } | null = null;
  private placed: Reasoner | null = null;
  /** The fine-tuned Reasoner `placed` was copied from (a later run or import replaces `tuned`, not the slot). */
  private placedFrom: Reasoner | null = null;

  constructor(
    private readonly slots: ModelSlots,
    private readonly runs: RunStore,
    /** A message for the view (e.g. the browser could not remember the applied model). */
    private readonly say: (message: string) => void,
  ) {}

  /** The built-in Reasoner as last seen (no refresh from the slot). */
  get lastBase(): BaseReasoner | null {
    return this.base;
  }

  get model(): Reasoner | null {
    return this.tuned?.model ?? null;
  }

  status(): TunedStatus {
    const inSlot = !!this.placed && this.slots.get('reasoner') === this.placed;
    const applied = inSlot && !!this.tuned && this.placedFrom === this.tuned.model;
    return {
      applied,
      earlierApplied: inSlot && !applied,
      tuned: this.tuned ? { steps: this.tuned.meta.steps, source: this.tuned.source } : null,
    };
  }

  /** The built-in Reasoner: the slot's model unless the slot holds our fine-tuned one. */
  currentBase(): BaseReasoner | null {
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

  /** `model` becomes the fine-tuned Reasoner; the one it replaces is disposed unless `keep` still uses it. */
  set(model: Reasoner, meta: FinetuneMeta, source: TunedSource, keep: Reasoner | null = null) {
    if (this.tuned && this.tuned.model !== model && this.tuned.model !== keep) this.tuned.model.dispose();
    this.tuned = { model, meta, source };
  }

  /** Explore uses the fine-tuned Reasoner (a copy goes into the Reasoner slot), and keeps it after a reload. */
  async apply(): Promise<void> {
    await this.place();
    const mem = memoryHandler();
    await saveWeights(this.tuned!.model, mem, 'float32');
    const data: AppliedRecord = { meta: this.tuned!.meta, source: this.tuned!.source, artifacts: mem.artifacts! };
    await this.runs
      .putApplied(data)
      .catch((err) =>
        this.say(
          `Explore uses the fine-tuned Reasoner, but this browser could not remember it for the next visit: ${errorMessage(err)}`,
        ),
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
  }

  /** Explore goes back to the built-in Reasoner (also after the next reload). */
  async revert(): Promise<void> {
    const base = this.currentBase();
    if (!base) throw new Error('no built-in Reasoner to go back to');
    if (this.slots.get('reasoner') === this.placed) this.slots.put('reasoner', cloneReasoner(base.model), base.info);
    this.placed = null;
    this.placedFrom = null;
    await this.runs.forgetApplied();
  }

  /** The applied fine-tuned Reasoner of an earlier visit back in the slot (the built-in one must be loaded). */
  async restoreApplied(keep: Reasoner | null): Promise<{ restored: boolean; note: string | null }> {
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
    this.set(model, rec.data.meta, rec.data.source, keep);
    await this.place();
    return { restored: true, note: null };
  }

  /** The fine-tuned Reasoner as files (float32 weights; the manifest carries the base model's key and the run's settings). */
  async exportFiles(): Promise<ModelFile[]> {
    if (!this.tuned) throw new Error('there is no fine-tuned Reasoner to export');
    return tunedFiles(this.tuned.model, this.tuned.meta);
  }

  /** Load an exported fine-tuned Reasoner (validated: model-files.ts); on success it is applied to Explore. */
  async importFiles(files: ModelFile[], keep: Reasoner | null): Promise<void> {
    const base = this.currentBase();
    if (!base) throw new Error('load the Reasoner first (open Explore or the Library)');
    const { model, meta } = await readTunedFiles(files, base);
    this.set(model, meta, 'import', keep);
    await this.apply();
  }
}
