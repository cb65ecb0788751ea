// The engine's library: the built-in collection and the user's own media, each item with its candidate-side
// T-CoT and two embeddings (with and without T-CoT), searchable by brute-force cosine top-k on the active
// backend. Persistence is src/media/store.ts (IndexedDB); the built-in collection is cached there per
// (collection settings, model hashes), so a second start does no model work.
import { checkBlob, decodeImage, downsample, MAX_IMAGE_SIDE, THUMB_SIDE, type Rgba } from '../media/decode';
import { MediaError, errorMessage } from '../media/errors';
import { embeddingKey, LibraryStore, storageUse, tcotKey, type CollectionRecord, type ItemRecord, type MediaRecord, type StorageUse } from '../media/store';
import type { Embedder, EmbedItem } from '../models/embedder';
import { embedItemFor, expectedEvidenceKey, readTcot, evidenceFor, reasonerInputFor, reasoningInstruction } from '../models/inputs';
import { resizeArea, sampleFrameIndices, type VisualInput } from '../models/preprocess';
import type { Reasoner } from '../models/reasoner';
import { seededRng } from '../models/rng';
import { EmbeddingIndex } from '../retrieval/search';
import { decodeShippedIndex, ShippedIndexError } from './shipped-index';
import { staleFinetunedKey } from './library-models';
import { VOCAB } from '../tcot/default';
import { encodeTCoT } from '../tcot/encode';
import { annotate } from '../world/annotator';
import { renderClip } from '../world/clip';
import { hashSeed } from '../world/rng';
import { renderScene } from '../world/scene';
import { builtinCollection } from '../world/suite';
import { instructionTarget } from '../world/tasks';
import { CLIP_FRAMES, CLIP_SIZE, IMAGE_SIZE, type WorldInput } from '../world/types';
import {
  DEFAULT_COLLECTION,
  type AddResult,
  type CollectionOptions,
  type Hit,
  type LibraryItem,
  type LibraryOptions,
  type LibrarySummary,
  type MediaInput,
  type SearchOptions,
  type SearchQuery,
  type SearchResult,
  type ThumbImage,
  type PlainCallback,
  type TokenCallback,
  type Trace,
} from './library-types';
import type { ProgressCallback } from './types';
import { nextTick } from './tick';

const EOS = VOCAB.id('<eos>');
/** Items reasoned about and embedded together while indexing (LibraryOptions.batch). */
const BATCH = 8;
/** How often (ms) indexing saves what it has done, so a closed tab loses at most this much work. */
const PARTIAL_SAVE_MS = 4000;
/** The record that holds a collection's indexing so far (complete records live under the key itself). */
const partialKey = (cacheKey: string) => `${cacheKey}|partial`;
const TOKEN_FLUSH_MS = 50;
/** How inputs without an instruction are prompted (part of every cache key: a change re-indexes). */
const REASONING = 'caption-instruction';

export interface LibraryModels {
  embedder: Embedder;
  reasoner: Reasoner;
  /** Identifies the weights: caches are valid only for the same models. */
  embedderKey: string;
  reasonerKey: string;
}

interface Entry extends LibraryItem {
  /** Built-in items: the world input (rendered on demand). */
  world?: WorldInput;
}

export class CancelledError extends Error {
  override name = 'CancelledError';
}


async function fetchBytes(url: string): Promise<ArrayBuffer> {
  const res = await fetch(url);
  if (!res.ok) throw new ShippedIndexError(`HTTP ${res.status} for ${url}`);
  return res.arrayBuffer();
}

/** [-1, 1] RGB floats (resizeArea's output) → RGBA bytes, for showing what the Embedder read. */
function floatsToRgba(pixels: Float32Array, size: number): ThumbImage {
  const rgba = new Uint8Array(size * size * 4);
  for (let i = 0; i < size * size; i++) {
    for (let c = 0; c < 3; c++) rgba[i * 4 + c] = Math.max(0, Math.min(255, Math.round((pixels[i * 3 + c]! / 2 + 0.5) * 255)));
    rgba[i * 4 + 3] = 255;
  }
  return { width: size, height: size, rgba };
}

function worldVisualOf(input: WorldInput): VisualInput | undefined {
  if (input.modality === 'image') return { kind: 'image', rgba: renderScene(input.scene), width: IMAGE_SIZE, height: IMAGE_SIZE };
  if (input.modality === 'video') return { kind: 'clip', frames: renderClip(input.clip), width: CLIP_SIZE, height: CLIP_SIZE };
  return undefined;
}

