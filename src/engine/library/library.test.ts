import { IDBFactory, IDBObjectStore } from 'fake-indexeddb';
import 'fake-indexeddb/auto';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, test, vi } from 'vitest';
import { DB_NAME, LibraryStore } from '../../media/store';
import { Reasoner } from '../../models/reasoner';
import { VOCAB } from '../../tcot/default';
import { encodeWords } from '../../tcot/encode';
import { parseTokens } from '../../tcot/parse';
import { Library } from '.';
import { libraryModels, staleFinetunedKey } from './models';
import { movingSquare, tinyLibrary } from './testutil';
import { initTestBackend } from '../../tf/testing';

beforeAll(() => initTestBackend());

async function setup(factory = new IDBFactory()) {
  const { slots, library } = await tinyLibrary(factory);
  return { library, factory, slots };
}

const small = { collection: { seed: 7, images: 5, clips: 2, tcot: 'teacher' as const } };

async function allKeys(factory: IDBFactory, store: string): Promise<string[]> {
  const db = await new Promise<IDBDatabase>(
    (resolve) => (factory.open(DB_NAME).onsuccess = (e) => resolve((e.target as IDBOpenDBRequest).result)),
  );
  const keys = await new Promise<string[]>(
    (resolve) =>
      (db.transaction(store).objectStore(store).getAllKeys().onsuccess = (e) =>
        resolve((e.target as IDBRequest<string[]>).result)),
  );
  db.close();
  return keys;
}

