// The engine's library: the built-in collection and the user's own media, each item with its candidate-side
// T-CoT and two embeddings (with and without T-CoT), searchable by brute-force cosine top-k on the active
// backend. Persistence is src/media/store.ts (IndexedDB); the built-in collection is cached there per
// (collection settings, model hashes), so a second start does no model work.
import { MediaError, errorMessage } from '../../media/errors';
import { LibraryStore, storageUse, type CollectionRecord, type StorageUse } from '../../media/store';
import type { VisualInput } from '../../models/preprocess';
import { nextTick } from '../tick';
import type { ProgressCallback } from '../types';
import { BATCH, builtinEntries, collectionKey, deriveBuiltin, modelKey, shippedRecord } from './derive';
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

export type { LibraryModels } from './models';
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
/** The record that holds a collection's indexing so far (complete records live under the key itself). */
const partialKey = (cacheKey: string) => `${cacheKey}|partial`;

export class Library {
  private store: LibraryStore | null = null;
  private entries = new Map<string, Entry>();
  /** Every indexed item's T-CoT and two embeddings (item-index.ts); null until the first open. */
  private index: ItemIndex | null = null;
  private options: CollectionOptions = DEFAULT_COLLECTION;
  private cancelled = false;
  private maxNewTokens = 80;
  private idCounter = 0;

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

  /** Index the built-in collection (from the cache when it can) and restore the user's items. */
  async open(opts: LibraryOptions = {}, onProgress?: ProgressCallback): Promise<LibrarySummary> {
    const t0 = performance.now();
    const m = this.models();
    this.options = { ...DEFAULT_COLLECTION, ...opts.collection };
    this.maxNewTokens = opts.maxNewTokens ?? 80;
    this.cancelled = false;
    this.store ??= await this.openStore();
    this.index?.dispose();
    this.index = new ItemIndex(m.embedder.config.outDim);
    this.entries.clear();

    const builtin = builtinEntries(this.options);
    for (const e of builtin) this.entries.set(e.id, e);

    const cacheKey = collectionKey(this.options, this.maxNewTokens, m);
    let cached = await this.store?.collection(cacheKey).catch(() => undefined);
    let fromCache = false;
    let fromShipped = false;
    let shippedNote: string | undefined;
    let partial = false;
    let resumedItems = 0;
    if (!(cached && cached.ids.length === builtin.length) && opts.shippedIndexUrl) {
      const shipped = await shippedRecord(
        () => this.fetchShipped(opts.shippedIndexUrl!),
        cacheKey,
        builtin,
        m.embedder.config.outDim,
      );
      if ('note' in shipped) shippedNote = shipped.note;
      else {
        cached = shipped.record;
        fromShipped = true;
        // Kept in this browser too, so later visits need neither the network nor the file.
        await this.store?.putCollection(shipped.record).catch(() => undefined);
      }
    }
    if (cached && cached.ids.length === builtin.length) {
      this.index!.load(cached);
      fromCache = !fromShipped;
      onProgress?.({
        task: 'index',
        done: builtin.length,
        total: builtin.length,
        message: fromShipped
          ? 'Built-in collection loaded from the index shipped with the models'
          : 'Built-in collection loaded from this browser’s cache',
      });
    } else {
      const run = await this.indexBuiltin(
        builtin,
        m,
        cacheKey,
        opts.batch ?? BATCH,
        opts.partialSaveMs ?? PARTIAL_SAVE_MS,
        onProgress,
      );
      partial = !run.complete;
      resumedItems = run.resumed;
      if (!partial && this.store) {
        // A full quota only loses the cache (the next start indexes again), never the session.
        await this.store.putCollection(this.collectionRecord(cacheKey)).catch(() => undefined);
        await this.store.deleteCollection(partialKey(cacheKey)).catch(() => undefined);
      }
    }
    await this.restoreUserItems(m, onProgress);
    // What an earlier fine-tuned Reasoner derived is never read again (a new run or import makes a new one):
    // free it, keeping the built-in models' data (so going back is instant) and the fine-tuned one in use.
    await this.store?.pruneDerived((key) => staleFinetunedKey(key, m.reasonerKey)).catch(() => 0);
    return {
      collection: this.options,
      builtinCount: builtin.length,
      fromCache,
      fromShipped,
      ...(shippedNote ? { shippedNote } : {}),
      partial,
      ...(resumedItems ? { resumedItems } : {}),
      userItems: this.userItems(),
      size: this.index.size,
      ms: performance.now() - t0,
      modelKey: modelKey(m),
    };
  }

