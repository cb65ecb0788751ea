// Writes the built-in collection's shipped index beside a folder of int8 models (used by index-collection.ts and
// train.ts --ship): the Library indexes the collection exactly as the browser would, with no cache.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Library } from '../engine/library';
import { encodeShippedIndex, SHIPPED_INDEX_FILE } from '../engine/shipped-index';
import type { Embedder } from '../models/embedder';
import type { Reasoner } from '../models/reasoner';
import { loadModel } from '../models/weights';
import { nodeFileHandler } from '../models/weights-node';

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
  const emb = await loadModel(nodeFileHandler(join(dir, 'embedder')));
  const rsn = await loadModel(nodeFileHandler(join(dir, 'reasoner')));
  const models = {
    embedder: emb.model as Embedder,
    reasoner: rsn.model as Reasoner,
    embedderKey: emb.manifest.sha256.slice(0, 16),
    reasonerKey: rsn.manifest.sha256.slice(0, 16),
  };
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
