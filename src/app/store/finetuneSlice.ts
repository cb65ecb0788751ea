// Fine-tune slice: the labelled pairs, the EG-RL run's settings and live state (the worker sends a snapshot
// on every change; they are applied at most once per animation frame), and the fine-tuned Reasoner's
// apply / revert / export / import.
import * as Comlink from 'comlink';
import type { StateCreator } from 'zustand';
import { DEFAULT_FINETUNE } from '../../train/finetune';
import { LESSON_SETTINGS, LESSONS } from '../../train/lesson';
import type {
  FinetuneSettings,
  FinetuneSnapshot,
  Hit,
  ModelFile,
  NewPair,
  PairRowError,
  PairView,
  SearchQuery,
} from '../../engine/types';
import { safeLocalStorage } from './engineSlice';
import type { AppState } from './index';
import { errorMessage } from '../../media/errors';

export interface FinetuneSlice {
  pairs: PairView[];
  /** The pairs were asked for from this worker (Explore's labels show them). */
  pairsLoaded: boolean;
  pairsError: string | null;
  importErrors: PairRowError[];
  importNote: string | null;
  ftSettings: FinetuneSettings;
  ft: FinetuneSnapshot | null;
  ftError: string | null;
  /** Messages of the model file import (refusals included). */
  modelNote: { ok: boolean; text: string } | null;
  loadPairs(): Promise<void>;
  /** Label a result of the current Explore query as a match (or not). */
  markResult(query: SearchQuery, hit: Hit, match: boolean): Promise<void>;
  /** Label a result of a dropped-file query: the file is added to the library and becomes the pair's query. */
  markDroppedResult(hit: Hit, match: boolean): Promise<void>;
  addPairs(pairs: NewPair[]): Promise<void>;
  updatePair(id: string, patch: { match?: boolean; queryText?: string }): Promise<void>;
  deletePair(id: string): Promise<void>;
  importPairsFile(file: File): Promise<void>;
  /** The built-in lesson loaded in this page (its pairs and settings), or null. */
  lesson: string | null;
  loadLesson(id: string): Promise<void>;
  setFtSettings(patch: Partial<FinetuneSettings>): void;
  refreshFinetune(): Promise<void>;
  startFinetune(): Promise<void>;
  pauseFinetune(): Promise<void>;
  resumeFinetune(): Promise<void>;
  stopFinetune(): Promise<void>;
  discardFinetune(): Promise<void>;
  applyFinetuned(): Promise<void>;
  revertReasoner(): Promise<void>;
  exportFinetuned(): Promise<void>;
  importFinetuned(files: File[]): Promise<void>;
}

const errorText = (err: unknown) => errorMessage(err).replace(/^\[[a-z-]+\] /, '');

