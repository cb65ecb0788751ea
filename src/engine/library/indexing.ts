// Indexing the built-in collection: batch by batch into an ItemIndex, saving what is done every few seconds under
// the cache key's partial record (a closed tab or a cancel keeps it). The same loop indexes in the foreground
// (nothing else serves) and in the background (another Reasoner's index serves meanwhile; index.ts).
import type { CollectionRecord, LibraryStore } from '../../media/store';
import { nextTick } from '../tick';
import type { ProgressCallback } from '../types';
import { deriveBuiltin, sameEmbedderSpace, shippedRecord } from './derive';
import type { ItemIndex } from './item-index';
import type { Entry } from './media';
import type { LibraryModels } from './models';
import type { CollectionOptions, LibraryOptions } from './types';

/** The record that holds a collection's indexing so far (complete records live under the key itself). */
export const partialKey = (cacheKey: string) => `${cacheKey}|partial`;

/** Whether the index in use (made under `serving.key`) may serve while the collection is indexed for `cacheKey`. */
export function mayStandIn(
  index: ItemIndex | null,
  serving: { key: string; complete: boolean } | null,
  cacheKey: string,
  builtin: Entry[],
  dim: number,
): boolean {
  if (!index || !serving?.complete || index.dim !== dim || serving.key === cacheKey) return false;
  return sameEmbedderSpace(serving.key, cacheKey) && builtin.every((e) => index.has(e.id));
}

/** What an open found for its models: their complete index (cached or shipped), or another Reasoner's to serve. */
export interface Found {
  cached?: CollectionRecord;
  fromShipped: boolean;
  /** Another Reasoner's index serves while this one indexes: the one in use ('previous', not in `cached`) or the shipped one. */
  standIn: 'previous' | 'shipped' | null;
  shippedNote?: string;
}

/**
 * Find the index for `cacheKey`: this browser's cache, else (with `opts.background`) the index in use when
 * `keepPrevious` says it may stand in, else the shipped index — made by these models, or standing in.
 */
export async function findIndex(
  store: LibraryStore | null,
  cacheKey: string,
  builtin: Entry[],
  dim: number,
  keepPrevious: boolean,
  opts: LibraryOptions,
  fetchShipped: (url: string) => Promise<ArrayBuffer>,
): Promise<Found> {
  const cached = await store?.collection(cacheKey).catch(() => undefined);
  if (cached && cached.ids.length === builtin.length) return { cached, fromShipped: false, standIn: null };
  if (keepPrevious) return { fromShipped: false, standIn: 'previous' };
  if (!opts.shippedIndexUrl) return { fromShipped: false, standIn: null };
  const url = opts.shippedIndexUrl;
  const shipped = await shippedRecord(() => fetchShipped(url), cacheKey, builtin, dim, !!opts.background);
  if ('note' in shipped) return { fromShipped: false, standIn: null, shippedNote: shipped.note };
  if (shipped.standIn) return { cached: shipped.record, fromShipped: false, standIn: 'shipped' };
  // Kept in this browser too, so later visits need neither the network nor the file.
  await store?.putCollection(shipped.record).catch(() => undefined);
  return { cached: shipped.record, fromShipped: true, standIn: null };
}

/** Cache a complete collection record and drop its partial one (a full quota only loses the cache, never the session). */
export async function saveComplete(store: LibraryStore, record: CollectionRecord): Promise<void> {
  await store.putCollection(record).catch(() => undefined);
  await store.deleteCollection(partialKey(record.key)).catch(() => undefined);
}

export interface IndexRun {
  target: ItemIndex;
  store: LibraryStore | null;
  models: LibraryModels;
  options: CollectionOptions;
  maxNewTokens: number;
  cacheKey: string;
  batch: number;
  saveMs: number;
  /** Asked before each batch: stop (saving what is done) when true. */
  stopped: () => boolean;
  /** Progress task name: 'index' when nothing else serves, 'reindex' in the background. */
  task: 'index' | 'reindex';
  onProgress?: ProgressCallback;
}

const label = (task: IndexRun['task']) =>
  task === 'index' ? 'Indexing the built-in collection' : 'Re-indexing the built-in collection in the background';

/**
 * Reason about and embed the built-in items in batches into `run.target`. Items of the partial record of an
 * earlier visit are loaded, not indexed again. Returns whether every item is indexed and how many were kept.
 */
export async function indexBuiltin(run: IndexRun, builtin: Entry[]): Promise<{ complete: boolean; resumed: number }> {
  const { target, store, cacheKey, onProgress, task } = run;
  const t0 = performance.now();
  const kept = await store?.collection(partialKey(cacheKey)).catch(() => undefined);
  const known = new Set(builtin.map((e) => e.id));
  let resumed = 0;
  if (kept && kept.dim === target.dim && kept.ids.every((id) => known.has(id))) {
    target.load(kept);
    resumed = kept.ids.length;
  }
  const todo = builtin.filter((e) => !target.has(e.id));
  const resumedNote = resumed ? `; ${resumed} kept from an earlier visit` : '';
  if (resumed)
    onProgress?.({
      task,
      done: resumed,
      total: builtin.length,
      message: `Resuming indexing: ${resumed} of ${builtin.length} items were indexed on an earlier visit and are kept; indexing the other ${todo.length}`,
    });
  let savedAt = performance.now();
  const savePartial = async () => {
    const ids = builtin.filter((e) => target.has(e.id)).map((e) => e.id);
    if (ids.length > resumed)
      await store?.putCollection(target.record(partialKey(cacheKey), ids)).catch(() => undefined);
    savedAt = performance.now();
  };
  for (let start = 0; start < todo.length; start += run.batch) {
    if (run.stopped()) {
      await savePartial();
      return { complete: false, resumed };
    }
    const batch = todo.slice(start, start + run.batch);
    const rows = await deriveBuiltin(run.models, run.options, run.maxNewTokens, batch);
    target.put(
      batch.map((e) => e.id),
      rows,
    );
    const fresh = Math.min(todo.length, start + run.batch);
    const done = resumed + fresh;
    const rate = fresh / ((performance.now() - t0) / 1000);
    onProgress?.({
      task,
      done,
      total: builtin.length,
      message: `${label(task)}: ${done} / ${builtin.length} (${rate.toFixed(1)} items/s${resumedNote})`,
    });
    if (fresh < todo.length && performance.now() - savedAt >= run.saveMs) await savePartial();
    await nextTick(); // let a cancel() call, or a search, in
  }
  return { complete: true, resumed };
}
