import { IDBFactory } from 'fake-indexeddb';
import 'fake-indexeddb/auto';
import { describe, expect, test } from 'vitest';
import { FinetuneStore, pairId } from './finetune-store';

describe('FinetuneStore', () => {
  test('a pair id says what the pair is: the same query and target give the same id, any change another', () => {
    const a = pairId({ query: { kind: 'text', text: 'a red circle' }, targetId: 'image-1' });
    expect(pairId({ query: { kind: 'text', text: 'a red circle' }, targetId: 'image-1' })).toBe(a);
    expect(pairId({ query: { kind: 'text', text: 'a red circle' }, targetId: 'image-2' })).not.toBe(a);
    expect(pairId({ query: { kind: 'item', itemId: 'a red circle' }, targetId: 'image-1' })).not.toBe(a);
    expect(a).toMatch(/^pair-[0-9a-f]{16}$/);
  });

  test('pairs are listed in the order made; a checkpoint is replaced whole and survives a reopen', async () => {
    const factory = new IDBFactory();
    const store = await FinetuneStore.open(factory);
    await store.putPairs([
      { id: 'p2', query: { kind: 'text', text: 'b' }, targetId: 't2', match: true, createdAt: 2 },
      { id: 'p1', query: { kind: 'item', itemId: 'i' }, targetId: 't1', match: false, createdAt: 1 },
    ]);
    expect((await store.pairs()).map((p) => p.id)).toEqual(['p1', 'p2']);
    await store.deletePair('p1');
    expect((await store.pairs()).map((p) => p.id)).toEqual(['p2']);
    await store.putRun({ key: 'current', savedAt: 1, data: { step: 1, weights: new Float32Array([1, 2]) } });
    await store.putRun({ key: 'current', savedAt: 2, data: { step: 2, weights: new Float32Array([3, 4]) } });
    store.close();
    const again = await FinetuneStore.open(factory);
    const run = await again.run<{ step: number; weights: Float32Array }>();
    expect(run?.savedAt).toBe(2);
    expect(Array.from(run!.data.weights)).toEqual([3, 4]);
    await again.deleteRun();
    expect(await again.run()).toBeUndefined();
  });
});