function thumbOf(visual: VisualInput): ThumbImage {
  const first = visual.kind === 'image' ? visual.rgba : visual.frames[0]!;
  return downsample({ rgba: first, width: visual.width, height: visual.height }, THUMB_SIDE);
}

export class Library {
  private store: LibraryStore | null = null;
  private entries = new Map<string, Entry>();
  private tcots = new Map<string, Int32Array>();
  /** Each item's two embeddings, kept for the cache (the indices hold them on the backend). */
  private vectors = new Map<string, { withTcot: Float32Array; withoutTcot: Float32Array }>();
  private withTcot: EmbeddingIndex | null = null;
  private withoutTcot: EmbeddingIndex | null = null;
  private options: CollectionOptions = DEFAULT_COLLECTION;
  private cancelled = false;
  private maxNewTokens = 80;
  private idCounter = 0;

  constructor(
    private readonly models: () => LibraryModels,
    private readonly openStore: () => Promise<LibraryStore | null> = async () => (typeof indexedDB === 'undefined' ? null : LibraryStore.open()),
    private readonly fetchShipped: (url: string) => Promise<ArrayBuffer> = fetchBytes,
  ) {}

  /** Ask the running indexing/adding loop to stop after its current batch. */
  cancel(): void {
    this.cancelled = true;
  }

  private modelKey(m: LibraryModels) {
    return `${m.embedderKey}+${this.reasonKey(m)}`;
  }

  /** Stored T-CoTs are valid for these Reasoner weights under this way of prompting them. */
  private reasonKey(m: LibraryModels) {
    return `${m.reasonerKey}/${REASONING}`;
  }

  /** Index the built-in collection (from the cache when it can) and restore the user's items. */
  async open(opts: LibraryOptions = {}, onProgress?: ProgressCallback): Promise<LibrarySummary> {
    const t0 = performance.now();
    const m = this.models();
    this.options = { ...DEFAULT_COLLECTION, ...opts.collection };
    this.maxNewTokens = opts.maxNewTokens ?? 80;
    this.cancelled = false;
    this.store ??= await this.openStore();
    this.withTcot?.clear();
    this.withoutTcot?.clear();
    this.withTcot = new EmbeddingIndex(m.embedder.config.outDim);
    this.withoutTcot = new EmbeddingIndex(m.embedder.config.outDim);
    this.entries.clear();
    this.tcots.clear();
    this.vectors.clear();

    const { images, clips } = builtinCollection({ seed: this.options.seed, images: this.options.images, clips: this.options.clips });
    const builtin: Entry[] = [
      ...images.map((c): Entry => ({ id: c.id, source: 'builtin', kind: 'image', name: c.id, caption: c.caption, width: IMAGE_SIZE, height: IMAGE_SIZE, frames: 1, world: { modality: 'image', scene: c.scene } })),
      ...clips.map((c): Entry => ({ id: c.id, source: 'builtin', kind: 'clip', name: c.id, caption: c.caption, width: CLIP_SIZE, height: CLIP_SIZE, frames: CLIP_FRAMES, world: { modality: 'video', clip: c.clip } })),
    ];
    for (const e of builtin) this.entries.set(e.id, e);

    const cacheKey = this.collectionKey(m);
    let cached = await this.store?.collection(cacheKey).catch(() => undefined);
    let fromCache = false;
    let fromShipped = false;
    let shippedNote: string | undefined;
    let partial = false;
    let resumedItems = 0;
    if (!(cached && cached.ids.length === builtin.length) && opts.shippedIndexUrl) {
      const shipped = await this.shippedRecord(opts.shippedIndexUrl, cacheKey, builtin);
      if ('note' in shipped) shippedNote = shipped.note;
      else {
        cached = shipped.record;
        fromShipped = true;
        // Kept in this browser too, so later visits need neither the network nor the file.
        await this.store?.putCollection(shipped.record).catch(() => undefined);
      }
    }
    if (cached && cached.ids.length === builtin.length) {
      this.loadRecord(cached);
      fromCache = !fromShipped;
      onProgress?.({ task: 'index', done: builtin.length, total: builtin.length, message: fromShipped ? 'Built-in collection loaded from the index shipped with the models' : 'Built-in collection loaded from this browser’s cache' });
    } else {
      const run = await this.indexBuiltin(builtin, m, cacheKey, opts.batch ?? BATCH, opts.partialSaveMs ?? PARTIAL_SAVE_MS, onProgress);
      partial = !run.complete;
      resumedItems = run.resumed;
      if (!partial && this.store) {
        // A full quota only loses the cache (the next start indexes again), never the session.
        await this.store.putCollection(this.collectionRecord(cacheKey)).catch(() => undefined);
        await this.store.deleteCollection(partialKey(cacheKey)).catch(() => undefined);
      }
    }
    await this.restoreUserItems(m, onProgress);
    // What an earlier fine-tuned Reasoner derived is never read again (a new run or import makes a new one):
    // free it, keeping the built-in models' data (so going back is instant) and the fine-tuned one in use.
    await this.store?.pruneDerived((key) => staleFinetunedKey(key, m.reasonerKey)).catch(() => 0);
    return {
      collection: this.options,
      builtinCount: builtin.length,
      fromCache,
      fromShipped,
      ...(shippedNote ? { shippedNote } : {}),
      partial,
      ...(resumedItems ? { resumedItems } : {}),
      userItems: this.userItems(),
      size: this.withTcot.size,
      ms: performance.now() - t0,
      modelKey: this.modelKey(m),
    };
  }

