import { IDBFactory } from 'fake-indexeddb';
import 'fake-indexeddb/auto';
import { describe, expect, test } from 'vitest';
import { MediaError } from './errors';
import { embeddingKey, LibraryStore, storageError, tcotKey, type StoredItem } from './store';

function stored(id: string, name = `${id}.png`): StoredItem {
  return {
    item: { id, name, kind: 'image', width: 2, height: 1, frames: 1, fileBytes: 10, addedAt: Date.now() },
    media: { id, width: 2, height: 1, frames: [new Uint8Array([1, 2, 3, 255, 4, 5, 6, 255])] },
    thumb: { id, width: 1, height: 1, rgba: new Uint8Array([2, 3, 4, 255]) },
    embedding: {
      key: embeddingKey(id, 'm1'),
      id,
      modelKey: 'm1',
      withTcot: new Float32Array([1, 0]),
      withoutTcot: new Float32Array([0, 1]),
    },
    tcot: { key: tcotKey(id, 'r1'), id, tokens: new Int32Array([5, 6, 7]) },
  };
}

const fresh = () => LibraryStore.open(new IDBFactory());

describe('LibraryStore', () => {
  test('an item and everything stored with it round-trips', async () => {
    const store = await fresh();
    await store.putItem(stored('a'));
    expect((await store.items()).map((i) => i.id)).toEqual(['a']);
    expect(Array.from((await store.media('a'))!.frames[0])).toEqual([1, 2, 3, 255, 4, 5, 6, 255]);
    expect((await store.thumb('a'))!.rgba[0]).toBe(2);
    expect(Array.from((await store.embedding('a', 'm1'))!.withTcot)).toEqual([1, 0]);
    expect(Array.from((await store.tcot('a', 'r1'))!.tokens)).toEqual([5, 6, 7]);
    expect(await store.embedding('a', 'other-model')).toBeUndefined();
  });

  test('remove deletes the item, its media, thumbnail and every embedding and T-CoT; others stay', async () => {
    const store = await fresh();
    await store.putItem(stored('a'));
    await store.putItem(stored('b'));
    await store.putDerived({
      key: embeddingKey('a', 'm2'),
      id: 'a',
      modelKey: 'm2',
      withTcot: new Float32Array(2),
      withoutTcot: new Float32Array(2),
    });
    await store.remove('a');
    expect((await store.items()).map((i) => i.id)).toEqual(['b']);
    expect(await store.media('a')).toBeUndefined();
    expect(await store.thumb('a')).toBeUndefined();
    expect(await store.embedding('a', 'm1')).toBeUndefined();
    expect(await store.embedding('a', 'm2')).toBeUndefined();
    expect(await store.tcot('a', 'r1')).toBeUndefined();
    expect(await store.embedding('b', 'm1')).toBeDefined();
  });

  test('clearItems removes user items but keeps the built-in collection cache', async () => {
    const store = await fresh();
    await store.putItem(stored('a'));
    const col = {
      key: 'c',
      ids: ['image-0'],
      dim: 2,
      withTcot: new Float32Array([1, 0]),
      withoutTcot: new Float32Array([0, 1]),
      tokens: new Int32Array([1]),
      offsets: new Int32Array([0, 1]),
      createdAt: 1,
    };
    await store.putCollection(col);
    await store.clearItems();
    expect(await store.items()).toEqual([]);
    expect((await store.collection('c'))!.ids).toEqual(['image-0']);
  });

  test('a write that fails aborts the whole item: nothing half-written, a MediaError comes back', async () => {
    const store = await fresh();
    const bad = stored('x');
    // A value IndexedDB cannot clone fails inside the transaction after the item row was queued.
    (bad.thumb as unknown as { rgba: unknown }).rgba = () => 0;
    const err = await store.putItem(bad).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MediaError);
    expect(await store.item('x')).toBeUndefined();
    expect(await store.media('x')).toBeUndefined();
    expect(await store.embedding('x', 'm1')).toBeUndefined();
  });

  test('data survive closing and reopening the database', async () => {
    const factory = new IDBFactory();
    const a = await LibraryStore.open(factory);
    await a.putItem(stored('keep'));
    a.close();
    const b = await LibraryStore.open(factory);
    expect((await b.items()).map((i) => i.name)).toEqual(['keep.png']);
  });
});

describe('storageError', () => {
  test('a quota error becomes MediaError "quota" with a message a person can act on', () => {
    const e = storageError(new DOMException('full', 'QuotaExceededError'), 'cat.png');
    expect(e.code).toBe('quota');
    expect(e.message).toMatch(/^cat\.png: .*storage.*Nothing of this item was saved/);
  });
  test('other failures become "storage" and keep the reason', () => {
    const e = storageError(new DOMException('boom', 'UnknownError'));
    expect(e.code).toBe('storage');
    expect(e.message).toContain('boom');
  });
});
