// The library and search part of the Engine contract (types.ts re-exports these).
import type { MediaErrorCode } from '../../media/errors';

export interface CollectionOptions {
  /** World seed of the built-in collection. */
  seed: number;
  images: number;
  clips: number;
  /**
   * Who writes the candidates' T-CoTs: the loaded Reasoner, or the world's simulated teacher (the
   * annotator the models are trained from; built-in items and text queries only) — useful while the
   * Reasoner is untrained, to see what a good T-CoT and its evidence look like.
   */
  tcot: 'reasoner' | 'teacher';
}

/** Options of openLibrary: the built-in collection to index; omitted numbers take the defaults. */
export interface LibraryOptions {
  collection?: Partial<CollectionOptions>;
  /** Items reasoned about and embedded together while indexing (8). */
  batch?: number;
  /** How often indexing saves what it has done, so a closed tab keeps it (4000 ms; 0 saves after every batch). */
  partialSaveMs?: number;
  /** Longest T-CoT the Reasoner may write, in tokens (80; also bounded by its maxLen). */
  maxNewTokens?: number;
  /**
   * Where the built-in collection's shipped index lives (shipped-index.ts), absolute URL. Read on a cache miss;
   * used only when it was made by these models under these settings, otherwise the collection is indexed live.
   */
  shippedIndexUrl?: string;
  /**
   * When this open's models have no index at hand but a complete one of another Reasoner with this Embedder is
   * (the index in use, or the shipped one), let it serve at once and index again behind it (LibrarySummary.reindexing;
   * progress tasks 'reindex' per batch, then 'reindexed' once the new index is in use or 'reindex-stopped' with why
   * the old one stays). Otherwise the open indexes before it returns.
   */
  background?: boolean;
}

export const DEFAULT_COLLECTION: CollectionOptions = { seed: 1, images: 1000, clips: 300, tcot: 'reasoner' };

export interface LibraryItem {
  id: string;
  source: 'builtin' | 'user';
  kind: 'image' | 'clip';
  name: string;
  /** The world's caption (built-in items). */
  caption?: string;
  width: number;
  height: number;
  frames: number;
}

export interface LibrarySummary {
  collection: CollectionOptions;
  builtinCount: number;
  /** The built-in collection came from the IndexedDB cache (no model work). */
  fromCache: boolean;
  /** The built-in collection came from the index shipped beside the models (no model work). */
  fromShipped: boolean;
  /** Why a shipped index was not used (made by other models, unreadable), when one was asked for. */
  shippedNote?: string;
  /** Indexing stopped early (cancelled): what is done is searchable and kept for the next open, the rest is not indexed. */
  partial: boolean;
  /** Items indexed on an earlier visit (a closed tab, a cancel) that this open kept instead of indexing again. */
  resumedItems?: number;
  /** The collection is being indexed again in the background while another Reasoner's index serves (`background`). */
  reindexing?: { standIn: 'previous' | 'shipped'; total: number };
  userItems: LibraryItem[];
  /** Index size (rows searchable). */
  size: number;
  ms: number;
  /** The models' keys the cache is tied to. */
  modelKey: string;
}

/** A file handed to the engine. Images decode in the worker; videos are sampled on the page (frames). */
export type MediaInput =
  | { kind: 'image'; name: string; blob: Blob }
  | { kind: 'clip'; name: string; fileBytes: number; frames: Uint8Array[]; width: number; height: number };

export type AddResult =
  | { name: string; ok: true; item: LibraryItem }
  | { name: string; ok: false; code: MediaErrorCode | 'cancelled'; message: string };

export interface ThumbImage {
  width: number;
  height: number;
  rgba: Uint8Array;
}

export type SearchQuery =
  { kind: 'text'; text: string } | { kind: 'item'; id: string } | { kind: 'media'; input: MediaInput };

/** Which items a search ranks: 'auto' follows the instruction ("find a video…" → clips), else everything. */
export type ResultFilter = 'auto' | 'all' | 'image' | 'clip' | 'user';

export interface SearchOptions {
  k?: number;
  instruction?: string;
  /** Default 'auto'. */
  filter?: ResultFilter;
}

export interface Hit {
  id: string;
  score: number;
  item: LibraryItem;
}

/** What one side of a retrieval looked like to the models: the T-CoT, the input and the evidence. */
export interface Trace {
  /** The item traced, or null for a query. */
  id: string | null;
  modality: 'text' | 'image' | 'clip';
  /** T-CoT token ids (up to <eos>). */
  tokens: number[];
  source: 'reasoner' | 'teacher' | 'cache';
  /** The input's text (text queries, captions are not part of a candidate). */
  text?: string;
  instruction?: string;
  /** The input as shown (an image, or every frame of a clip), at display resolution. */
  frames: ThumbImage[];
  /** What the Embedder received: its global view (one image per view frame) and the evidence items. */
  embedderSaw: { global: ThumbImage[]; evidence: { label: string; image: ThumbImage }[] };
}

export interface SearchResult {
  withTcot: Hit[];
  withoutTcot: Hit[];
  query: Trace;
  /**
   * Milliseconds: `plain` until the no-T-CoT ranking was ready (embedding + top-k, before any reasoning),
   * then reasoning the query, embedding it with its T-CoT, that top-k, and the total.
   */
  timings: { plain: number; reason: number; embed: number; search: number; total: number };
  /**
   * Set while the collection is indexed again behind the index in use (LibraryOptions.background): the items'
   * T-CoTs and embeddings are those of another Reasoner ('previous': the one in use before; 'shipped': the index
   * shipped with the built-in models), while the query's T-CoT is the current Reasoner's.
   */
  staleIndex?: 'previous' | 'shipped';
}

/** T-CoT tokens as they are decoded, in small batches (one cross-thread call per batch). */
export type TokenCallback = (tokens: number[]) => void;

/** The ranking without T-CoT, as soon as it is ready (before the Reasoner has written anything). */
export type PlainCallback = (hits: Hit[], ms: number) => void;