  /** A collection record's items into the indexes, T-CoTs and vectors. */
  private loadRecord(r: CollectionRecord) {
    this.withTcot!.upsert(r.ids, r.withTcot);
    this.withoutTcot!.upsert(r.ids, r.withoutTcot);
    const d = r.dim;
    r.ids.forEach((id, i) => {
      this.tcots.set(id, r.tokens.slice(r.offsets[i], r.offsets[i + 1]));
      this.vectors.set(id, { withTcot: r.withTcot.slice(i * d, (i + 1) * d), withoutTcot: r.withoutTcot.slice(i * d, (i + 1) * d) });
    });
  }

  /** The key the built-in collection's cache and shipped index are stored under, for these models and settings. */
  private collectionKey(m: LibraryModels): string {
    const o = this.options;
    return `builtin|${o.seed}|${o.images}|${o.clips}|${o.tcot}|${this.maxNewTokens}|${this.modelKey(m)}`;
  }

  /** The built-in collection as indexed now (every item reasoned about and embedded), for the cache or shipping. */
  collectionRecord(key = this.collectionKey(this.models())): CollectionRecord {
    return this.recordOf(key, [...this.entries.values()].filter((e) => e.source === 'builtin').map((e) => e.id));
  }

  /** A collection record of these indexed items (every one must be reasoned about and embedded). */
  private recordOf(key: string, ids: string[]): CollectionRecord {
    const dim = this.models().embedder.config.outDim;
    const missing = ids.find((id) => !this.tcots.has(id) || !this.vectors.has(id));
    if (missing) throw new Error(`the built-in collection is not fully indexed (${missing} is missing)`);
    const offsets = new Int32Array(ids.length + 1);
    ids.forEach((id, i) => (offsets[i + 1] = offsets[i]! + this.tcots.get(id)!.length));
    const tokens = new Int32Array(offsets[ids.length]!);
    ids.forEach((id, i) => tokens.set(this.tcots.get(id)!, offsets[i]));
    return { key, ids, dim, withTcot: this.matrix(ids, 'withTcot', dim), withoutTcot: this.matrix(ids, 'withoutTcot', dim), tokens, offsets, createdAt: Date.now() };
  }

  /**
   * Built-in items reasoned about and embedded again with the models, as indexing would (the index is not
   * touched): how a shipped or cached index is checked against a live one.
   */
  async recompute(ids: string[]): Promise<{ id: string; tcot: Int32Array; withTcot: Float32Array; withoutTcot: Float32Array }[]> {
    const m = this.models();
    const entries = ids.map((id) => {
      const e = this.entries.get(id);
      if (!e?.world) throw new Error(`${id} is not a built-in item`);
      return e;
    });
    const visuals = entries.map((e) => worldVisualOf(e.world!));
    const tcots = this.options.tcot === 'teacher' ? entries.map((e) => this.teacherTcot(e.world!, e.id)) : await this.reason(m.reasoner, visuals.map((v) => ({ visual: v })));
    const { withTcot, withoutTcot } = await this.embedPair(m, visuals.map((visual) => ({ visual })), tcots);
    return ids.map((id, i) => ({ id, tcot: tcots[i]!, withTcot: withTcot[i]!, withoutTcot: withoutTcot[i]! }));
  }

