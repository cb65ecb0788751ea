// Re-indexing behind the index in use (LibraryOptions.background): a Reasoner change keeps search working while the
// collection is reasoned about again, then the new index replaces the old one — nothing lost, nothing leaked.
import { IDBFactory } from 'fake-indexeddb';
import 'fake-indexeddb/auto';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, test } from 'vitest';
import { LibraryStore } from '../../media/store';
import { Reasoner } from '../../models/reasoner';
import { encodeShippedIndex } from '../shipped-index';
import { initTestBackend } from '../../tf/testing';
import type { Progress } from '../types';
import { Library } from '.';
import { libraryModels } from './models';
import { movingSquare, tinyLibrary } from './testutil';

beforeAll(() => initTestBackend());

const opts = { collection: { seed: 7, images: 5, clips: 2, tcot: 'reasoner' as const }, maxNewTokens: 8 };
const URL_ = 'https://example.test/models/collection-index.bin';

/**
 * A store whose reads of a partial record (where indexing starts) wait while `hold()` is in force, until
 * `release()`: the test decides when a background re-index may run, so what it sees meanwhile does not depend on
 * the models' speed.
 */
function gated(factory: IDBFactory) {
  let gate: Promise<void> | null = null;
  let release: () => void = () => {};
  const hold = () => (gate = new Promise<void>((resolve) => (release = resolve)));
  const open = async () => {
    const store = await LibraryStore.open(factory);
    const read = store.collection.bind(store);
    store.collection = async (key) => {
      if (key.endsWith('|partial') && gate) await gate;
      return read(key);
    };
    return store;
  };
  return { open, hold, release: () => release() };
}

async function setup() {
  const factory = new IDBFactory();
  const { slots } = await tinyLibrary(factory);
  const gate = gated(factory);
  const library = new Library(() => libraryModels(slots), gate.open);
  const info = slots.info().reasoner!;
  const config = (slots.get('reasoner') as Reasoner).config;
  /** Put a "fine-tuned" Reasoner (other weights) in the slot, as applying one does. */
  const tune = (seed: number) =>
    slots.put('reasoner', new Reasoner({ ...config, seed }), {
      ...info,
      source: 'finetuned',
      sha256: String(seed).repeat(64),
    });
  return { factory, slots, library, tune, gate };
}

/** Progress of the background task, and a promise of its last report. */
function watcher() {
  const seen: Progress[] = [];
  let finish: (p: Progress) => void = () => {};
  const finished = new Promise<Progress>((resolve) => (finish = resolve));
  const onProgress = (p: Progress) => {
    if (!p.task.startsWith('reindex')) return;
    seen.push(p);
    if (p.task !== 'reindex') finish(p);
  };
  return { seen, finished, onProgress };
}

