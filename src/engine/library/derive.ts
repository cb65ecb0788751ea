// How the library derives what it stores for an item, and the keys that say which models it was derived by: the
// built-in collection's entries, greedy T-CoTs (or the teacher's, for the `teacher` setting), the two embeddings,
// and whether a shipped index fits this collection and these models.
import { errorMessage } from '../../media/errors';
import type { CollectionRecord } from '../../media/store';
import type { Embedder } from '../../models/embedder';
import { reasonerInputFor } from '../../models/inputs';
import type { Reasoner } from '../../models/reasoner';
import { embedItemFit, prompted, reasonGreedy, type Side } from '../../retrieval/pipeline';
import { VOCAB } from '../../tcot/default';
import { encodeTCoT } from '../../tcot/encode';
import { annotate } from '../../world/annotator';
import { hashSeed } from '../../world/rng';
import { builtinCollection } from '../../world/suite';
import { CLIP_FRAMES, CLIP_SIZE, IMAGE_SIZE, type WorldInput } from '../../world/types';
import { decodeShippedIndex } from '../shipped-index';
import type { LibraryModels } from './models';
import type { Indexed } from './item-index';
import { worldVisualOf, type Entry } from './media';
import type { CollectionOptions, TokenCallback } from './types';

/** Items reasoned about and embedded together while indexing (LibraryOptions.batch). */
export const BATCH = 8;
/** How inputs without an instruction are prompted (part of every cache key: a change re-indexes). */
const REASONING = 'caption-instruction';

/** Stored T-CoTs are valid for these Reasoner weights under this way of prompting them. */
export const reasonKey = (m: LibraryModels) => `${m.reasonerKey}/${REASONING}`;
/** Stored embeddings are valid for this Embedder with T-CoTs of this Reasoner. */
export const modelKey = (m: LibraryModels) => `${m.embedderKey}+${reasonKey(m)}`;

/** The key the built-in collection's cache and shipped index are stored under, for these models and settings. */
export function collectionKey(o: CollectionOptions, maxNewTokens: number, m: LibraryModels): string {
  return `builtin|${o.seed}|${o.images}|${o.clips}|${o.tcot}|${maxNewTokens}|${modelKey(m)}`;
}

/**
 * Whether two collection keys (derive.ts collectionKey) name the same collection, settings and Embedder, so that
 * an index stored under one ranks in the same space as the other: they differ at most in the Reasoner, i.e. in
 * the T-CoTs the items were embedded with.
 */
export function sameEmbedderSpace(a: string, b: string): boolean {
  const head = (k: string) => k.slice(0, k.indexOf('+'));
  return a.includes('+') && b.includes('+') && head(a) === head(b);
}

/** The built-in collection's items (images, then clips). */
export function builtinEntries(o: CollectionOptions): Entry[] {
  const { images, clips } = builtinCollection({ seed: o.seed, images: o.images, clips: o.clips });
  return [
    ...images.map((c): Entry => ({
      id: c.id,
      source: 'builtin',
      kind: 'image',
      name: c.id,
      caption: c.caption,
      width: IMAGE_SIZE,
      height: IMAGE_SIZE,
      frames: 1,
      world: { modality: 'image', scene: c.scene },
    })),
    ...clips.map((c): Entry => ({
      id: c.id,
      source: 'builtin',
      kind: 'clip',
      name: c.id,
      caption: c.caption,
      width: CLIP_SIZE,
      height: CLIP_SIZE,
      frames: CLIP_FRAMES,
      world: { modality: 'video', clip: c.clip },
    })),
  ];
}

/** The teacher's (gold) T-CoT for a built-in input, seeded by the collection seed and the item's id. */
export function teacherTcot(seed: number, input: WorldInput, id: string): Int32Array {
  const tcot = annotate(input, { mode: 'gold', seed: hashSeed(seed, 'library-tcot', id) });
  return Int32Array.from([...encodeTCoT(VOCAB, tcot).ids, VOCAB.id('<eos>')]);
}

/**
 * Greedy T-CoTs for a batch of inputs (one shared decode; src/retrieval/pipeline.ts). Without an instruction the
 * shipped model wrote no well-formed T-CoT for built-in items (0 of 24, against 24 of 24 with one), so an input
 * without one — every library item, and a query with none chosen — gets its modality's caption instruction.
 */
export function reasonSides(
  reasoner: Reasoner,
  maxNewTokens: number,
  parts: Side[],
  onTokens?: TokenCallback,
): Promise<Int32Array[]> {
  return reasonGreedy(
    reasoner,
    parts.map((p) => reasonerInputFor(VOCAB, prompted(p))),
    { maxNewTokens, onTokens },
  );
}

/** Each side's index row: its T-CoT and both embeddings (with the T-CoT and its evidence, and without). */
export async function embedRows(embedder: Embedder, parts: Side[], tcots: Int32Array[]): Promise<Indexed[]> {
  const items = [
    ...parts.map((p, i) => embedItemFit(embedder, p, tcots[i]!)),
    ...parts.map((p) => embedItemFit(embedder, p, null)),
  ];
  const vectors = await embedder.embedData(items, BATCH * 2);
  return tcots.map((tcot, i) => ({ tcot, withTcot: vectors[i]!, withoutTcot: vectors[parts.length + i]! }));
}

/** Reason about each side (greedy) and embed it both ways: its index row. */
export async function deriveRows(m: LibraryModels, maxNewTokens: number, parts: Side[]): Promise<Indexed[]> {
  return embedRows(m.embedder, parts, await reasonSides(m.reasoner, maxNewTokens, parts));
}

/** Built-in items' index rows, their T-CoTs from the Reasoner or (`tcot: 'teacher'`) the simulated teacher. */
export async function deriveBuiltin(
  m: LibraryModels,
  o: CollectionOptions,
  maxNewTokens: number,
  entries: Entry[],
): Promise<Indexed[]> {
  const parts = entries.map((e) => ({ visual: worldVisualOf(e.world!) }));
  if (o.tcot !== 'teacher') return deriveRows(m, maxNewTokens, parts);
  return embedRows(
    m.embedder,
    parts,
    entries.map((e) => teacherTcot(o.seed, e.world!, e.id)),
  );
}

/**
 * The shipped index when it was made for exactly this collection and these models (or, with `standIn`, with
 * another Reasoner and this Embedder); otherwise why not.
 */
export async function shippedRecord(
  fetchBytes: () => Promise<ArrayBuffer>,
  key: string,
  builtin: Entry[],
  dim: number,
  standIn = false,
): Promise<{ record: CollectionRecord; standIn: boolean } | { note: string }> {
  let record: CollectionRecord;
  try {
    record = decodeShippedIndex(await fetchBytes());
  } catch (err) {
    return { note: `the shipped index could not be read (${errorMessage(err)}); indexing live` };
  }
  // With `standIn`, an index of another Reasoner with this Embedder may serve while this one indexes (index.ts).
  const other = record.key !== key;
  if (other && !(standIn && sameEmbedderSpace(record.key, key)))
    return { note: 'the shipped index was made by other models or settings; indexing live' };
  if (record.ids.length !== builtin.length || record.ids.some((id, i) => id !== builtin[i]!.id))
    return { note: 'the shipped index lists other items than this collection; indexing live' };
  if (record.dim !== dim) return { note: 'the shipped index has another embedding size; indexing live' };
  return { record, standIn: other };
}