  /** What the index holds for an item: its T-CoT and two embeddings. */
  stored(id: string): { tcot: Int32Array; withTcot: Float32Array; withoutTcot: Float32Array } | undefined {
    const v = this.vectors.get(id);
    const tcot = this.tcots.get(id);
    return v && tcot ? { tcot, ...v } : undefined;
  }

  /** The shipped index when it was made for exactly this collection and these models; otherwise why not. */
  private async shippedRecord(url: string, key: string, builtin: Entry[]): Promise<{ record: CollectionRecord } | { note: string }> {
    let record: CollectionRecord;
    try {
      record = decodeShippedIndex(await this.fetchShipped(url));
    } catch (err) {
      return { note: `the shipped index could not be read (${errorMessage(err)}); indexing live` };
    }
    if (record.key !== key) return { note: 'the shipped index was made by other models or settings; indexing live' };
    if (record.ids.length !== builtin.length || record.ids.some((id, i) => id !== builtin[i]!.id)) return { note: 'the shipped index lists other items than this collection; indexing live' };
    if (record.dim !== this.models().embedder.config.outDim) return { note: 'the shipped index has another embedding size; indexing live' };
    return { record };
  }

  /** Returns false when cancelled part-way. */
  /**
   * Reason about and embed the built-in items in batches. What is done is saved every few seconds under the
   * cache key's partial record, so a closed tab (or a cancel) keeps it: the next open loads those items and
   * indexes only the rest. Returns whether every item is indexed, and how many came from a partial record.
   */
  private async indexBuiltin(builtin: Entry[], m: LibraryModels, cacheKey: string, batchSize: number, saveMs: number, onProgress?: ProgressCallback): Promise<{ complete: boolean; resumed: number }> {
    const t0 = performance.now();
    const dim = m.embedder.config.outDim;
    const kept = await this.store?.collection(partialKey(cacheKey)).catch(() => undefined);
    const known = new Set(builtin.map((e) => e.id));
    let resumed = 0;
    if (kept && kept.dim === dim && kept.ids.every((id) => known.has(id))) {
      this.loadRecord(kept);
      resumed = kept.ids.length;
    }
    const todo = builtin.filter((e) => !this.vectors.has(e.id));
    const resumedNote = resumed ? `; ${resumed} kept from an earlier visit` : '';
    if (resumed) onProgress?.({ task: 'index', done: resumed, total: builtin.length, message: `Resuming indexing: ${resumed} of ${builtin.length} items were indexed on an earlier visit and are kept; indexing the other ${todo.length}` });
    let savedAt = performance.now();
    const savePartial = async () => {
      const ids = builtin.filter((e) => this.vectors.has(e.id)).map((e) => e.id);
      if (ids.length > resumed) await this.store?.putCollection(this.recordOf(partialKey(cacheKey), ids)).catch(() => undefined);
      savedAt = performance.now();
    };
    for (let start = 0; start < todo.length; start += batchSize) {
      if (this.cancelled) {
        await savePartial();
        return { complete: false, resumed };
      }
      const batch = todo.slice(start, start + batchSize);
      const visuals = batch.map((e) => worldVisualOf(e.world!));
      const tcots =
        this.options.tcot === 'teacher'
          ? batch.map((e) => this.teacherTcot(e.world!, e.id))
          : await this.reason(m.reasoner, visuals.map((v) => ({ visual: v })));
      await this.embedInto(m, batch.map((e) => e.id), visuals, tcots);
      const fresh = Math.min(todo.length, start + batchSize);
      const done = resumed + fresh;
      const rate = fresh / ((performance.now() - t0) / 1000);
      onProgress?.({ task: 'index', done, total: builtin.length, message: `Indexing the built-in collection: ${done} / ${builtin.length} (${rate.toFixed(1)} items/s${resumedNote})` });
      if (fresh < todo.length && performance.now() - savedAt >= saveMs) await savePartial();
      await nextTick(); // let a cancel() call in
    }
    return { complete: true, resumed };
  }

  private teacherTcot(input: WorldInput, id: string): Int32Array {
    const tcot = annotate(input, { mode: 'gold', seed: hashSeed(this.options.seed, 'library-tcot', id) });
    return Int32Array.from([...encodeTCoT(VOCAB, tcot).ids, EOS]);
  }

