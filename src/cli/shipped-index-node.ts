// Writes the built-in collection's shipped index beside a folder of int8 models (used by index-collection.ts and
// train.ts --ship): the Library indexes the collection exactly as the browser would, with no cache.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Library } from '../engine/library';
import { loadLibraryModels } from '../engine/library/models-node';
import { encodeShippedIndex, SHIPPED_INDEX_FILE } from '../engine/shipped-index';

export interface ShippedIndexInfo {
  file: string; // name inside the models folder
  key: string;
  items: number;
  bytes: number;
  seconds: number;
}

export async function writeShippedIndex(
  dir: string,
  onProgress?: (done: number, total: number, rate: number) => void,
): Promise<ShippedIndexInfo> {
  const t0 = performance.now();
  const models = await loadLibraryModels(dir);
  try {
    const library = new Library(
      () => models,
      async () => null,
    );
    const summary = await library.open(
      {},
      (p) => p.task === 'index' && onProgress?.(p.done, p.total, p.done / ((performance.now() - t0) / 1000)),
    );
    if (summary.partial) throw new Error('indexing stopped early');
    const record = library.collectionRecord();
    const bytes = encodeShippedIndex(record);
    writeFileSync(join(dir, SHIPPED_INDEX_FILE), bytes);
    return {
      file: SHIPPED_INDEX_FILE,
      key: record.key,
      items: record.ids.length,
      bytes: bytes.length,
      seconds: (performance.now() - t0) / 1000,
    };
  } finally {
    models.embedder.dispose();
    models.reasoner.dispose();
  }
}
