// The library's persistence in IndexedDB (runs in the engine worker; tests use fake-indexeddb).
//
// Stores, all keyed by strings:
//   items       id → ItemRecord          what the library lists (name, kind, size, when added)
//   media       id → MediaRecord         the pixels the models read: an image, or a clip's sampled frames
//   thumbs      id → Thumb               a small RGBA preview
//   embeddings  `${id}|${modelKey}` → EmbeddingRecord   with and without T-CoT
//   tcots       `${id}|${reasonerKey}` → TcotRecord       the candidate-side T-CoT tokens
//   collections key → CollectionRecord   the built-in collection, indexed once per (seed, size, models)
// An item is written in ONE transaction (item + media + thumbnail + embedding + T-CoT), so a failure — a
// full quota above all — leaves nothing half-written.
import { MediaError, errorMessage } from './errors';
import { openDatabase, req } from './idb';

export const DB_NAME = 'embedrl-library';
const DB_VERSION = 1;
const STORES = ['items', 'media', 'thumbs', 'embeddings', 'tcots', 'collections'] as const;
type StoreName = (typeof STORES)[number];

export interface ItemRecord {
  id: string;
  name: string;
  kind: 'image' | 'clip';
  /** Size of the stored pixels (images are kept at most MAX_STORED_SIDE on their longer side). */
  width: number;
  height: number;
  frames: number;
  /** Bytes of the original file. */
  fileBytes: number;
  addedAt: number;
}

export interface MediaRecord {
  id: string;
  width: number;
  height: number;
  /** RGBA, one per frame (one for an image). */
  frames: Uint8Array[];
}

export interface Thumb {
  id: string;
  width: number;
  height: number;
  rgba: Uint8Array;
}

export interface EmbeddingRecord {
  key: string;
  id: string;
  modelKey: string;
  withTcot: Float32Array;
  withoutTcot: Float32Array;
}

export interface TcotRecord {
  key: string;
  id: string;
  tokens: Int32Array;
}

export interface CollectionRecord {
  key: string;
  ids: string[];
  dim: number;
  /** Row-major [ids.length, dim]. */
  withTcot: Float32Array;
  withoutTcot: Float32Array;
  /** Candidate T-CoT tokens per item, concatenated; item i is tokens[offsets[i] .. offsets[i+1]). */
  tokens: Int32Array;
  offsets: Int32Array;
  createdAt: number;
}

/** Everything stored for one user item, written together. */
export interface StoredItem {
  item: ItemRecord;
  media: MediaRecord;
  thumb: Thumb;
  embedding?: EmbeddingRecord;
  tcot?: TcotRecord;
}

export const embeddingKey = (id: string, modelKey: string) => `${id}|${modelKey}`;
export const tcotKey = (id: string, reasonerKey: string) => `${id}|${reasonerKey}`;

const QUOTA_MESSAGE =
  'the browser has no storage left for this app (quota exceeded). Nothing of this item was saved; remove some items or free disk space, then try again.';

/** An IndexedDB failure as a MediaError: 'quota' when storage is full, 'storage' otherwise. */
export function storageError(err: unknown, fileName?: string): MediaError {
  if (err instanceof MediaError) return err;
  const name = (err as { name?: string } | null)?.name ?? '';
  if (name === 'QuotaExceededError') return new MediaError('quota', QUOTA_MESSAGE, fileName);
  const message = errorMessage(err);
  return new MediaError('storage', `the browser's storage failed (${name || 'error'}: ${message})`, fileName);
}

export class LibraryStore {
  private constructor(private readonly db: IDBDatabase) {}

  static async open(factory: IDBFactory = indexedDB, name = DB_NAME): Promise<LibraryStore> {
    const keyOf = (s: StoreName) => (s === 'embeddings' || s === 'tcots' || s === 'collections' ? 'key' : 'id');
    try {
      const db = await openDatabase(
        factory,
        name,
        DB_VERSION,
        Object.fromEntries(STORES.map((s) => [s, keyOf(s)])),
        (t) => {
          t.objectStore('embeddings').createIndex('byId', 'id');
          t.objectStore('tcots').createIndex('byId', 'id');
        },
      );
      return new LibraryStore(db);
    } catch (err) {
      throw storageError(err);
    }
  }

  close(): void {
    this.db.close();
  }

  /** Run `body` in one transaction; resolves when it commits, rejects (MediaError) when it aborts. */
  private tx(
    stores: StoreName[],
    mode: IDBTransactionMode,
    body: (t: IDBTransaction) => void,
    fileName?: string,
  ): Promise<void> {
    return new Promise((resolve, reject) => {
      let t: IDBTransaction;
      try {
        t = this.db.transaction(stores, mode);
      } catch (err) {
        reject(storageError(err, fileName));
        return;
      }
      t.oncomplete = () => resolve();
      t.onabort = () => reject(storageError(t.error, fileName));
      t.onerror = (e) => e.preventDefault(); // let onabort report the transaction's error once
      try {
        body(t);
      } catch (err) {
        t.abort();
        reject(storageError(err, fileName));
      }
    });
  }