  /**
   * Greedy T-CoTs for a batch of inputs (one shared decode), cut at <eos>. The Reasoner was trained with a task
   * instruction on both sides, and without one the shipped model wrote no well-formed T-CoT for built-in items
   * (0 of 24, against 24 of 24 with one), so an input without an instruction — every library item, and a
   * query with none chosen — is reasoned about under its modality's caption-retrieval instruction.
   */
  private async reason(reasoner: Reasoner, parts: { visual?: VisualInput; text?: string; instruction?: string }[], onTokens?: TokenCallback): Promise<Int32Array[]> {
    const inputs = parts.map((p) => reasonerInputFor(VOCAB, { ...p, instruction: p.instruction || reasoningInstruction(p.visual) }));
    const c = reasoner.config;
    const vision = (v?: VisualInput) => (!v ? 0 : v.kind === 'image' ? (c.imageSize / c.patch) ** 2 : c.clipFrames * (c.clipSize / c.patch) ** 2);
    const prefix = Math.max(...inputs.map((inp) => vision(inp.visual) + inp.promptIds.length + 1));
    const maxNewTokens = Math.max(1, Math.min(this.maxNewTokens, c.maxLen - prefix));
    let pending: number[] = [];
    let last = performance.now();
    const out = await reasoner.generate(inputs, {
      n: 1,
      maxNewTokens,
      temperature: 0,
      rng: seededRng(1),
      stopId: EOS,
      onToken: onTokens
        ? (ev) => {
            if (ev.tokens[0]! >= 0) pending.push(ev.tokens[0]!);
            if (performance.now() - last > TOKEN_FLUSH_MS) {
              onTokens(pending);
              pending = [];
              last = performance.now();
            }
          }
        : undefined,
    });
    if (onTokens && pending.length) onTokens(pending);
    return out.tokens.map((t) => readTcot(VOCAB, t).ids);
  }

  /** The Embedder item, with the T-CoT cut so the item fits the Embedder's maxLen. */
  private embedItem(m: LibraryModels, parts: { visual?: VisualInput; text?: string; instruction?: string }, tcot: Int32Array | null): EmbedItem {
    const ec = m.embedder.config;
    let ids = tcot;
    for (;;) {
      const item = embedItemFor(VOCAB, { ...parts, tcotIds: ids }, { maxEvidence: Math.min(3, ec.maxEvidence) });
      const length = m.embedder.itemLength(item);
      if (length <= ec.maxLen || !ids || ids.length === 0) return item;
      ids = ids.slice(0, Math.max(0, ids.length - (length - ec.maxLen)));
    }
  }

  private async embedPair(m: LibraryModels, parts: { visual?: VisualInput; text?: string; instruction?: string }[], tcots: (Int32Array | null)[]) {
    const items = [...parts.map((p, i) => this.embedItem(m, p, tcots[i]!)), ...parts.map((p) => this.embedItem(m, p, null))];
    const vectors = await m.embedder.embedData(items, BATCH * 2);
    return { withTcot: vectors.slice(0, parts.length), withoutTcot: vectors.slice(parts.length) };
  }

  private async embedInto(m: LibraryModels, ids: string[], visuals: (VisualInput | undefined)[], tcots: Int32Array[]) {
    const { withTcot, withoutTcot } = await this.embedPair(m, visuals.map((visual) => ({ visual })), tcots);
    const flat = (vs: Float32Array[]) => {
      const out = new Float32Array(vs.length * m.embedder.config.outDim);
      vs.forEach((v, i) => out.set(v, i * m.embedder.config.outDim));
      return out;
    };
    this.withTcot!.upsert(ids, flat(withTcot));
    this.withoutTcot!.upsert(ids, flat(withoutTcot));
    ids.forEach((id, i) => {
      this.tcots.set(id, tcots[i]!);
      this.vectors.set(id, { withTcot: withTcot[i]!, withoutTcot: withoutTcot[i]! });
    });
  }

  /** Row-major [ids.length, dim] of one kind of embedding. */
  private matrix(ids: string[], which: 'withTcot' | 'withoutTcot', dim: number): Float32Array {
    const out = new Float32Array(ids.length * dim);
    ids.forEach((id, i) => out.set(this.vectors.get(id)![which], i * dim));
    return out;
  }

