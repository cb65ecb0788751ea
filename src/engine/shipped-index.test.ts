import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { IDBFactory } from 'fake-indexeddb';
import 'fake-indexeddb/auto';
import { beforeAll, describe, expect, test, vi } from 'vitest';
import { LibraryStore, type CollectionRecord } from '../media/store';
import type { Reasoner } from '../models/reasoner';
import { Library } from './library';
import { libraryModels } from './library/models';
import { loadLibraryModels } from './library/models-node';
import { tinyLibrary } from './library/testutil';
import { decodeShippedIndex, encodeShippedIndex, SHIPPED_INDEX_FILE, ShippedIndexError } from './shipped-index';
import { initTestBackend } from '../tf/testing';

beforeAll(() => initTestBackend());

const opts = { collection: { seed: 11, images: 5, clips: 2, tcot: 'reasoner' as const }, maxNewTokens: 8 };
const URL_ = 'https://example.test/models/collection-index.bin';

function unit(n: number, seed: number): Float32Array {
  const v = Float32Array.from({ length: n }, (_, i) => Math.sin(seed * 7.1 + i * 1.3));
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

function record(count = 3, dim = 8): CollectionRecord {
  const rows = (s: number) => {
    const out = new Float32Array(count * dim);
    for (let r = 0; r < count; r++) out.set(unit(dim, s + r), r * dim);
    return out;
  };
  return {
    key: 'k|1',
    ids: Array.from({ length: count }, (_, i) => `image-${i}`),
    dim,
    withTcot: rows(1),
    withoutTcot: rows(50),
    tokens: Int32Array.from([5, 6, 7, 259, 2, 3]),
    offsets: Int32Array.from([0, 3, 3, 6]),
    createdAt: 42,
  };
}

describe('shipped index codec', () => {
  test('round-trips ids, key, T-CoT tokens exactly and unit vectors to within int8 rounding', () => {
    const r = record();
    const back = decodeShippedIndex(encodeShippedIndex(r));
    expect(back).toMatchObject({ key: r.key, ids: r.ids, dim: r.dim, createdAt: 42 });
    expect([...back.tokens]).toEqual([...r.tokens]);
    expect([...back.offsets]).toEqual([...r.offsets]);
    for (const which of ['withTcot', 'withoutTcot'] as const) {
      for (let row = 0; row < 3; row++) {
        const a = r[which].subarray(row * 8, row * 8 + 8);
        const b = back[which].subarray(row * 8, row * 8 + 8);
        const dot = a.reduce((s, x, j) => s + x * b[j]!, 0);
        expect(dot).toBeGreaterThan(0.9995);
        expect(Math.hypot(...b)).toBeCloseTo(1, 5);
      }
    }
  });

  test('malformed files are refused with a reason', () => {
    const bytes = encodeShippedIndex(record());
    expect(() => decodeShippedIndex(new Uint8Array([1, 2, 3]))).toThrow(/magic/);
    expect(() => decodeShippedIndex(bytes.slice(0, bytes.length - 1))).toThrow(/bytes; its header describes/);
    const badJson = bytes.slice();
    badJson[12] = 0x7b + 1;
    expect(() => decodeShippedIndex(badJson)).toThrow(ShippedIndexError);
    const wrongVersion = bytes.slice();
    const at = new TextDecoder().decode(bytes.subarray(0, 200)).indexOf('"version":1'); // the header is ASCII
    wrongVersion[at + '"version":'.length] = '9'.charCodeAt(0);
    expect(() => decodeShippedIndex(wrongVersion)).toThrow(/version 9/);
    const bigToken = { ...record(), tokens: Int32Array.from([70000, 0, 0, 0, 0, 0]) };
    expect(() => encodeShippedIndex(bigToken)).toThrow(/16 bits/);
  });
});

describe('Library with a shipped index', () => {
  async function shipped() {
    const { slots, library } = await tinyLibrary(new IDBFactory());
    await library.open(opts);
    return { slots, live: library, bytes: encodeShippedIndex(library.collectionRecord()) };
  }

  test('a first visit loads the shipped index (no model work), ranks as the live index, and caches it', async () => {
    const { slots, live, bytes } = await shipped();
    const factory = new IDBFactory();
    const fetchShipped = vi.fn(async () => bytes.slice().buffer);
    const generate = vi.spyOn(slots.get('reasoner') as Reasoner, 'generate');
    // A visit of this browser (its IndexedDB) to the page that serves the shipped index.
    const visit = () =>
      new Library(
        () => libraryModels(slots),
        () => LibraryStore.open(factory),
        fetchShipped,
      );
    const first = visit();
    expect(await first.open({ ...opts, shippedIndexUrl: URL_ })).toMatchObject({
      fromShipped: true,
      fromCache: false,
      size: 7,
      partial: false,
    });
    expect(generate).not.toHaveBeenCalled();
    expect(fetchShipped).toHaveBeenCalledWith(URL_);
    for (const id of ['image-0', 'clip-1']) {
      // Same scores to within int8 rounding (the tiny untrained models' scores are near-ties, so the order may swap).
      const a = await live.search({ kind: 'item', id }, { k: 7 });
      const b = await first.search({ kind: 'item', id }, { k: 7 });
      for (const which of ['withTcot', 'withoutTcot'] as const) {
        const scores = new Map(a[which].map((h) => [h.id, h.score]));
        expect(b[which].map((h) => h.id).sort()).toEqual([...scores.keys()].sort());
        for (const h of b[which]) expect(Math.abs(h.score - scores.get(h.id)!)).toBeLessThan(0.01);
      }
    }
    expect(first.items().find((i) => i.id === 'image-0')).toBeDefined();
    // The next visit reads this browser's copy, not the file.
    const second = visit();
    expect(await second.open({ ...opts, shippedIndexUrl: URL_ })).toMatchObject({
      fromCache: true,
      fromShipped: false,
    });
    expect(fetchShipped).toHaveBeenCalledTimes(1);
    generate.mockRestore();
  });

  test('an index made under other settings or unreadable is not used: the collection is indexed live, and the summary says why', async () => {
    const { slots, bytes } = await shipped();
    const other = new Library(
      () => libraryModels(slots),
      async () => null,
      async () => bytes.slice().buffer,
    );
    const summary = await other.open({ ...opts, maxNewTokens: 9, shippedIndexUrl: URL_ });
    expect(summary).toMatchObject({ fromShipped: false, fromCache: false, size: 7 });
    expect(summary.shippedNote).toMatch(/other models or settings/);
    const broken = new Library(
      () => libraryModels(slots),
      async () => null,
      async () => bytes.slice(0, 100).buffer,
    );
    expect((await broken.open({ ...opts, shippedIndexUrl: URL_ })).shippedNote).toMatch(/could not be read/);
    const missing = new Library(
      () => libraryModels(slots),
      async () => null,
      async () => {
        throw new ShippedIndexError('HTTP 404 for ' + URL_);
      },
    );
    expect(await missing.open({ ...opts, shippedIndexUrl: URL_ })).toMatchObject({
      size: 7,
      shippedNote: expect.stringMatching(/HTTP 404/),
    });
  });
});

// The index that ships in public/models/ against a live re-index of 8 of its items with the shipped models.
const SHIPPED = 'public/models';
const hasShipped = existsSync(join(SHIPPED, SHIPPED_INDEX_FILE)) && existsSync(join(SHIPPED, 'reasoner', 'model.json'));
describe.skipIf(!hasShipped)('the shipped index (public/models)', () => {
  test('was made by the shipped models, and agrees with a live re-index of 8 items', { timeout: 300_000 }, async () => {
    const models = await loadLibraryModels(SHIPPED);
    const fetchShipped = async () => {
      const b = readFileSync(join(SHIPPED, SHIPPED_INDEX_FILE));
      return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
    };
    const library = new Library(
      () => models,
      async () => null,
      fetchShipped,
    );
    const summary = await library.open({ shippedIndexUrl: 'shipped' }); // the app's default settings
    expect(summary.shippedNote).toBeUndefined();
    expect(summary).toMatchObject({ fromShipped: true, size: 1300 });
    const ids = ['image-0', 'image-1', 'image-2', 'image-3', 'clip-0', 'clip-1', 'clip-2', 'clip-3'];
    const live = await library.recompute(ids);
    const cos = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);
    for (const l of live) {
      const s = library.stored(l.id)!;
      expect([...s.tcot], l.id).toEqual([...l.tcot]);
      expect(cos(s.withTcot, l.withTcot)).toBeGreaterThan(0.995);
      expect(cos(s.withoutTcot, l.withoutTcot)).toBeGreaterThan(0.995);
    }
    models.embedder.dispose();
    models.reasoner.dispose();
  });
});