describe('Library', () => {
  test('indexes the built-in collection in batches with progress, then loads it from the cache', async () => {
    const { library, factory, slots } = await setup();
    const progress: number[] = [];
    const first = await library.open({ ...small, batch: 3 }, (p) => p.task === 'index' && progress.push(p.done));
    expect(first).toMatchObject({ builtinCount: 7, size: 7, fromCache: false, partial: false });
    expect(progress.at(-1)).toBe(7);
    expect(progress.length).toBeGreaterThan(1); // batched, not one step

    const again = new Library(
      () => libraryModels(slots),
      () => LibraryStore.open(factory),
    );
    const second = await again.open(small);
    expect(second).toMatchObject({ size: 7, fromCache: true });
    // The cached index ranks exactly as the computed one.
    const a = await library.search({ kind: 'item', id: 'image-2' }, { k: 7 });
    const b = await again.search({ kind: 'item', id: 'image-2' }, { k: 7 });
    expect(b.withTcot.map((h) => h.id)).toEqual(a.withTcot.map((h) => h.id));
  });

  test('cancel stops indexing after the current batch: searchable, not cached; the next open keeps what was done', async () => {
    const { library, factory, slots } = await setup();
    const summary = await library.open(
      { ...small, batch: 2 },
      (p) => p.task === 'index' && p.done >= 2 && library.cancel(),
    );
    expect(summary).toMatchObject({ partial: true, size: 2, builtinCount: 7 });
    expect((await library.search({ kind: 'item', id: 'image-0' }, { k: 5 })).withTcot).toHaveLength(2);
    const again = new Library(
      () => libraryModels(slots),
      () => LibraryStore.open(factory),
    );
    const messages: string[] = [];
    expect(await again.open(small, (p) => messages.push(p.message ?? ''))).toMatchObject({
      fromCache: false,
      partial: false,
      size: 7,
      resumedItems: 2,
    });
    expect(messages[0]).toBe(
      'Resuming indexing: 2 of 7 items were indexed on an earlier visit and are kept; indexing the other 5',
    );
    // Complete now: cached whole, and the partial record is gone.
    expect(
      await new Library(
        () => libraryModels(slots),
        () => LibraryStore.open(factory),
      ).open(small),
    ).toMatchObject({ fromCache: true, size: 7 });
    expect((await allKeys(factory, 'collections')).filter((k) => k.endsWith('|partial'))).toEqual([]);
  });

  test('a tab closed mid-index keeps the batches saved before it closed; the next open indexes only the rest and ranks as a fresh index', async () => {
    const { library, factory, slots } = await setup();
    const fresh = await library.open({ ...small, batch: 2 });
    const reference = await library.search({ kind: 'item', id: 'image-2' }, { k: 7 });
    await (await LibraryStore.open(factory)).clearCollections();
    // The "tab": indexing saves after every batch; it dies after the second (its writes stop reaching storage).
    let dead = false;
    const doomed = new Library(
      () => libraryModels(slots),
      async () => {
        const store = await LibraryStore.open(factory);
        const put = store.putCollection.bind(store);
        const del = store.deleteCollection.bind(store);
        store.putCollection = (r) => (dead ? Promise.resolve() : put(r));
        store.deleteCollection = (k) => (dead ? Promise.resolve() : del(k));
        return store;
      },
    );
    await doomed.open(
      { ...small, batch: 2, partialSaveMs: 0 },
      (p) => p.task === 'index' && p.done >= 4 && (dead = true),
    );
    const reopened = new Library(
      () => libraryModels(slots),
      () => LibraryStore.open(factory),
    );
    const indexed: number[] = [];
    const summary = await reopened.open({ ...small, batch: 2 }, (p) => p.task === 'index' && indexed.push(p.done));
    expect(fresh.size).toBe(7);
    expect(summary).toMatchObject({ size: 7, partial: false, resumedItems: 2 });
    expect(indexed).toEqual([2, 4, 6, 7]); // kept 2, then three batches for the other 5
    const again = await reopened.search({ kind: 'item', id: 'image-2' }, { k: 7 });
    expect(again.withTcot.map((h) => h.id)).toEqual(reference.withTcot.map((h) => h.id));
    expect(again.withoutTcot.map((h) => h.id)).toEqual(reference.withoutTcot.map((h) => h.id));
  });

  test('results follow the instruction (a video instruction ranks clips only), and an explicit filter overrides it', async () => {
    const { library } = await setup();
    await library.open(small);
    const kinds = (r: { withTcot: { item: { kind: string } }[]; withoutTcot: { item: { kind: string } }[] }) => [
      ...new Set([...r.withTcot, ...r.withoutTcot].map((h) => h.item.kind)),
    ];
    const text = { kind: 'text' as const, text: 'a red circle' };
    const video = await library.search(text, { k: 7, instruction: 'find a video that matches the caption' });
    expect(kinds(video)).toEqual(['clip']);
    expect(video.withTcot).toHaveLength(2); // every clip, fewer than k
    expect(kinds(await library.search(text, { k: 7, instruction: 'find an image that matches the caption' }))).toEqual([
      'image',
    ]);
    expect(kinds(await library.search(text, { k: 7, instruction: 'classify the image' })).sort()).toEqual([
      'clip',
      'image',
    ]); // ranks labels: no media kind
    expect(
      kinds(
        await library.search(text, { k: 7, instruction: 'find a video that matches the caption', filter: 'image' }),
      ),
    ).toEqual(['image']);
    expect(
      (await library.search(text, { k: 7, instruction: 'find a video that matches the caption', filter: 'all' }))
        .withTcot,
    ).toHaveLength(7);
    expect((await library.search(text, { k: 7, filter: 'user' })).withTcot).toEqual([]); // no files added
  });

  test('"find similar" ranks the item itself first (score ≈ 1), with and without T-CoT', async () => {
    const { library } = await setup();
    await library.open(small);
    const r = await library.search({ kind: 'item', id: 'clip-1' }, { k: 3 });
    expect(r.withTcot[0]).toMatchObject({ id: 'clip-1' });
    expect(r.withTcot[0]!.score).toBeCloseTo(1, 4);
    expect(r.withoutTcot[0]!.id).toBe('clip-1');
    expect(r.withTcot).toHaveLength(3);
    expect(r.query.modality).toBe('clip');
  });

  test('a teacher trace of a built-in image has parsable boxes and the crops the Embedder read', async () => {
    const { library } = await setup();
    await library.open(small);
    const t = await library.trace('image-0');
    const parsed = parseTokens(VOCAB, t.tokens, { expectedKey: 'bbox_2d' });
    expect(parsed.evidence?.key).toBe('bbox_2d');
    expect(t.embedderSaw.evidence.length).toBeGreaterThan(0);
    expect(t.embedderSaw.global).toHaveLength(1);
    expect(t.frames[0]!.rgba.length).toBe(t.frames[0]!.width * t.frames[0]!.height * 4);
  });

  test('a text query streams its T-CoT from the Reasoner in batches', async () => {
    const { library } = await setup();
    await library.open({ collection: { ...small.collection, tcot: 'reasoner' } });
    const streamed: number[] = [];
    const events: string[] = [];
    let plainIds: string[] = [];
    const r = await library.search(
      { kind: 'text', text: 'a red circle' },
      { instruction: 'find an image that matches the caption', filter: 'all' },
      (t) => {
        events.push('tokens');
        streamed.push(...t);
      },
      (hits) => {
        events.push('plain');
        plainIds = hits.map((h) => h.id);
      },
    );
    // The ranking without T-CoT comes first, before any token, and is the one returned.
    expect(events[0]).toBe('plain');
    expect(plainIds).toEqual(r.withoutTcot.map((h) => h.id));
    expect(streamed.length).toBeGreaterThan(0);
    expect(r.query.tokens.slice(0, streamed.length)).toEqual(streamed.slice(0, r.query.tokens.length));
    expect(r.withTcot.length).toBe(7);
  });

  test('items are reasoned about under their caption-retrieval instruction (the Reasoner was trained with one)', async () => {
    const { library, slots } = await setup();
    const reasoner = slots.get('reasoner') as Reasoner;
    const generate = vi.spyOn(reasoner, 'generate');
    await library.open({ collection: { ...small.collection, tcot: 'reasoner' } });
    const prompts = generate.mock.calls.flatMap(([inputs]) =>
      inputs.map((inp) => `${inp.visual!.kind}: ${Array.from(inp.promptIds).join(' ')}`),
    );
    const ids = (text: string) => encodeWords(VOCAB, text).ids.join(' ');
    expect(new Set(prompts)).toEqual(
      new Set([
        `image: ${ids('find an image that matches the caption')}`,
        `clip: ${ids('find a video that matches the caption')}`,
      ]),
    );
    expect(prompts).toHaveLength(7);
    generate.mockRestore();
  });

  test('what an earlier fine-tuned Reasoner derived is freed once another is in use; the built-in models’ data stays', async () => {
    const { library, factory, slots } = await setup();
    await library.open(small);
    await library.add([{ kind: 'clip', name: 'square.webm', fileBytes: 1, ...movingSquare() }]);
    const info = slots.info().reasoner!;
    const config = (slots.get('reasoner') as Reasoner).config;
    const builtinKey = libraryModels(slots).reasonerKey;
    const asTuned = (seed: number) =>
      slots.put('reasoner', new Reasoner({ ...config, seed }), {
        ...info,
        source: 'finetuned',
        sha256: String(seed).repeat(64),
      });
    const keys = async () => {
      const db = await new Promise<IDBDatabase>(
        (resolve) => (factory.open(DB_NAME).onsuccess = (e) => resolve((e.target as IDBOpenDBRequest).result)),
      );
      const all = await Promise.all(
        ['embeddings', 'tcots', 'collections'].map(
          (name) =>
            new Promise<string[]>(
              (resolve) =>
                (db.transaction(name).objectStore(name).getAllKeys().onsuccess = (e) =>
                  resolve((e.target as IDBRequest<string[]>).result)),
            ),
        ),
      );
      db.close();
      return all.flat();
    };
    const withKey = (ks: string[], key: string) => ks.filter((k) => k.includes(`${key}/`)).length;
    asTuned(1);
    const first = libraryModels(slots).reasonerKey;
    expect(first).toBe(`ft-${'1'.repeat(16)}`);
    await library.open(small);
    const k1 = await keys();
    expect(withKey(k1, builtinKey)).toBe(3); // the user clip's embedding and T-CoT, the collection's cache
    expect(withKey(k1, first)).toBe(3);
    asTuned(2);
    const second = libraryModels(slots).reasonerKey;
    const summary = await library.open(small);
    const k2 = await keys();
    expect(withKey(k2, first)).toBe(0);
    expect(withKey(k2, second)).toBe(3);
    expect(withKey(k2, builtinKey)).toBe(3);
    expect(summary.userItems.map((i) => i.name)).toEqual(['square.webm']);
    expect(staleFinetunedKey(`clip-1|emb+${first}/r1`, second)).toBe(true);
    expect(staleFinetunedKey(`clip-1|${second}/r1`, second)).toBe(false);
    expect(staleFinetunedKey(`clip-1|emb+${builtinKey}/r1`, second)).toBe(false);
  });

  test('user items: a bad file fails alone, the good one is stored, survives a restart, and can be removed', async () => {
    const { library, factory, slots } = await setup();
    await library.open(small);
    const results = await library.add([
      { kind: 'image', name: 'empty.png', blob: new Blob([]) },
      { kind: 'image', name: 'notes.txt', blob: new Blob(['not an image at all']) },
      { kind: 'clip', name: 'square.webm', fileBytes: 1234, ...movingSquare() },
    ]);
    expect(results.map((r) => (r.ok ? 'ok' : r.code))).toEqual(['empty', 'unsupported', 'ok']);
    const added = results[2]!;
    if (!added.ok) throw new Error('unreachable');
    expect(added.item).toMatchObject({ kind: 'clip', name: 'square.webm', frames: 16, source: 'user' });

    const again = new Library(
      () => libraryModels(slots),
      () => LibraryStore.open(factory),
    );
    const summary = await again.open(small);
    expect(summary.userItems.map((i) => i.name)).toEqual(['square.webm']);
    expect(summary.size).toBe(8);
    const top = await again.search({ kind: 'item', id: added.item.id }, { k: 1 });
    expect(top.withTcot[0]!.id).toBe(added.item.id);
    expect((await again.thumbnail(added.item.id))!.width).toBeGreaterThan(0);

    await again.remove(added.item.id);
    expect((await again.open(small)).userItems).toEqual([]);
  });

  test('a full storage quota fails that file with a clear message and stores nothing of it; the next file goes on', async () => {
    const { library, factory, slots } = await setup();
    await library.open(small);
    // The browser refuses the pixels (the largest record) once, after the item's row was queued in the same transaction.
    const put = IDBObjectStore.prototype.put;
    let refusals = 1;
    const full = vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(function (
      this: IDBObjectStore,
      value: unknown,
      key?: IDBValidKey,
    ) {
      if (this.name === 'media' && refusals-- > 0)
        throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      return put.call(this, value, key);
    });
    const results = await library.add([
      { kind: 'clip', name: 'big.webm', fileBytes: 9, ...movingSquare() },
      { kind: 'clip', name: 'small.webm', fileBytes: 9, ...movingSquare() },
    ]);
    full.mockRestore();
    expect(results.map((r) => (r.ok ? 'ok' : r.code))).toEqual(['quota', 'ok']);
    expect(!results[0]!.ok && results[0]!.message).toMatch(
      /^big\.webm: .*no storage left.*Nothing of this item was saved/,
    );
    expect(
      library
        .items()
        .filter((i) => i.source === 'user')
        .map((i) => i.name),
    ).toEqual(['small.webm']);
    // Nothing half-written: after a restart only the second file is there, and its record is whole.
    const store = await LibraryStore.open(factory);
    const stored = await store.items();
    expect(stored.map((i) => i.name)).toEqual(['small.webm']);
    expect(await store.media(stored[0]!.id)).toBeDefined();
    const db = await new Promise<IDBDatabase>(
      (resolve) => (factory.open(DB_NAME).onsuccess = (e) => resolve((e.target as IDBOpenDBRequest).result)),
    );
    for (const name of ['media', 'thumbs', 'embeddings', 'tcots'])
      expect(
        await new Promise(
          (resolve) =>
            (db.transaction(name).objectStore(name).count().onsuccess = (e) =>
              resolve((e.target as IDBRequest).result)),
        ),
      ).toBe(1);
    const again = new Library(
      () => libraryModels(slots),
      () => LibraryStore.open(factory),
    );
    expect((await again.open(small)).userItems.map((i) => i.name)).toEqual(['small.webm']);
  });

  test('clear removes every user item; tensors do not leak across searches', async () => {
    const { library } = await setup();
    await library.open(small);
    await library.add([{ kind: 'clip', name: 'a.webm', fileBytes: 1, ...movingSquare() }]);
    await library.clear();
    expect(library.items().filter((i) => i.source === 'user')).toEqual([]);
    await library.search({ kind: 'item', id: 'image-0' });
    const before = tf.memory().numTensors;
    await library.search({ kind: 'item', id: 'image-1' });
    await library.search({ kind: 'item', id: 'clip-0' });
    expect(tf.memory().numTensors).toBe(before);
    // Opening again (what applying or reverting a fine-tuned Reasoner does) frees the old indexes' tensors.
    await library.open(small);
    await library.search({ kind: 'item', id: 'image-1' });
    await library.open(small);
    await library.search({ kind: 'item', id: 'image-1' });
    expect(tf.memory().numTensors).toBe(before);
  });
});
