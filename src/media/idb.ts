// IndexedDB plumbing shared by the library's store (store.ts) and the fine-tuner's (finetune-store.ts): a request as
// a promise, and opening a database whose missing object stores are created on upgrade.

/** An IDB request as a promise (rejects with the request's error). */
export const req = <T>(r: IDBRequest<T>) =>
  new Promise<T>((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });

/**
 * Opens `name` at `version`; on upgrade creates each store of `stores` (name → key path) that is missing and then
 * runs `upgrade` (e.g. indexes) in the upgrade transaction. Rejects with the raw error: callers wrap it.
 */
export function openDatabase(
  factory: IDBFactory,
  name: string,
  version: number,
  stores: Record<string, string>,
  upgrade?: (t: IDBTransaction) => void,
): Promise<IDBDatabase> {
  const open = factory.open(name, version);
  open.onupgradeneeded = () => {
    const db = open.result;
    for (const [store, keyPath] of Object.entries(stores))
      if (!db.objectStoreNames.contains(store)) db.createObjectStore(store, { keyPath });
    upgrade?.(open.transaction!);
  };
  return req(open);
}
