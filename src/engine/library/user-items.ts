// The user's own files in the library: one added (decoded, reasoned about, embedded and stored in one
// transaction), and one stored under other models made again with these.
import { embeddingKey, tcotKey, type ItemRecord, type LibraryStore, type MediaRecord } from '../../media/store';
import type { VisualInput } from '../../models/preprocess';
import { embedBoth, modelKey, reasonKey, reasonSides } from './derive';
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
  const [tokens] = await reasonSides(m.reasoner, maxNewTokens, [{ visual }]);
  const { withTcot, withoutTcot } = await embedBoth(m.embedder, [{ visual }], [tokens!]);
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
  const indexed = { tcot: tokens!, withTcot: withTcot[0]!, withoutTcot: withoutTcot[0]! };
  // One transaction: the item is stored completely or not at all.
  await store?.putItem({
    item: rec,
    media,
    thumb: { id, ...thumbOf(visual) },
    embedding: { key: embeddingKey(id, modelKey(m)), id, modelKey: modelKey(m), ...indexed },
    tcot: { key: tcotKey(id, reasonKey(m)), id, tokens: tokens! },
  });
  return { rec, indexed };
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
  const tcot = await store.tcot(id, reasonKey(m));
  if (emb && tcot) return { tcot: tcot.tokens, withTcot: emb.withTcot, withoutTcot: emb.withoutTcot };
  const visual = await visualOf();
  const [tokens] = await reasonSides(m.reasoner, maxNewTokens, [{ visual }]);
  const { withTcot, withoutTcot } = await embedBoth(m.embedder, [{ visual }], [tokens!]);
  const indexed = { tcot: tokens!, withTcot: withTcot[0]!, withoutTcot: withoutTcot[0]! };
  await store
    .putDerived(
      {
        key: embeddingKey(id, modelKey(m)),
        id,
        modelKey: modelKey(m),
        withTcot: indexed.withTcot,
        withoutTcot: indexed.withoutTcot,
      },
      { key: tcotKey(id, reasonKey(m)), id, tokens: tokens! },
    )
    .catch(() => undefined);
  return indexed;
}