  private async restoreUserItems(m: LibraryModels, onProgress?: ProgressCallback) {
    if (!this.store) return;
    const records = await this.store.items();
    let done = 0;
    for (const rec of records) {
      this.entries.set(rec.id, this.entryOf(rec));
      const emb = await this.store.embedding(rec.id, this.modelKey(m));
      const tcot = await this.store.tcot(rec.id, this.reasonKey(m));
      if (emb && tcot) {
        this.withTcot!.upsert([rec.id], emb.withTcot);
        this.withoutTcot!.upsert([rec.id], emb.withoutTcot);
        this.tcots.set(rec.id, tcot.tokens);
        this.vectors.set(rec.id, { withTcot: emb.withTcot, withoutTcot: emb.withoutTcot });
      } else {
        // Stored under other models: reason and embed again with these.
        const visual = await this.userVisual(rec.id);
        const [tokens] = await this.reason(m.reasoner, [{ visual }]);
        await this.embedInto(m, [rec.id], [visual], [tokens!]);
        const { withTcot: w, withoutTcot: wo } = this.vectors.get(rec.id)!;
        await this.store
          .putDerived({ key: embeddingKey(rec.id, this.modelKey(m)), id: rec.id, modelKey: this.modelKey(m), withTcot: w, withoutTcot: wo }, { key: tcotKey(rec.id, this.reasonKey(m)), id: rec.id, tokens: tokens! })
          .catch(() => undefined);
      }
      onProgress?.({ task: 'restore', done: ++done, total: records.length, message: `Restoring your items: ${done} / ${records.length}` });
    }
  }

  private entryOf(rec: ItemRecord): Entry {
    return { id: rec.id, source: 'user', kind: rec.kind, name: rec.name, width: rec.width, height: rec.height, frames: rec.frames };
  }

  private userItems(): LibraryItem[] {
    return [...this.entries.values()].filter((e) => e.source === 'user').map(publicItem);
  }

  items(): LibraryItem[] {
    return [...this.entries.values()].map(publicItem);
  }

  private async userVisual(id: string): Promise<VisualInput> {
    const media = await this.store?.media(id);
    if (!media) throw new Error(`no stored media for ${id}`);
    return this.entries.get(id)?.kind === 'clip'
      ? { kind: 'clip', frames: media.frames, width: media.width, height: media.height }
      : { kind: 'image', rgba: media.frames[0]!, width: media.width, height: media.height };
  }

  /** The full-resolution pixels of an item (undefined for none), as the models read them: fine-tuning's pairs. */
  inputOf(id: string): Promise<VisualInput | undefined> {
    return this.visualOf(id);
  }

  private async visualOf(id: string): Promise<VisualInput | undefined> {
    const e = this.entries.get(id);
    if (!e) throw new Error(`no item "${id}" in the library`);
    return e.world ? worldVisualOf(e.world) : this.userVisual(id);
  }

  /** Decode a media input to the pixels the models read (throws MediaError). */
  private async decode(input: MediaInput): Promise<{ visual: VisualInput; fileBytes: number }> {
    if (input.kind === 'image') {
      const sniffed = await checkBlob(input.name, input.blob);
      if (sniffed.kind !== 'image') throw new MediaError('unsupported', 'this is a video; videos are read on the page, not here', input.name);
      const img = await decodeImage(input.name, input.blob, sniffed, MAX_IMAGE_SIDE);
      return { visual: { kind: 'image', ...img }, fileBytes: input.blob.size };
    }
    if (input.frames.length === 0 || input.width < 1 || input.height < 1) throw new MediaError('corrupt', 'no frames could be read from the video', input.name);
    return { visual: { kind: 'clip', frames: input.frames, width: input.width, height: input.height }, fileBytes: input.fileBytes };
  }

