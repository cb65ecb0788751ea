// The engine's library: the built-in collection and the user's own media, each item with its candidate-side
// T-CoT and two embeddings (with and without T-CoT), searchable by brute-force cosine top-k on the active
// backend. Persistence is src/media/store.ts (IndexedDB); the built-in collection is cached there per
// (collection settings, model hashes), so a second start does no model work.
import { MediaError, errorMessage } from '../../media/errors';
import { LibraryStore, storageUse, type CollectionRecord, type StorageUse } from '../../media/store';
import type { VisualInput } from '../../models/preprocess';
import { nextTick } from '../tick';
import type { ProgressCallback } from '../types';
import { BATCH, builtinEntries, collectionKey, deriveBuiltin, modelKey } from './derive';
import { findIndex, indexBuiltin, mayStandIn, saveComplete, type IndexRun } from './indexing';
import { ItemIndex } from './item-index';
import { searchLibrary } from './search';
import { addUserFile, restoredRow } from './user-items';
import {
  fetchBytes,
  framesOf,
  publicItem,
  storedVisual,
  thumbOf,
  traceOf,
  userEntry,
  worldVisualOf,
  type Entry,
} from './media';
import { staleFinetunedKey, type LibraryModels } from './models';
import {
  DEFAULT_COLLECTION,
  type AddResult,
  type CollectionOptions,
  type LibraryItem,
  type LibraryOptions,
  type LibrarySummary,
  type MediaInput,
  type SearchOptions,
  type SearchQuery,
  type SearchResult,
  type ThumbImage,
  type PlainCallback,
  type TokenCallback,
  type Trace,
} from './types';

/** How often (ms) indexing saves what it has done, so a closed tab loses at most this much work. */
const PARTIAL_SAVE_MS = 4000;

export class Library {
  private store: LibraryStore | null = null;
  private entries = new Map<string, Entry>();
  /** Every indexed item's T-CoT and two embeddings (item-index.ts); null until the first open. */
  private index: ItemIndex | null = null;
  private options: CollectionOptions = DEFAULT_COLLECTION;
  private cancelled = false;
  private maxNewTokens = 80;
  private idCounter = 0;
  /** Which models and settings the index in use was made by, and whether it holds the whole collection. */
  private serving: { key: string; complete: boolean } | null = null;
  /** Bumped by every open: a background re-index of an earlier open stops at its next batch. */
  private generation = 0;
  /** The background re-index under way (open with `background`), and what serves meanwhile. */
  private reindexing: { promise: Promise<void>; standIn: 'previous' | 'shipped' } | null = null;
  /** Searches in flight, and indexes replaced while one ran (freed when the last one ends). */
  private searching = 0;
  private retired: ItemIndex[] = [];

  constructor(
    private readonly models: () => LibraryModels,
    private readonly openStore: () => Promise<LibraryStore | null> = async () =>
      typeof indexedDB === 'undefined' ? null : LibraryStore.open(),
    private readonly fetchShipped: (url: string) => Promise<ArrayBuffer> = fetchBytes,
  ) {}

  /** Ask the running indexing/adding loop to stop after its current batch. */
  cancel(): void {
    this.cancelled = true;
  }