function download(file: ModelFile) {
  const url = URL.createObjectURL(
    new Blob([file.bytes], { type: file.name.endsWith('.json') ? 'application/json' : 'application/octet-stream' }),
  );
  const a = document.createElement('a');
  a.href = url;
  a.download = file.name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

const LESSON_KEY = 'embedrl.lesson';

function rememberedLesson(): string | null {
  const id = safeLocalStorage()?.getItem(LESSON_KEY) ?? null;
  return id && LESSONS.some((l) => l.id === id) ? id : null;
}

function forgetLesson(set: (patch: Partial<FinetuneSlice>) => void): void {
  safeLocalStorage()?.removeItem(LESSON_KEY);
  set({ lesson: null });
}

export const createFinetuneSlice: StateCreator<AppState, [], [], FinetuneSlice> = (set, get) => {
  // Snapshots arrive after every step and evaluation: keep the latest, apply once per frame.
  let pending: FinetuneSnapshot | null = null;
  const onUpdate = Comlink.proxy((snapshot: FinetuneSnapshot) => {
    const first = pending === null;
    pending = snapshot;
    if (first)
      requestAnimationFrame(() => {
        const s = pending;
        pending = null;
        if (s) set({ ft: s });
      });
  });
  const engine = () => {
    const e = get().handle?.engine;
    if (!e) throw new Error('the engine is not running');
    return e;
  };
  const guard = async (body: () => Promise<void>) => {
    set({ ftError: null });
    try {
      await body();
    } catch (err) {
      set({ ftError: errorText(err) });
    }
  };
  /**
   * Explore must index again with the Reasoner now in the slot. A complete index of the one before keeps serving
   * (and the results stay) while the collection is indexed again behind it; otherwise Explore waits for it.
   */
  const reopenLibrary = async () => {
    const serving = get().library;
    const keep = !!serving && !serving.partial && get().libraryPhase === 'ready';
    set({
      status: await engine().status(),
      libraryPhase: 'idle',
      ...(keep ? {} : { library: null, result: null, plainHits: null, selectedId: null, selectedTrace: null }),
    });
    await get().openLibrary();
  };

  return {
    pairs: [],
    pairsLoaded: false,
    pairsError: null,
    importErrors: [],
    importNote: null,
    ftSettings: { ...DEFAULT_FINETUNE, weights: { ...DEFAULT_FINETUNE.weights } },
    ft: null,
    ftError: null,
    modelNote: null,
    // The lesson loaded in this browser (remembered, so that after a reload its pairs are not taken for the user's own).
    lesson: rememberedLesson(),

    async loadPairs() {
      set({ pairsLoaded: true });
      try {
        set({ pairs: await engine().listPairs(), pairsError: null });
      } catch (err) {
        set({ pairsError: errorText(err) });
      }
    },

    async markDroppedResult(hit, match) {
      const file = get().queryFile;
      if (!file) return;
      // A pair's query must be in the library: the dropped file is added first (as Library would), then the query
      // becomes that item, so later labels for this search name the same query.
      await get().addFiles([file]);
      const added = get().addResults.find((r) => r.name === file.name);
      if (!added?.ok) {
        set({
          pairsError: `${file.name} could not be added to the library, so it cannot be a pair's query: ${added && !added.ok ? added.message : 'unknown error'}`,
        });
        return;
      }
      const query = { kind: 'item' as const, id: added.item.id };
      set({ lastQuery: query, queryFile: null });
      await get().markResult(query, hit, match);
    },

    async markResult(query, hit, match) {
      if (query.kind === 'media') return;
      const q = query.kind === 'text' ? query : { kind: 'item' as const, itemId: query.id };
      await get().addPairs([{ query: q, targetId: hit.id, match, instruction: get().instruction || undefined }]);
    },

    async addPairs(pairs) {
      try {
        set({ pairs: await engine().addPairs(pairs), pairsError: null });
      } catch (err) {
        set({ pairsError: errorText(err) });
      }
    },

    async loadLesson(id) {
      try {
        set({
          pairs: await engine().loadLesson(id),
          pairsError: null,
          lesson: id,
          ftSettings: { ...LESSON_SETTINGS, weights: { ...LESSON_SETTINGS.weights } },
        });
        safeLocalStorage()?.setItem(LESSON_KEY, id);
      } catch (err) {
        set({ pairsError: errorText(err) });
      }
    },

    async updatePair(id, patch) {
      try {
        set({ pairs: await engine().updatePair(id, patch), pairsError: null });
      } catch (err) {
        set({ pairsError: errorText(err) });
      }
    },

    async deletePair(id) {
      try {
        const pairs = await engine().deletePair(id);
        set({ pairs, pairsError: null });
        if (pairs.length === 0 && get().lesson) forgetLesson(set); // the lesson is gone with its last pair
      } catch (err) {
        set({ pairsError: errorText(err) });
      }
    },

    async importPairsFile(file) {
      set({ importErrors: [], importNote: null, pairsError: null });
      try {
        const format = /\.jsonl?$/i.test(file.name) ? 'jsonl' : 'csv';
        const r = await engine().importPairs(await file.text(), format);
        set({
          pairs: r.pairs,
          importErrors: r.errors,
          importNote: `${file.name}: ${r.added} pair${r.added === 1 ? '' : 's'} added, ${r.errors.length} row${r.errors.length === 1 ? '' : 's'} with errors`,
        });
      } catch (err) {
        set({ pairsError: errorText(err) });
      }
    },

    setFtSettings(patch) {
      set({ ftSettings: { ...get().ftSettings, ...patch } });
    },

    async refreshFinetune() {
      await guard(async () => {
        const ft = await engine().finetuneState();
        // A saved run shows its settings, so a resume continues with what it started with.
        set({ ft, ...(ft.settings ? { ftSettings: ft.settings } : {}) });
      });
    },

    async startFinetune() {
      await guard(async () => {
        set({ ft: await engine().startFinetune(get().ftSettings, onUpdate) });
        // The run's held-out share decides the split shown.
        await get().loadPairs();
      });
    },
    async pauseFinetune() {
      await guard(() => engine().pauseFinetune());
    },
    async resumeFinetune() {
      await guard(async () => set({ ft: await engine().resumeFinetune(onUpdate) }));
    },
    async stopFinetune() {
      await guard(() => engine().stopFinetune());
    },
    async discardFinetune() {
      await guard(async () => set({ ft: await engine().discardFinetune() }));
    },

    async applyFinetuned() {
      await guard(async () => {
        await engine().applyFinetuned();
        set({
          ft: await engine().finetuneState(),
          modelNote: {
            ok: true,
            text: 'Explore now uses the fine-tuned Reasoner (the collection is indexed again with it, in the background).',
          },
        });
        await reopenLibrary();
      });
    },

    async revertReasoner() {
      await guard(async () => {
        await engine().revertReasoner();
        set({
          ft: await engine().finetuneState(),
          modelNote: { ok: true, text: 'Explore uses the built-in Reasoner again.' },
        });
        await reopenLibrary();
      });
    },

    async exportFinetuned() {
      await guard(async () => {
        const files = await engine().exportFinetuned();
        files.forEach(download);
        set({ modelNote: { ok: true, text: `Exported ${files.map((f) => f.name).join(' and ')}.` } });
      });
    },

    async importFinetuned(files) {
      set({ modelNote: null, ftError: null });
      try {
        const models: ModelFile[] = await Promise.all(
          files.map(async (f) => ({ name: f.name, bytes: await f.arrayBuffer() })),
        );
        const ft = await engine().importFinetuned(
          Comlink.transfer(
            models,
            models.map((m) => m.bytes),
          ),
        );
        set({
          ft,
          modelNote: { ok: true, text: `Imported ${files.map((f) => f.name).join(' and ')}: Explore now uses it.` },
        });
        await reopenLibrary();
      } catch (err) {
        set({ modelNote: { ok: false, text: `Refused: ${errorText(err)}` } });
      }
    },
  };
};
