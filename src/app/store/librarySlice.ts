// Library slice: the built-in collection and the user's items, indexing / adding progress, per-file
// errors and storage used. Models are loaded on first use: shipped weights when public/models/ has them,
// otherwise fresh untrained ones (the UI says so).
import * as Comlink from 'comlink';
import type { StateCreator } from 'zustand';
import type { AddResult, LibraryItem, LibrarySummary, Progress, StorageUse } from '../../engine/types';
import { SHIPPED_INDEX_FILE } from '../../engine/shipped-index';
import { prepareFiles, transferables } from '../files';
import { librarySettings } from '../settings';
import type { AppState } from './index';
import { errorMessage } from '../../media/errors';

export type LibraryPhase = 'idle' | 'loading-models' | 'indexing' | 'ready' | 'error';

/** Progress with the figures a person wants: how many, how fast, how long still. */
export interface RateProgress extends Progress {
  startedAt: number;
  startDone: number;
  rate: number | null; // items per second
  etaS: number | null;
}

export interface LibrarySlice {
  libraryPhase: LibraryPhase;
  libraryError: string | null;
  library: LibrarySummary | null;
  /** Whether the loaded models are untrained (no shipped weights). */
  modelsUntrained: boolean;
  userItems: LibraryItem[];
  indexProgress: RateProgress | null;
  /** The collection being indexed again behind the index in use (another Reasoner's), or null. */
  reindexProgress: (RateProgress & { standIn: 'previous' | 'shipped' }) | null;
  /** How the last background re-index ended (replaced the index, or stopped and why), or null. */
  reindexNote: { ok: boolean; text: string } | null;
  addProgress: RateProgress | null;
  addResults: AddResult[];
  storage: StorageUse | null;
  /** An import the page closed in the middle of (found on the next open): which files were stored, which not. */
  interruptedImport: InterruptedImport | null;
  dismissInterruptedImport(): void;
  /** Why the fine-tuned Reasoner applied on an earlier visit is not in use now (null when nothing to say). */
  restoreNote: string | null;
  openLibrary(): Promise<void>;
  addFiles(files: File[]): Promise<void>;
  cancelWork(): Promise<void>;
  removeItem(id: string): Promise<void>;
  clearLibrary(): Promise<void>;
  refreshStorage(): Promise<void>;
}

export interface InterruptedImport {
  at: number;
  stored: string[];
  missing: string[];
}

/**
 * The import journal (localStorage): written before a drop's files are read, removed when their results are in.
 * Each file is stored in one transaction, so after a closed tab the library holds whole files only; the journal
 * says which of the picked files those were and which must be added again.
 */
const IMPORT_JOURNAL = 'embedrl.import';
interface ImportJournal {
  at: number;
  names: string[];
  /** User items present before the import. */
  before: string[];
}

function writeJournal(j: ImportJournal | null) {
  try {
    if (j) localStorage.setItem(IMPORT_JOURNAL, JSON.stringify(j));
    else localStorage.removeItem(IMPORT_JOURNAL);
  } catch {
    // No storage (private mode, full): the import goes on without a journal.
  }
}

/** What an unfinished journal says, against the user items now stored; null when no import was interrupted. */
export function interruptedImport(
  journalText: string | null,
  items: Pick<LibraryItem, 'id' | 'name'>[],
): InterruptedImport | null {
  if (!journalText) return null;
  let j: ImportJournal;
  try {
    j = JSON.parse(journalText) as ImportJournal;
    if (!Array.isArray(j.names) || !Array.isArray(j.before)) return null;
  } catch {
    return null;
  }
  const before = new Set(j.before);
  const added = items.filter((i) => !before.has(i.id)).map((i) => i.name);
  const stored: string[] = [];
  const missing: string[] = [];
  for (const name of j.names) {
    const k = added.indexOf(name);
    if (k >= 0) {
      stored.push(name);
      added.splice(k, 1);
    } else missing.push(name);
  }
  return { at: Number(j.at) || 0, stored, missing };
}

export function withRate(p: Progress, previous: RateProgress | null): RateProgress {
  const same = previous && previous.task === p.task;
  const startedAt = same ? previous.startedAt : performance.now();
  // Work done before the first report (items kept from an interrupted visit) does not count towards the rate.
  const startDone = same ? previous.startDone : p.done;
  const seconds = (performance.now() - startedAt) / 1000;
  const rate = p.done > startDone && seconds > 0 ? (p.done - startDone) / seconds : null;
  const etaS = rate && p.total > p.done ? (p.total - p.done) / rate : rate ? 0 : null;
  return { ...p, startedAt, startDone, rate, etaS };
}

