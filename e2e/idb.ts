// Shared e2e helpers that read the app's IndexedDB from the page.
import type { Page } from '@playwright/test';

/** Records per store of the library's IndexedDB (the built-in collection lives in `collections`). */
export const libraryCounts = (page: Page) =>
  page.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const open = indexedDB.open('embedrl-library');
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
    const count = (name: string) =>
      new Promise<number>(
        (resolve) =>
          (db.transaction(name).objectStore(name).count().onsuccess = (e) =>
            resolve((e.target as IDBRequest<number>).result)),
      );
    const out: Record<string, number> = {};
    for (const name of ['items', 'media', 'thumbs', 'embeddings', 'tcots']) out[name] = await count(name);
    db.close();
    return out;
  });