  /** Add the user's files: each decoded, reasoned about, embedded and stored on its own; errors stay per file. */
  async add(inputs: MediaInput[], onProgress?: ProgressCallback): Promise<AddResult[]> {
    const m = this.models();
    if (!this.withTcot) throw new Error('open the library first');
    this.cancelled = false;
    const results: AddResult[] = [];
    const t0 = performance.now();
    for (const [i, input] of inputs.entries()) {
      if (this.cancelled) {
        results.push({ name: input.name, ok: false, code: 'cancelled', message: `${input.name}: cancelled before it was added` });
        continue;
      }
      try {
        const { visual, fileBytes } = await this.decode(input);
        const [tokens] = await this.reason(m.reasoner, [{ visual }]);
        const id = `user-${Date.now().toString(36)}-${(this.idCounter++).toString(36)}`;
        const { withTcot, withoutTcot } = await this.embedPair(m, [{ visual }], [tokens!]);
        const rec: ItemRecord = { id, name: input.name, kind: visual.kind, width: visual.width, height: visual.height, frames: visual.kind === 'clip' ? visual.frames.length : 1, fileBytes, addedAt: Date.now() + i / 1000 };
        const media: MediaRecord = { id, width: visual.width, height: visual.height, frames: visual.kind === 'image' ? [visual.rgba] : visual.frames };
        // One transaction: the item is stored completely or not at all (MediaError 'quota' when full).
        await this.store?.putItem({
          item: rec,
          media,
          thumb: { id, ...thumbOf(visual) },
          embedding: { key: embeddingKey(id, this.modelKey(m)), id, modelKey: this.modelKey(m), withTcot: withTcot[0]!, withoutTcot: withoutTcot[0]! },
          tcot: { key: tcotKey(id, this.reasonKey(m)), id, tokens: tokens! },
        });
        this.entries.set(id, this.entryOf(rec));
        this.withTcot.upsert([id], withTcot[0]!);
        this.withoutTcot!.upsert([id], withoutTcot[0]!);
        this.tcots.set(id, tokens!);
        this.vectors.set(id, { withTcot: withTcot[0]!, withoutTcot: withoutTcot[0]! });
        results.push({ name: input.name, ok: true, item: publicItem(this.entries.get(id)!) });
      } catch (err) {
        const e = err instanceof MediaError ? err : new MediaError('corrupt', errorMessage(err), input.name);
        results.push({ name: input.name, ok: false, code: e.code, message: e.message });
      }
      const done = i + 1;
      const rate = done / ((performance.now() - t0) / 1000);
      onProgress?.({ task: 'add', done, total: inputs.length, message: `${input.name} (${rate.toFixed(2)} files/s)` });
      await nextTick();
    }
    return results;
  }

  async remove(id: string): Promise<void> {
    const e = this.entries.get(id);
    if (!e || e.source !== 'user') throw new Error(`"${id}" is not one of your items`);
    await this.store?.remove(id);
    this.entries.delete(id);
    this.tcots.delete(id);
    this.vectors.delete(id);
    this.withTcot?.remove([id]);
    this.withoutTcot?.remove([id]);
  }

  async clear(): Promise<void> {
    await this.store?.clearItems();
    const ids = this.userItems().map((i) => i.id);
    for (const id of ids) {
      this.entries.delete(id);
      this.tcots.delete(id);
      this.vectors.delete(id);
    }
    this.withTcot?.remove(ids);
    this.withoutTcot?.remove(ids);
  }

  storage(): Promise<StorageUse> {
    return storageUse();
  }

  async thumbnail(id: string): Promise<ThumbImage | null> {
    const e = this.entries.get(id);
    if (!e) return null;
    if (e.world) return thumbOf(worldVisualOf(e.world)!);
    const t = await this.store?.thumb(id);
    return t ? { width: t.width, height: t.height, rgba: t.rgba } : null;
  }

  /** Every frame of a clip at thumbnail size (the filmstrip), or the image. */
  async frames(id: string): Promise<ThumbImage[]> {
    const visual = await this.visualOf(id);
    return visual ? framesOf(visual) : [];
  }