describe('Library: re-indexing in the background', () => {
  test('a new Reasoner: the index in use serves at once, the new one replaces it when complete', async () => {
    const { factory, slots, library, tune, gate } = await setup();
    await library.open(opts);
    expect((await library.add([{ kind: 'clip', name: 'square.webm', fileBytes: 1, ...movingSquare() }]))[0]!.ok).toBe(
      true,
    );
    const before = library.stored('image-1')!.tcot;
    await library.search({ kind: 'text', text: 'a small red star' }, { k: 8 }); // the index's search tensors exist
    const tensors = tf.memory().numTensors;

    tune(5);
    gate.hold();
    const w = watcher();
    const summary = await library.open({ ...opts, background: true, batch: 2 }, w.onProgress);
    expect(summary).toMatchObject({ reindexing: { standIn: 'previous', total: 7 }, size: 8, partial: false });
    expect(library.reindexState()).toEqual({ standIn: 'previous' });
    // Searchable meanwhile, and the result says whose T-CoTs the items carry.
    const during = await library.search({ kind: 'text', text: 'a small red star' }, { k: 8 });
    expect(during.staleIndex).toBe('previous');
    expect(during.withTcot).toHaveLength(8);
    // A file added meanwhile, and the first one removed: the new index follows both.
    const [added] = await library.add([{ kind: 'clip', name: 'later.webm', fileBytes: 1, ...movingSquare() }]);
    expect(added!.ok).toBe(true);
    const laterId = added!.ok ? added!.item.id : '';
    const firstId = summary.userItems[0]!.id;
    await library.remove(firstId);
    gate.release();

    const last = await w.finished;
    expect(last).toMatchObject({ task: 'reindexed', done: 7, total: 7 });
    expect(w.seen.map((p) => p.done)).toEqual([2, 4, 6, 7, 7]);
    expect(library.reindexState()).toBeNull();
    // The items now carry the new Reasoner's T-CoTs — exactly what a live derivation gives.
    const [live] = await library.recompute(['image-1']);
    expect([...library.stored('image-1')!.tcot]).toEqual([...live!.tcot]);
    expect([...library.stored('image-1')!.tcot]).not.toEqual([...before]);
    const after = await library.search({ kind: 'text', text: 'a small red star' }, { k: 9 });
    expect(after.staleIndex).toBeUndefined();
    const builtinIds = library
      .items()
      .filter((i) => i.source === 'builtin')
      .map((i) => i.id);
    expect(after.withTcot.map((h) => h.id).sort()).toEqual([...builtinIds, laterId].sort());
    expect(
      library
        .items()
        .filter((i) => i.source === 'user')
        .map((i) => i.id),
    ).toEqual([laterId]);
    expect(tf.memory().numTensors).toBe(tensors); // the old index freed
    // Cached for the next visit.
    const again = new Library(
      () => libraryModels(slots),
      () => LibraryStore.open(factory),
    );
    expect(await again.open({ ...opts, background: true })).toMatchObject({ fromCache: true, size: 8 });
    expect(again.reindexState()).toBeNull();
  });

  test('on a first visit with a fine-tuned Reasoner, the shipped index of the built-in one serves meanwhile', async () => {
    const { slots, library, tune } = await setup();
    await library.open(opts);
    const bytes = encodeShippedIndex(library.collectionRecord());
    tune(6);
    const fresh = new Library(
      () => libraryModels(slots),
      () => LibraryStore.open(new IDBFactory()),
      async () => bytes.slice().buffer,
    );
    // Without `background` it refuses the other Reasoner's index and indexes first.
    const strict = await fresh.open({ ...opts, shippedIndexUrl: URL_ });
    expect(strict).toMatchObject({ fromShipped: false, size: 7 });
    expect(strict.shippedNote).toMatch(/other models/);

    const w = watcher();
    const g = gated(new IDBFactory());
    g.hold();
    const visit = new Library(
      () => libraryModels(slots),
      g.open,
      async () => bytes.slice().buffer,
    );
    const summary = await visit.open({ ...opts, shippedIndexUrl: URL_, background: true }, w.onProgress);
    expect(summary).toMatchObject({ reindexing: { standIn: 'shipped', total: 7 }, fromShipped: false, size: 7 });
    expect((await visit.search({ kind: 'item', id: 'image-0' }, { k: 3 })).staleIndex).toBe('shipped');
    g.release();
    expect(await w.finished).toMatchObject({ task: 'reindexed' });
    expect((await visit.search({ kind: 'item', id: 'image-0' }, { k: 3 })).staleIndex).toBeUndefined();
  });

  test('another open stops a background re-index at its next batch, and cancel stops it with a message', async () => {
    const { library, tune } = await setup();
    await library.open(opts);
    tune(7);
    const w = watcher();
    await library.open({ ...opts, background: true, batch: 1 }, (p) => {
      w.onProgress(p);
      if (p.task === 'reindex' && p.done === 2) library.cancel();
    });
    expect(await w.finished).toMatchObject({
      done: 0,
      message: expect.stringMatching(/stopped; the earlier index still serves/),
    });
    expect(library.reindexState()).toBeNull();
    // The index in use is the earlier one, still whole and searchable.
    expect((await library.search({ kind: 'item', id: 'clip-0' }, { k: 7 })).withTcot).toHaveLength(7);
    // A later open resumes from what the stopped run kept.
    const w2 = watcher();
    const s2 = await library.open({ ...opts, background: true, batch: 1 }, w2.onProgress);
    expect(s2.reindexing).toBeDefined();
    expect(await w2.finished).toMatchObject({ task: 'reindexed' });
    expect(w2.seen[0]!.message).toMatch(/^Resuming indexing: 2 of 7/);
  });
});