  /**
   * Index the built-in collection (from the cache when it can) and restore the user's items. With `background`,
   * another Reasoner's index may serve while it indexes behind it (LibraryOptions.background, task 'reindex').
   */
  async open(opts: LibraryOptions = {}, onProgress?: ProgressCallback): Promise<LibrarySummary> {
    const t0 = performance.now();
    const gen = ++this.generation;
    const m = this.models();
    const dim = m.embedder.config.outDim;
    this.options = { ...DEFAULT_COLLECTION, ...opts.collection };
    this.maxNewTokens = opts.maxNewTokens ?? 80;
    this.cancelled = false;
    this.store ??= await this.openStore();
    await this.reindexing?.promise; // stops at its next batch (generation), saving what it did
    this.reindexing = null;
    const cacheKey = collectionKey(this.options, this.maxNewTokens, m);
    const builtin = builtinEntries(this.options);
    const previous = this.index;
    const keepPrevious = !!opts.background && mayStandIn(previous, this.serving, cacheKey, builtin, dim);
    for (const [id, e] of this.entries) if (e.source === 'builtin' || !keepPrevious) this.entries.delete(id);
    for (const e of builtin) this.entries.set(e.id, e);

    const found = await findIndex(this.store, cacheKey, builtin, dim, keepPrevious, opts, this.fetchShipped);
    const { cached, fromShipped, standIn, shippedNote } = found;
    if (standIn !== 'previous') {
      this.retire(previous);
      this.index = new ItemIndex(dim);
    }
    const run: IndexRun = {
      target: this.index!,
      store: this.store,
      models: m,
      options: this.options,
      maxNewTokens: this.maxNewTokens,
      cacheKey,
      batch: opts.batch ?? BATCH,
      saveMs: opts.partialSaveMs ?? PARTIAL_SAVE_MS,
      stopped: () => this.cancelled || gen !== this.generation,
      task: 'index',
      onProgress,
    };
    let partial = false;
    let resumedItems = 0;
    if (cached) {
      this.index!.load(cached);
      this.serving = { key: standIn ? cached.key : cacheKey, complete: true };
      if (!standIn)
        onProgress?.({
          task: 'index',
          done: builtin.length,
          total: builtin.length,
          message: fromShipped
            ? 'Built-in collection loaded from the index shipped with the models'
            : 'Built-in collection loaded from this browser’s cache',
        });
    } else if (!standIn) {
      const done = await indexBuiltin(run, builtin);
      partial = !done.complete;
      resumedItems = done.resumed;
      this.serving = { key: cacheKey, complete: done.complete };
      if (!partial && this.store) await saveComplete(this.store, this.collectionRecord(cacheKey));
    }
    if (standIn !== 'previous') await this.restoreUserItems(m, this.index!, onProgress);
    if (standIn) {
      const next = { ...run, target: new ItemIndex(dim), task: 'reindex' as const };
      this.reindexing = { promise: this.reindexBehind(gen, next, builtin), standIn };
    }
    // What an earlier fine-tuned Reasoner derived is never read again (a new run or import makes a new one):
    // free it, keeping the built-in models' data (so going back is instant) and the fine-tuned one in use.
    await this.store?.pruneDerived((key) => staleFinetunedKey(key, m.reasonerKey)).catch(() => 0);
    return {
      collection: this.options,
      builtinCount: builtin.length,
      fromCache: !!cached && !fromShipped && !standIn,
      fromShipped,
      ...(shippedNote ? { shippedNote } : {}),
      partial,
      ...(resumedItems ? { resumedItems } : {}),
      ...(standIn ? { reindexing: { standIn, total: builtin.length } } : {}),
      userItems: this.userItems(),
      size: this.index!.size,
      ms: performance.now() - t0,
      modelKey: modelKey(m),
    };
  }

  /**
   * Index the collection with these models into `run.target` while the index in use serves, restore the user's items
   * into it and put it in use (task 'reindexed'). Stops (keeping its partial record) on cancel or another open, or
   * fails, leaving the old index in use (task 'reindex-stopped').
   */
  private async reindexBehind(gen: number, run: IndexRun, builtin: Entry[]): Promise<void> {
    const total = builtin.length;
    const stopped = (message: string) => run.onProgress?.({ task: 'reindex-stopped', done: 0, total, message });
    try {
      const done = await indexBuiltin(run, builtin);
      if (!done.complete || gen !== this.generation) {
        run.target.dispose();
        if (gen !== this.generation) return;
        this.reindexing = null;
        return stopped('Re-indexing stopped; the earlier index still serves (what was done is kept)');
      }
      await this.restoreUserItems(run.models, run.target);
      // Files added while it ran join it (without a store they cannot be read again), and files removed stay removed.
      for (const e of [...this.entries.values()].filter((x) => x.source === 'user' && !run.target.has(x.id)))
        if (this.store) run.target.put([e.id], [await this.userRow(run.models, e.id)]);
        else this.entries.delete(e.id);
      run.target.remove(run.target.ids().filter((id) => !this.entries.has(id)));
      if (gen !== this.generation) return run.target.dispose();
      this.retire(this.index);
      this.index = run.target;
      this.serving = { key: run.cacheKey, complete: true };
      this.reindexing = null;
      if (this.store) await saveComplete(this.store, this.collectionRecord(run.cacheKey));
      const message = 'Re-indexed: every item’s T-CoT and embeddings now come from the Reasoner in use';
      run.onProgress?.({ task: 'reindexed', done: total, total, message });
    } catch (err) {
      run.target.dispose();
      if (gen !== this.generation) return; // superseded: the next open reports its own
      this.reindexing = null;
      stopped(`Re-indexing failed (${errorMessage(err)}); the earlier index still serves`);
    }
  }