  /** The built-in collection as indexed now (every item reasoned about and embedded), for the cache or shipping. */
  collectionRecord(key = collectionKey(this.options, this.maxNewTokens, this.models())): CollectionRecord {
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

  /**
   * Reason about and embed the built-in items in batches. What is done is saved every few seconds under the
   * cache key's partial record, so a closed tab (or a cancel) keeps it: the next open loads those items and
   * indexes only the rest. Returns whether every item is indexed, and how many came from a partial record.
   */
  private async indexBuiltin(
    builtin: Entry[],
    m: LibraryModels,
    cacheKey: string,
    batchSize: number,
    saveMs: number,
    onProgress?: ProgressCallback,
  ): Promise<{ complete: boolean; resumed: number }> {
    const t0 = performance.now();
    const dim = m.embedder.config.outDim;
    const kept = await this.store?.collection(partialKey(cacheKey)).catch(() => undefined);
    const known = new Set(builtin.map((e) => e.id));
    let resumed = 0;
    if (kept && kept.dim === dim && kept.ids.every((id) => known.has(id))) {
      this.index!.load(kept);
      resumed = kept.ids.length;
    }
    const todo = builtin.filter((e) => !this.index!.has(e.id));
    const resumedNote = resumed ? `; ${resumed} kept from an earlier visit` : '';
    if (resumed)
      onProgress?.({
        task: 'index',
        done: resumed,
        total: builtin.length,
        message: `Resuming indexing: ${resumed} of ${builtin.length} items were indexed on an earlier visit and are kept; indexing the other ${todo.length}`,
      });
    let savedAt = performance.now();
    const savePartial = async () => {
      const ids = builtin.filter((e) => this.index!.has(e.id)).map((e) => e.id);
      if (ids.length > resumed)
        await this.store?.putCollection(this.index!.record(partialKey(cacheKey), ids)).catch(() => undefined);
      savedAt = performance.now();
    };
    for (let start = 0; start < todo.length; start += batchSize) {
      if (this.cancelled) {
        await savePartial();
        return { complete: false, resumed };
      }
      const batch = todo.slice(start, start + batchSize);
      this.index!.put(
        batch.map((e) => e.id),
        await deriveBuiltin(m, this.options, this.maxNewTokens, batch),
      );
      const fresh = Math.min(todo.length, start + batchSize);
      const done = resumed + fresh;
      const rate = fresh / ((performance.now() - t0) / 1000);
      onProgress?.({
        task: 'index',
        done,
        total: builtin.length,
        message: `Indexing the built-in collection: ${done} / ${builtin.length} (${rate.toFixed(1)} items/s${resumedNote})`,
      });
      if (fresh < todo.length && performance.now() - savedAt >= saveMs) await savePartial();
      await nextTick(); // let a cancel() call in
    }
    return { complete: true, resumed };
  }

  private async restoreUserItems(m: LibraryModels, onProgress?: ProgressCallback) {
    if (!this.store) return;
    const records = await this.store.items();
    let done = 0;
    for (const rec of records) {
      this.entries.set(rec.id, userEntry(rec));
      const row = await restoredRow(this.store, m, rec.id, this.maxNewTokens, () => this.userVisual(rec.id));
      this.index!.put([rec.id], [row]);
      onProgress?.({
        task: 'restore',
        done: ++done,
        total: records.length,
        message: `Restoring your items: ${done} / ${records.length}`,
      });
    }
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
    const index = this.index;
    if (!index) throw new Error('open the library first');
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
        index.put([id], [indexed]);
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
    return searchLibrary(context, query, opts, onTokens, onPlain);
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