  private async getOne<T>(store: StoreName, key: string): Promise<T | undefined> {
    const t = this.db.transaction(store, 'readonly');
    return (await req(t.objectStore(store).get(key))) as T | undefined;
  }

  /** Write an item and everything stored with it, all or nothing. */
  putItem(s: StoredItem): Promise<void> {
    return this.tx(
      ['items', 'media', 'thumbs', 'embeddings', 'tcots'],
      'readwrite',
      (t) => {
        t.objectStore('items').put(s.item);
        t.objectStore('media').put(s.media);
        t.objectStore('thumbs').put(s.thumb);
        if (s.embedding) t.objectStore('embeddings').put(s.embedding);
        if (s.tcot) t.objectStore('tcots').put(s.tcot);
      },
      s.item.name,
    );
  }

  /** Add or replace an item's embedding and T-CoT (e.g. after the models changed). */
  putDerived(embedding: EmbeddingRecord, tcot?: TcotRecord): Promise<void> {
    return this.tx(['embeddings', 'tcots'], 'readwrite', (t) => {
      t.objectStore('embeddings').put(embedding);
      if (tcot) t.objectStore('tcots').put(tcot);
    });
  }

  async items(): Promise<ItemRecord[]> {
    const t = this.db.transaction('items', 'readonly');
    const all = (await req(t.objectStore('items').getAll())) as ItemRecord[];
    return all.sort((a, b) => a.addedAt - b.addedAt || a.id.localeCompare(b.id));
  }

  item(id: string) {
    return this.getOne<ItemRecord>('items', id);
  }
  media(id: string) {
    return this.getOne<MediaRecord>('media', id);
  }
  thumb(id: string) {
    return this.getOne<Thumb>('thumbs', id);
  }
  embedding(id: string, modelKey: string) {
    return this.getOne<EmbeddingRecord>('embeddings', embeddingKey(id, modelKey));
  }
  tcot(id: string, reasonerKey: string) {
    return this.getOne<TcotRecord>('tcots', tcotKey(id, reasonerKey));
  }

  /** Remove an item and everything stored with it (every model's embeddings and T-CoTs). */
  remove(id: string): Promise<void> {
    return this.tx(['items', 'media', 'thumbs', 'embeddings', 'tcots'], 'readwrite', (t) => {
      t.objectStore('items').delete(id);
      t.objectStore('media').delete(id);
      t.objectStore('thumbs').delete(id);
      for (const s of ['embeddings', 'tcots'] as const) {
        const cursor = t.objectStore(s).index('byId').openKeyCursor(IDBKeyRange.only(id));
        cursor.onsuccess = () => {
          const c = cursor.result;
          if (!c) return;
          t.objectStore(s).delete(c.primaryKey);
          c.continue();
        };
      }
    });
  }

  /** Remove every user item (the built-in collection's cache stays). */
  clearItems(): Promise<void> {
    return this.tx(['items', 'media', 'thumbs', 'embeddings', 'tcots'], 'readwrite', (t) => {
      for (const s of ['items', 'media', 'thumbs', 'embeddings', 'tcots'] as const) t.objectStore(s).clear();
    });
  }

  /** Delete the derived records (embeddings, T-CoTs, collection caches) whose key `stale` picks; returns how many. */
  pruneDerived(stale: (key: string) => boolean): Promise<number> {
    let n = 0;
    return this.tx(['embeddings', 'tcots', 'collections'], 'readwrite', (t) => {
      for (const s of ['embeddings', 'tcots', 'collections'] as const) {
        const cursor = t.objectStore(s).openKeyCursor();
        cursor.onsuccess = () => {
          const c = cursor.result;
          if (!c) return;
          if (typeof c.primaryKey === 'string' && stale(c.primaryKey)) {
            t.objectStore(s).delete(c.primaryKey);
            n++;
          }
          c.continue();
        };
      }
    }).then(() => n);
  }

  collection(key: string) {
    return this.getOne<CollectionRecord>('collections', key);
  }

  putCollection(record: CollectionRecord): Promise<void> {
    return this.tx(['collections'], 'readwrite', (t) => {
      t.objectStore('collections').put(record);
    });
  }

  deleteCollection(key: string): Promise<void> {
    return this.tx(['collections'], 'readwrite', (t) => t.objectStore('collections').delete(key));
  }

  clearCollections(): Promise<void> {
    return this.tx(['collections'], 'readwrite', (t) => t.objectStore('collections').clear());
  }
}

export interface StorageUse {
  usedBytes: number | null;
  quotaBytes: number | null;
}

/** What this origin stores and may store (navigator.storage.estimate), when the browser says. */
export async function storageUse(): Promise<StorageUse> {
  const storage = (globalThis.navigator as Navigator | undefined)?.storage;
  if (!storage?.estimate) return { usedBytes: null, quotaBytes: null };
  try {
    const e = await storage.estimate();
    return { usedBytes: e.usage ?? null, quotaBytes: e.quota ?? null };
  } catch {
    return { usedBytes: null, quotaBytes: null };
  }
}
