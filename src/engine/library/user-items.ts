// The user's own files in the library: one added (decoded, reasoned about, embedded and stored in one
// transaction), and one stored under other models made again with these.
import { embeddingKey, tcotKey, type ItemRecord, type LibraryStore, type MediaRecord } from '../../media/store';
import type { VisualInput } from '../../models/preprocess';
import { deriveRows, modelKey, reasonKey } from './derive';
import type { Indexed } from './item-index';
import { decodeMedia, thumbOf } from './media';
import type { LibraryModels } from './models';
import type { MediaInput } from './types';

/** Decode, reason about, embed and store one file (MediaError 'quota' when storage is full): its record and index row. */
export async function addUserFile(
  store: LibraryStore | null,
  m: LibraryModels,
  input: MediaInput,
  maxNewTokens: number,
  id: string,
  addedAt: number,
): Promise<{ rec: ItemRecord; indexed: Indexed }> {
  const { visual, fileBytes } = await decodeMedia(input);
  const [indexed] = await deriveRows(m, maxNewTokens, [{ visual }]);
  const rec: ItemRecord = {
    id,
    name: input.name,
    kind: visual.kind,
    width: visual.width,
    height: visual.height,
    frames: visual.kind === 'clip' ? visual.frames.length : 1,
    fileBytes,
    addedAt,
  };
  const media: MediaRecord = {
    id,
    width: visual.width,
    height: visual.height,
    frames: visual.kind === 'image' ? [visual.rgba] : visual.frames,
  };
  // One transaction: the item is stored completely or not at all.
  await store?.putItem({
    item: rec,
    media,
    thumb: { id, ...thumbOf(visual) },
    embedding: { key: embeddingKey(id, modelKey(m)), id, modelKey: modelKey(m), ...indexed! },
    tcot: { key: tcotKey(id, reasonKey(m)), id, tokens: indexed!.tcot },
  });
  return { rec, indexed: indexed! };
}

/** A stored item's index row under these models: what the store kept for them, or reasoned and embedded again (and kept). */
export async function restoredRow(
  store: LibraryStore,
  m: LibraryModels,
  id: string,
  maxNewTokens: number,
  visualOf: () => Promise<VisualInput>,
): Promise<Indexed> {
  const emb = await store.embedding(id, modelKey(m));
  const kept = await store.tcot(id, reasonKey(m));
  if (emb && kept) return { tcot: kept.tokens, withTcot: emb.withTcot, withoutTcot: emb.withoutTcot };
  const [row] = await deriveRows(m, maxNewTokens, [{ visual: await visualOf() }]);
  const { tcot, withTcot, withoutTcot } = row!;
  await store
    .putDerived(
      { key: embeddingKey(id, modelKey(m)), id, modelKey: modelKey(m), withTcot, withoutTcot },
      { key: tcotKey(id, reasonKey(m)), id, tokens: tcot },
    )
    .catch(() => undefined);
  return row!;
}
