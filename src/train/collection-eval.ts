// What a user sees: the built-in collection searched with sampled captions. Precision@k is the share of the
// top k results that the caption is true of, decided by the world's caption evaluator (imageCaptionHolds /
// clipCaptionHolds) — not by which item the caption was sampled from, so any item it fits counts.
// Items are reasoned about as the app's library does (the caption-retrieval instruction of their modality);
// a query gets the caption-retrieval instruction of the modality it describes.
import type { Embedder } from '../models/embedder';
import { embedItemFor, reasonerInputFor, reasoningInstruction, worldVisual } from '../models/inputs';
import type { Reasoner } from '../models/reasoner';
import { reasonGreedy } from '../retrieval/pipeline';
import { VOCAB } from '../tcot/default';
import { clipStates } from '../world/clip';
import { hashSeed, Rng } from '../world/rng';
import type { CollectionClip, CollectionImage } from '../world/suite';
import { captionScene, TASK_INSTRUCTIONS } from '../world/tasks';
import { clipCaptionHolds, clipCaptionText, describeEvent, imageCaptionHolds, imageCaptionText } from '../world/text';
import type { WorldInput } from '../world/types';
import { bootstrap, type Estimate } from './evaluate';
import { similarity } from './rewards';

export interface CollectionQuery {
  text: string;
  kind: 'image' | 'clip'; // what the caption describes (and the instruction it is searched with)
  source: number; // the item it was sampled from (true of it by construction)
  /** Is the caption true of collection item `index` (images first, then clips)? */
  holds: (index: number) => boolean;
}

export interface Collection {
  images: CollectionImage[];
  clips: CollectionClip[];
}

const inputOf = (c: Collection, i: number): WorldInput =>
  i < c.images.length
    ? { modality: 'image', scene: c.images[i]!.scene }
    : { modality: 'video', clip: c.clips[i - c.images.length]!.clip };

/** How many items of the collection `q` is true of. */
export const trueCount = (c: Collection, q: CollectionQuery) => {
  let n = 0;
  for (let i = 0; i < c.images.length + c.clips.length; i++) if (q.holds(i)) n++;
  return n;
};

/**
 * `count` captions sampled from the collection's own items (images and clips in proportion): an image's
 * caption from the task grammar (objects, relations, counts, negation), a clip's from one of its events.
 * With `minTrue` > 1 a caption true of fewer items is drawn again, so that a perfect ranking can fill the top
 * `minTrue` (the grammar's full captions are often true of their own item alone, which caps precision@5 at 0.2).
 */
export function sampleCollectionQueries(
  c: Collection,
  count: number,
  seed: number,
  opts: { minTrue?: number } = {},
): CollectionQuery[] {
  const rng = new Rng(hashSeed(seed, 'collection-queries'));
  const total = c.images.length + c.clips.length;
  const minTrue = opts.minTrue ?? 1;
  const out: CollectionQuery[] = [];
  const keep = (q: CollectionQuery) => {
    if (minTrue <= 1 || trueCount(c, q) >= minTrue) out.push(q);
  };
  for (let guard = 0; out.length < count && guard < count * (minTrue > 1 ? 200 : 20); guard++) {
    const i = rng.int(total);
    if (i < c.images.length) {
      const sc = captionScene(c.images[i]!.scene, rng.fork(`q${guard}`));
      if (!sc) continue;
      const caption = sc.caption;
      keep({
        text: imageCaptionText(caption),
        kind: 'image',
        source: i,
        holds: (j) => j < c.images.length && imageCaptionHolds(caption, c.images[j]!.scene),
      });
    } else {
      const clip = c.clips[i - c.images.length]!.clip;
      if (clip.events.length === 0) continue;
      const ev = describeEvent(clip, clipStates(clip), rng.int(clip.events.length));
      const caption = { kind: 'one' as const, ev };
      keep({
        text: clipCaptionText(caption),
        kind: 'clip',
        source: i,
        holds: (j) => j >= c.images.length && clipCaptionHolds(caption, c.clips[j - c.images.length]!.clip),
      });
    }
  }
  return out;
}

/**
 * What a random ranking scores: the mean over queries of the share of the collection each caption is true of
 * (the expected precision@k of k items drawn at random), the mean number of items each caption fits, and the
 * ceiling: what a perfect ranking scores, the mean of min(true, k) / k (a caption true of 2 items caps its
 * precision@5 at 0.4).
 */
export function collectionChance(
  c: Collection,
  queries: CollectionQuery[],
  k = 5,
): { precision: number; meanTrue: number; ceiling: number } {
  const total = c.images.length + c.clips.length;
  const trueCounts = queries.map((q) => trueCount(c, q));
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  return {
    precision: mean(trueCounts.map((n) => n / total)),
    meanTrue: mean(trueCounts),
    ceiling: mean(trueCounts.map((n) => Math.min(n, k) / k)),
  };
}

export interface CollectionResult {
  precision: Estimate; // mean precision@k over queries, 95 % bootstrap interval
  perQuery: number[];
  k: number;
}

/** Greedy T-CoTs (null without a Reasoner), in batches. */
async function tcots(
  reasoner: Reasoner | null,
  inputs: { visual?: ReturnType<typeof worldVisual>; text?: string; instruction: string }[],
  maxNewTokens: number,
  onProgress?: (done: number) => void,
): Promise<(Int32Array | null)[]> {
  if (!reasoner) return inputs.map(() => null);
  return reasonGreedy(
    reasoner,
    inputs.map((p) => reasonerInputFor(VOCAB, p)),
    { maxNewTokens, chunk: 16, onProgress },
  );
}

/** Search the collection with every query; precision@k with and without T-CoT is one call per source. */
export async function collectionPrecision(
  embedder: Embedder,
  reasoner: Reasoner | null,
  c: Collection,
  queries: CollectionQuery[],
  opts: {
    k?: number;
    maxNewTokens?: number;
    seed?: number;
    onProgress?: (stage: string, done: number, total: number) => void;
  } = {},
): Promise<CollectionResult> {
  const k = opts.k ?? 5;
  const total = c.images.length + c.clips.length;
  const itemParts = Array.from({ length: total }, (_, i) => {
    const visual = worldVisual(inputOf(c, i));
    return { visual, instruction: reasoningInstruction(visual) };
  });
  const itemTcots = await tcots(reasoner, itemParts, opts.maxNewTokens ?? 64, (d) =>
    opts.onProgress?.('items', d, total),
  );
  const itemEmb = await embedder.embedData(
    itemParts.map((p, i) => embedItemFor(VOCAB, { visual: p.visual, tcotIds: itemTcots[i] })),
  );
  const queryParts = queries.map((q) => ({
    text: q.text,
    instruction: TASK_INSTRUCTIONS[q.kind === 'image' ? 'image-t2i' : 'video-t2v'][0]!,
  }));
  const queryTcots = await tcots(reasoner, queryParts, opts.maxNewTokens ?? 64);
  const queryEmb = await embedder.embedData(
    queryParts.map((p, i) => embedItemFor(VOCAB, { ...p, tcotIds: queryTcots[i] })),
  );
  const sim = similarity(queryEmb, itemEmb);
  const perQuery = queries.map((q, qi) => {
    const row = sim.subarray(qi * total, (qi + 1) * total);
    const top = Array.from({ length: total }, (_, i) => i)
      .sort((a, b) => row[b]! - row[a]! || a - b)
      .slice(0, k);
    return top.filter((i) => q.holds(i)).length / k;
  });
  return { precision: bootstrap(perQuery, opts.seed ?? 1), perQuery, k };
}