  /** Free an index no longer in use — after the searches still reading it. */
  private retire(index: ItemIndex | null): void {
    if (!index) return;
    if (this.searching > 0) this.retired.push(index);
    else index.dispose();
  }

  /** Whether a re-index runs behind the index in use, and which index serves meanwhile. */
  reindexState(): { standIn: 'previous' | 'shipped' } | null {
    return this.reindexing && { standIn: this.reindexing.standIn };
  }

  /** The built-in collection as indexed now (every item reasoned about and embedded), for the cache or shipping. */
  collectionRecord(key = collectionKey(this.options, this.maxNewTokens, this.models())): CollectionRecord {
    if (this.serving?.key !== key) throw new Error('the index in use was made by other models or settings');
    return this.index!.record(
      key,
      [...this.entries.values()].filter((e) => e.source === 'builtin').map((e) => e.id),
    );
  }

  /**
   * Built-in items reasoned about and embedded again with the models, as indexing would (the index is not
   * touched): how a shipped or cached index is checked against a live one.
   */
  async recompute(
    ids: string[],
  ): Promise<{ id: string; tcot: Int32Array; withTcot: Float32Array; withoutTcot: Float32Array }[]> {
    const entries = ids.map((id) => {
      const e = this.entries.get(id);
      if (!e?.world) throw new Error(`${id} is not a built-in item`);
      return e;
    });
    const rows = await deriveBuiltin(this.models(), this.options, this.maxNewTokens, entries);
    return ids.map((id, i) => ({ id, ...rows[i]! }));
  }

  /** What the index holds for an item: its T-CoT and two embeddings. */
  stored(id: string): { tcot: Int32Array; withTcot: Float32Array; withoutTcot: Float32Array } | undefined {
    return this.index?.get(id);
  }

  private async restoreUserItems(m: LibraryModels, target: ItemIndex, onProgress?: ProgressCallback) {
    if (!this.store) return;
    const records = await this.store.items();
    let done = 0;
    for (const rec of records) {
      this.entries.set(rec.id, userEntry(rec));
      target.put([rec.id], [await this.userRow(m, rec.id)]);
      onProgress?.({
        task: 'restore',
        done: ++done,
        total: records.length,
        message: `Restoring your items: ${done} / ${records.length}`,
      });
    }
  }

  /** A stored item's index row under these models (store.ts keeps what they derived). */
  private userRow(m: LibraryModels, id: string) {
    return restoredRow(this.store!, m, id, this.maxNewTokens, () => this.userVisual(id));
  }

  private userItems(): LibraryItem[] {
    return [...this.entries.values()].filter((e) => e.source === 'user').map(publicItem);
  }

  items(): LibraryItem[] {
    return [...this.entries.values()].map(publicItem);
  }

  private async userVisual(id: string): Promise<VisualInput> {
    const media = await this.store?.media(id);
    if (!media) throw new Error(`no stored media for ${id}`);
    return storedVisual(media, this.entries.get(id)?.kind === 'clip' ? 'clip' : 'image');
  }

  /** The full-resolution pixels of an item (undefined for none), as the models read them: fine-tuning's pairs. */
  inputOf(id: string): Promise<VisualInput | undefined> {
    return this.visualOf(id);
  }

  private async visualOf(id: string): Promise<VisualInput | undefined> {
    const e = this.entries.get(id);
    if (!e) throw new Error(`no item "${id}" in the library`);
    return e.world ? worldVisualOf(e.world) : this.userVisual(id);
  }

