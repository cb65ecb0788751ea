// A search of the library: the query embedded without its T-CoT and ranked at once, then its T-CoT written
// (streamed), the query embedded with it and ranked again; both rankings over the same items, filtered by
// modality as the instruction or the user asks.
import type { VisualInput } from '../../models/preprocess';
import { embedItemFit, type Side } from '../../retrieval/pipeline';
import { instructionTarget } from '../../world/tasks';
import type { WorldInput } from '../../world/types';
import { reasonSides, teacherTcot } from './derive';
import type { ItemIndex } from './item-index';
import { decodeMedia, publicItem, traceOf, type Entry } from './media';
import type { LibraryModels } from './models';
import type {
  CollectionOptions,
  Hit,
  PlainCallback,
  SearchOptions,
  SearchQuery,
  SearchResult,
  TokenCallback,
  Trace,
} from './types';

/** What a search reads of the library. */
export interface SearchContext {
  models: LibraryModels;
  index: ItemIndex;
  entries: Map<string, Entry>;
  options: CollectionOptions;
  maxNewTokens: number;
  visualOf: (id: string) => Promise<VisualInput | undefined>;
}

/**
 * Rank without the T-CoT first (one cheap embedding; `onPlain` gets it at once), then let the query's T-CoT
 * stream in, embed the query with it and rank again.
 */
export async function searchLibrary(
  ctx: SearchContext,
  query: SearchQuery,
  opts: SearchOptions = {},
  onTokens?: TokenCallback,
  onPlain?: PlainCallback,
): Promise<SearchResult> {
  const m = ctx.models;
  const { withTcot: withIndex, withoutTcot: withoutIndex } = ctx.index;
  const t0 = performance.now();
  const instruction = opts.instruction || undefined;
  let parts: Side;
  let world: WorldInput | undefined;
  if (query.kind === 'text') {
    parts = { text: query.text, instruction };
    world = { modality: 'text', text: query.text };
  } else if (query.kind === 'item') {
    parts = { visual: await ctx.visualOf(query.id), instruction };
    world = ctx.entries.get(query.id)!.world;
  } else {
    parts = { visual: (await decodeMedia(query.input)).visual, instruction };
  }
  const k = Math.min(opts.k ?? 12, withIndex.size);
  const filter =
    opts.filter === undefined || opts.filter === 'auto' ? (instructionTarget(instruction) ?? 'all') : opts.filter;
  const keep =
    filter === 'all'
      ? undefined
      : (id: string) => {
          const e = ctx.entries.get(id);
          return !!e && (filter === 'user' ? e.source === 'user' : e.kind === filter);
        };
  const hits = (hs: { id: string; score: number }[] | undefined): Hit[] =>
    (hs ?? []).map((h) => ({ id: h.id, score: h.score, item: publicItem(ctx.entries.get(h.id)!) }));

  const [plainVector] = await m.embedder.embedData([embedItemFit(m.embedder, parts, null)]);
  const [plain] = await withoutIndex.search(plainVector!, k, keep);
  const tPlain = performance.now();
  onPlain?.(hits(plain), tPlain - t0);

  let tokens: Int32Array;
  let source: Trace['source'];
  if (ctx.options.tcot === 'teacher' && world) {
    // An item as the query gets the T-CoT it got as a candidate (same seed): with no instruction, it is its own nearest neighbour.
    tokens = teacherTcot(
      ctx.options.seed,
      world,
      query.kind === 'item' ? query.id : `query:${query.kind === 'text' ? query.text : ''}`,
    );
    onTokens?.(Array.from(tokens));
    source = 'teacher';
  } else {
    [tokens] = (await reasonSides(m.reasoner, ctx.maxNewTokens, [parts], onTokens)) as [Int32Array];
    source = 'reasoner';
  }
  const t1 = performance.now();
  const [tcotVector] = await m.embedder.embedData([embedItemFit(m.embedder, parts, tokens)]);
  const t2 = performance.now();
  const [reasoned] = await withIndex.search(tcotVector!, k, keep);
  const t3 = performance.now();
  return {
    withTcot: hits(reasoned),
    withoutTcot: hits(plain),
    query: traceOf(m.embedder, null, parts, tokens, source),
    timings: { plain: tPlain - t0, reason: t1 - tPlain, embed: t2 - t1, search: t3 - t2, total: t3 - t0 },
  };
}