  /**
   * Rank without the T-CoT first (one cheap embedding; `onPlain` gets it at once), then let the query's T-CoT
   * stream in, embed the query with it and rank again.
   */
  async search(query: SearchQuery, opts: SearchOptions = {}, onTokens?: TokenCallback, onPlain?: PlainCallback): Promise<SearchResult> {
    const m = this.models();
    const withIndex = this.withTcot;
    const withoutIndex = this.withoutTcot;
    if (!withIndex || !withoutIndex) throw new Error('open the library first');
    const t0 = performance.now();
    const instruction = opts.instruction || undefined;
    let parts: { visual?: VisualInput; text?: string; instruction?: string };
    let world: WorldInput | undefined;
    if (query.kind === 'text') {
      parts = { text: query.text, instruction };
      world = { modality: 'text', text: query.text };
    } else if (query.kind === 'item') {
      parts = { visual: await this.visualOf(query.id), instruction };
      world = this.entries.get(query.id)!.world;
    } else {
      parts = { visual: (await this.decode(query.input)).visual, instruction };
    }
    const k = Math.min(opts.k ?? 12, withIndex.size);
    const filter = opts.filter === undefined || opts.filter === 'auto' ? (instructionTarget(instruction) ?? 'all') : opts.filter;
    const keep = filter === 'all' ? undefined : (id: string) => {
      const e = this.entries.get(id);
      return !!e && (filter === 'user' ? e.source === 'user' : e.kind === filter);
    };
    const hits = (hs: { id: string; score: number }[] | undefined): Hit[] => (hs ?? []).map((h) => ({ id: h.id, score: h.score, item: publicItem(this.entries.get(h.id)!) }));

    const [plainVector] = await m.embedder.embedData([this.embedItem(m, parts, null)]);
    const [plain] = await withoutIndex.search(plainVector!, k, keep);
    const tPlain = performance.now();
    onPlain?.(hits(plain), tPlain - t0);

    let tokens: Int32Array;
    let source: Trace['source'];
    if (this.options.tcot === 'teacher' && world) {
      // An item as the query gets the T-CoT it got as a candidate (same seed): with no instruction, it is its own nearest neighbour.
      tokens = this.teacherTcot(world, query.kind === 'item' ? query.id : `query:${query.kind === 'text' ? query.text : ''}`);
      onTokens?.(Array.from(tokens));
      source = 'teacher';
    } else {
      [tokens] = (await this.reason(m.reasoner, [parts], onTokens)) as [Int32Array];
      source = 'reasoner';
    }
    const t1 = performance.now();
    const [tcotVector] = await m.embedder.embedData([this.embedItem(m, parts, tokens)]);
    const t2 = performance.now();
    const [reasoned] = await withIndex.search(tcotVector!, k, keep);
    const t3 = performance.now();
    return {
      withTcot: hits(reasoned),
      withoutTcot: hits(plain),
      query: this.traceOf(m, null, parts, tokens, source),
      timings: { plain: tPlain - t0, reason: t1 - tPlain, embed: t2 - t1, search: t3 - t2, total: t3 - t0 },
    };
  }

  /** The candidate side of an item: its cached T-CoT, the item, and what the Embedder read. */
  async trace(id: string): Promise<Trace> {
    const m = this.models();
    const tokens = this.tcots.get(id);
    if (!tokens) throw new Error(`no T-CoT for "${id}"`);
    const visual = await this.visualOf(id);
    return this.traceOf(m, id, { visual }, tokens, 'cache');
  }

  private traceOf(m: LibraryModels, id: string | null, parts: { visual?: VisualInput; text?: string; instruction?: string }, tokens: Int32Array, source: Trace['source']): Trace {
    const ec = m.embedder.config;
    const visual = parts.visual;
    const global: ThumbImage[] = [];
    if (visual?.kind === 'image') global.push(floatsToRgba(resizeArea(visual, ec.globalSize, ec.globalSize), ec.globalSize));
    if (visual?.kind === 'clip') {
      for (const f of sampleFrameIndices(visual.frames.length, ec.globalFrames)) {
        global.push(floatsToRgba(resizeArea({ rgba: visual.frames[f]!, width: visual.width, height: visual.height }, ec.globalClipSize, ec.globalClipSize), ec.globalClipSize));
      }
    }
    const view = readTcot(VOCAB, tokens, expectedEvidenceKey(visual));
    const evidence = evidenceFor(visual, view.pointers, { maxEvidence: Math.min(3, ec.maxEvidence) }).map((ev, i) => ({
      label: ev.kind === 'frame' ? `key frame ${ev.frameIndex}` : `box ${i + 1}`,
      image: floatsToRgba(resizeArea(ev.image, ec.evidenceSize, ec.evidenceSize, ev.kind === 'crop' ? ev.region : undefined), ec.evidenceSize),
    }));
    return {
      id,
      modality: visual ? visual.kind : 'text',
      tokens: Array.from(tokens),
      source,
      text: parts.text,
      instruction: parts.instruction,
      frames: visual ? framesOf(visual) : [],
      embedderSaw: { global, evidence },
    };
  }
}

function framesOf(visual: VisualInput): ThumbImage[] {
  const list = visual.kind === 'image' ? [visual.rgba] : visual.frames;
  const side = visual.kind === 'image' ? 384 : THUMB_SIDE;
  return list.map((rgba) => downsample({ rgba, width: visual.width, height: visual.height }, side) as Rgba);
}

function publicItem(e: Entry): LibraryItem {
  const { world: _world, ...item } = e;
  return item;
}