  /** Add the user's files: each decoded, reasoned about, embedded and stored on its own; errors stay per file. */
  async add(inputs: MediaInput[], onProgress?: ProgressCallback): Promise<AddResult[]> {
    const m = this.models();
    if (!this.index) throw new Error('open the library first');
    this.cancelled = false;
    const results: AddResult[] = [];
    const t0 = performance.now();
    for (const [i, input] of inputs.entries()) {
      if (this.cancelled) {
        results.push({
          name: input.name,
          ok: false,
          code: 'cancelled',
          message: `${input.name}: cancelled before it was added`,
        });
        continue;
      }
      try {
        const id = `user-${Date.now().toString(36)}-${(this.idCounter++).toString(36)}`;
        const { rec, indexed } = await addUserFile(this.store, m, input, this.maxNewTokens, id, Date.now() + i / 1000);
        this.entries.set(id, userEntry(rec));
        this.index.put([id], [indexed]); // the index in use now (a background re-index may have replaced it)
        results.push({ name: input.name, ok: true, item: publicItem(this.entries.get(id)!) });
      } catch (err) {
        const e = err instanceof MediaError ? err : new MediaError('corrupt', errorMessage(err), input.name);
        results.push({ name: input.name, ok: false, code: e.code, message: e.message });
      }
      const done = i + 1;
      const rate = done / ((performance.now() - t0) / 1000);
      onProgress?.({ task: 'add', done, total: inputs.length, message: `${input.name} (${rate.toFixed(2)} files/s)` });
      await nextTick();
    }
    return results;
  }

  async remove(id: string): Promise<void> {
    const e = this.entries.get(id);
    if (!e || e.source !== 'user') throw new Error(`"${id}" is not one of your items`);
    await this.store?.remove(id);
    this.entries.delete(id);
    this.index?.remove([id]);
  }

  async clear(): Promise<void> {
    await this.store?.clearItems();
    const ids = this.userItems().map((i) => i.id);
    for (const id of ids) this.entries.delete(id);
    this.index?.remove(ids);
  }

  storage(): Promise<StorageUse> {
    return storageUse();
  }

  async thumbnail(id: string): Promise<ThumbImage | null> {
    const e = this.entries.get(id);
    if (!e) return null;
    if (e.world) return thumbOf(worldVisualOf(e.world)!);
    const t = await this.store?.thumb(id);
    return t ? { width: t.width, height: t.height, rgba: t.rgba } : null;
  }

  /** Every frame of a clip at thumbnail size (the filmstrip), or the image. */
  async frames(id: string): Promise<ThumbImage[]> {
    const visual = await this.visualOf(id);
    return visual ? framesOf(visual) : [];
  }

  /**
   * Rank without the T-CoT first (one cheap embedding; `onPlain` gets it at once), then let the query's T-CoT
   * stream in, embed the query with it and rank again (search.ts).
   */
  async search(
    query: SearchQuery,
    opts: SearchOptions = {},
    onTokens?: TokenCallback,
    onPlain?: PlainCallback,
  ): Promise<SearchResult> {
    if (!this.index) throw new Error('open the library first');
    const context = {
      models: this.models(),
      index: this.index,
      entries: this.entries,
      options: this.options,
      maxNewTokens: this.maxNewTokens,
      visualOf: (id: string) => this.visualOf(id),
    };
    this.searching++;
    try {
      const result = await searchLibrary(context, query, opts, onTokens, onPlain);
      const standIn = this.reindexState()?.standIn;
      return standIn ? { ...result, staleIndex: standIn } : result;
    } finally {
      if (--this.searching === 0) for (const old of this.retired.splice(0)) old.dispose();
    }
  }

  /** The candidate side of an item: its cached T-CoT, the item, and what the Embedder read. */
  async trace(id: string): Promise<Trace> {
    const m = this.models();
    const tokens = this.index?.get(id)?.tcot;
    if (!tokens) throw new Error(`no T-CoT for "${id}"`);
    const visual = await this.visualOf(id);
    return traceOf(m.embedder, id, { visual }, tokens, 'cache');
  }
}
