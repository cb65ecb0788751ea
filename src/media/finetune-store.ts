// Fine-tuning's persistence in IndexedDB (`embedrl-finetune`, its own database so the library's schema
// never changes for it). Runs in the engine worker; tests use fake-indexeddb.
//   pairs  id → PairRecord   the user's labelled pairs (a query, a target item, match or not)
//   runs   key → RunRecord   'current': the last checkpoint of a fine-tuning run (resume after a reload);
//                            'progress': the last step it finished; 'applied': the fine-tuned Reasoner in use
import type { PairDraft } from './pairs';
import { openDatabase, req } from './idb';
import { storageError } from './store';

export const FINETUNE_DB = 'embedrl-finetune';
const VERSION = 1;

export interface PairRecord extends PairDraft {
  id: string;
  /** The Explore instruction the pair was made under (the query side reads it). */
  instruction?: string;
  createdAt: number;
}

/** A checkpoint as stored: structured-clonable (typed arrays, plain objects). `data` is the engine's run state. */
export interface RunRecord<T = unknown> {
  key: string;
  savedAt: number;
  data: T;
}

/**
 * A pair's id is a hash of what it says (query + target), so the same pair made twice is one pair, and the
 * seeded train / held-out split (pairs.ts `heldOutIds`) is the same in every browser for the same pairs.
 */
export function pairId(p: Pick<PairDraft, 'query' | 'targetId'>): string {
  const text = `${p.query.kind === 'text' ? `t:${p.query.text}` : `i:${p.query.itemId}`}→${p.targetId}`;
  let h1 = 0x811c9dc5;
  let h2 = 0x9e3779b9;
  for (let i = 0; i < text.length; i++) {
    h1 = Math.imul(h1 ^ text.charCodeAt(i), 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ text.charCodeAt(i), 0x85ebca6b) >>> 0;
  }
  return `pair-${h1.toString(16).padStart(8, '0')}${h2.toString(16).padStart(8, '0')}`;
}

export class FinetuneStore {
  private constructor(private readonly db: IDBDatabase) {}

  static async open(factory: IDBFactory = indexedDB, name = FINETUNE_DB): Promise<FinetuneStore> {
    try {
      return new FinetuneStore(await openDatabase(factory, name, VERSION, { pairs: 'id', runs: 'key' }));
    } catch (err) {
      throw storageError(err);
    }
  }

  close(): void {
    this.db.close();
  }

  private write(store: 'pairs' | 'runs', body: (s: IDBObjectStore) => void): Promise<void> {
    return new Promise((resolve, reject) => {
      let t: IDBTransaction;
      try {
        t = this.db.transaction(store, 'readwrite');
      } catch (err) {
        reject(storageError(err));
        return;
      }
      t.oncomplete = () => resolve();
      t.onabort = () => reject(storageError(t.error));
      t.onerror = (e) => e.preventDefault();
      try {
        body(t.objectStore(store));
      } catch (err) {
        t.abort();
        reject(storageError(err));
      }
    });
  }

  async pairs(): Promise<PairRecord[]> {
    const all = (await req(this.db.transaction('pairs', 'readonly').objectStore('pairs').getAll())) as PairRecord[];
    return all.sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
  }

  /** Add or replace pairs, all in one transaction. */
  putPairs(records: PairRecord[]): Promise<void> {
    return this.write('pairs', (s) => records.forEach((r) => s.put(r)));
  }

  deletePair(id: string): Promise<void> {
    return this.write('pairs', (s) => s.delete(id));
  }

  async run<T>(key = 'current'): Promise<RunRecord<T> | undefined> {
    return (await req(this.db.transaction('runs', 'readonly').objectStore('runs').get(key))) as
      RunRecord<T> | undefined;
  }

  /** Replace the checkpoint in one transaction: the previous one stays whole until the new one commits. */
  putRun<T>(record: RunRecord<T>): Promise<void> {
    return this.write('runs', (s) => s.put(record));
  }

  deleteRun(key = 'current'): Promise<void> {
    return this.write('runs', (s) => s.delete(key));
  }
}