/**
 * The shipped manifests' absolute URLs. The worker loads them, and a relative URL there would resolve against
 * the worker's script (`assets/…`), where the server answers with the app's HTML.
 */
const shippedUrl = (role: 'reasoner' | 'embedder') => new URL(`models/${role}/model.json`, document.baseURI).href;

const shippedIndexUrl = () => new URL(`models/${SHIPPED_INDEX_FILE}`, document.baseURI).href;

async function shippedWeightsExist(): Promise<boolean> {
  try {
    const [a, b] = await Promise.all(
      [shippedUrl('reasoner'), shippedUrl('embedder')].map((u) => fetch(u, { method: 'HEAD' })),
    );
    return a.ok && b.ok && (a.headers.get('content-type') ?? '').includes('json');
  } catch {
    return false;
  }
}

export const createLibrarySlice: StateCreator<AppState, [], [], LibrarySlice> = (set, get) => ({
  libraryPhase: 'idle',
  libraryError: null,
  library: null,
  modelsUntrained: false,
  userItems: [],
  indexProgress: null,
  reindexProgress: null,
  reindexNote: null,
  addProgress: null,
  addResults: [],
  storage: null,
  interruptedImport: null,
  restoreNote: null,

  dismissInterruptedImport() {
    set({ interruptedImport: null });
  },

  async openLibrary() {
    const handle = get().handle;
    const phase = get().libraryPhase;
    if (!handle || get().status?.phase !== 'ready' || phase === 'loading-models' || phase === 'indexing') return;
    const settings = librarySettings();
    set({ libraryPhase: 'loading-models', libraryError: null, reindexProgress: null, reindexNote: null });
    try {
      const status = await handle.engine.status();
      let untrained = status.models.reasoner?.source === 'random' || status.models.embedder?.source === 'random';
      if (!status.models.reasoner || !status.models.embedder) {
        // `?preset=tiny` asks for the tiny untrained models (tests, quick demos) whether or not weights ship.
        if (settings.preset !== 'tiny' && (await shippedWeightsExist())) {
          await handle.engine.loadModel('reasoner', { kind: 'url', url: shippedUrl('reasoner') });
          await handle.engine.loadModel('embedder', { kind: 'url', url: shippedUrl('embedder') });
          untrained = false;
        } else {
          await handle.engine.loadModel('reasoner', { kind: 'random', preset: settings.preset });
          await handle.engine.loadModel('embedder', { kind: 'random', preset: settings.preset });
          untrained = true;
        }
      }
      // The fine-tuned Reasoner applied on an earlier visit is used again (the choice survives a reload).
      const restored = await handle.engine.restoreFinetuned().catch((err: unknown) => ({
        restored: false,
        note: `the fine-tuned Reasoner of the last visit could not be restored (${errorMessage(err)})`,
      }));
      set({
        status: await handle.engine.status(),
        modelsUntrained: untrained,
        libraryPhase: 'indexing',
        indexProgress: null,
        restoreNote: restored.note,
      });
      let early: RateProgress | null = null;
      let ended = false;
      let replaced = false;
      const library = await handle.engine.openLibrary(
        // The shipped index serves only when it was made by exactly these models and settings (the Library checks).
        {
          collection: settings.collection,
          maxNewTokens: settings.maxNewTokens,
          ...(settings.preset !== 'tiny' ? { shippedIndexUrl: shippedIndexUrl() } : {}),
          // Another Reasoner's index (the one in use, or the shipped one) serves while this one indexes behind it.
          background: true,
        },
        Comlink.proxy((p: Progress) => {
          if (!p.task.startsWith('reindex')) return set({ indexProgress: withRate(p, get().indexProgress) });
          const running = get().reindexProgress;
          if (p.task === 'reindex') {
            if (!running)
              early = withRate(p, early); // before the open has returned
            else set({ reindexProgress: { ...withRate(p, running), standIn: running.standIn } });
            return;
          }
          // The end: the new index is in use ('reindexed'), or the old one stays ('reindex-stopped').
          ended = true;
          replaced = p.task === 'reindexed';
          const summary = get().library;
          set({
            reindexProgress: null,
            reindexNote: { ok: replaced, text: p.message ?? '' },
            // Once replaced, the index in use is these models' own: the status line stops saying "served meanwhile".
            ...(summary && replaced ? { library: { ...summary, reindexing: undefined } } : {}),
          });
          const query = get().lastQuery;
          if (replaced && query && get().result) void get().search(query, get().queryLabel ?? '');
        }),
      );
      if (get().handle !== handle) return;
      let journal: string | null = null;
      try {
        journal = localStorage.getItem(IMPORT_JOURNAL);
      } catch {
        journal = null;
      }
      const interrupted = interruptedImport(journal, library.userItems);
      if (journal) writeJournal(null);
      const behind = library.reindexing;
      set({
        // A re-index that already ended (small collections) leaves these models' own index in use.
        library: replaced ? { ...library, reindexing: undefined } : library,
        userItems: library.userItems,
        libraryPhase: 'ready',
        interruptedImport: interrupted,
        ...(behind && !ended
          ? {
              reindexNote: null,
              reindexProgress: {
                ...(early ?? withRate({ task: 'reindex', done: 0, total: behind.total }, null)),
                standIn: behind.standIn,
              },
            }
          : {}),
      });
      void get().refreshStorage();
    } catch (err) {
      set({ libraryPhase: 'error', libraryError: errorMessage(err) });
    }
  },

  async addFiles(files) {
    const handle = get().handle;
    if (!handle || files.length === 0) return;
    const start: Progress = { task: 'add', done: 0, total: files.length, message: 'Reading the files…' };
    set({ addResults: [], addProgress: withRate(start, null), interruptedImport: null });
    writeJournal({ at: Date.now(), names: files.map((f) => f.name), before: get().userItems.map((i) => i.id) });
    try {
      const { inputs, errors, order } = await prepareFiles(files, (done, total, name) =>
        set({
          addProgress: { ...get().addProgress!, done: 0, total, message: `Reading ${name} (${done + 1} / ${total})…` },
        }),
      );
      set({
        addProgress: withRate(
          {
            task: 'add-models',
            done: 0,
            total: inputs.length,
            message:
              inputs.length < files.length
                ? `Reasoning about and embedding the ${inputs.length} of ${files.length} picked files that could be read…`
                : 'Reasoning about and embedding…',
          },
          null,
        ),
      });
      const added = inputs.length
        ? await handle.engine.addMedia(
            Comlink.transfer(inputs, transferables(inputs)),
            Comlink.proxy((p: Progress) => set({ addProgress: withRate(p, get().addProgress) })),
          )
        : [];
      // Report in the order the files were given.
      const byName = new Map<string, AddResult[]>();
      for (const r of [...errors, ...added]) byName.set(r.name, [...(byName.get(r.name) ?? []), r]);
      const results = order.map((name) => byName.get(name)!.shift()!).filter(Boolean);
      const userItems = (await handle.engine.listItems()).filter((i) => i.source === 'user');
      set({
        addResults: results,
        userItems,
        addProgress: null,
        library: get().library
          ? { ...get().library!, size: get().library!.builtinCount + userItems.length, userItems }
          : null,
      });
      void get().refreshStorage();
    } catch (err) {
      set({
        addProgress: null,
        addResults: [{ name: '(all files)', ok: false, code: 'storage', message: errorMessage(err) }],
      });
    } finally {
      writeJournal(null);
    }
  },

  async cancelWork() {
    await get().handle?.engine.cancel();
  },

  async removeItem(id) {
    const handle = get().handle;
    if (!handle) return;
    await handle.engine.removeItem(id);
    const userItems = get().userItems.filter((i) => i.id !== id);
    const library = get().library;
    set({
      userItems,
      library: library ? { ...library, size: library.builtinCount + userItems.length, userItems } : null,
    });
    void get().refreshStorage();
  },

  async clearLibrary() {
    const handle = get().handle;
    if (!handle) return;
    await handle.engine.clearLibrary();
    const library = get().library;
    set({
      userItems: [],
      addResults: [],
      library: library ? { ...library, size: library.builtinCount, userItems: [] } : null,
    });
    void get().refreshStorage();
  },

  async refreshStorage() {
    const handle = get().handle;
    if (handle) set({ storage: await handle.engine.storageUsed() });
  },
});
