// What the library holds for every indexed item: its candidate-side T-CoT and two embeddings (with and without
// the T-CoT), in two search indexes on the backend and as host copies for the caches.
import type { CollectionRecord } from '../../media/store';
import { EmbeddingIndex } from '../../retrieval/search';

export interface Indexed {
  tcot: Int32Array;
  withTcot: Float32Array;
  withoutTcot: Float32Array;
}

export class ItemIndex {
  readonly withTcot: EmbeddingIndex;
  readonly withoutTcot: EmbeddingIndex;
  private readonly items = new Map<string, Indexed>();

  constructor(readonly dim: number) {
    this.withTcot = new EmbeddingIndex(dim);
    this.withoutTcot = new EmbeddingIndex(dim);
  }

  get size(): number {
    return this.withTcot.size;
  }

  ids(): string[] {
    return [...this.items.keys()];
  }

  has(id: string): boolean {
    return this.items.has(id);
  }

  get(id: string): Indexed | undefined {
    return this.items.get(id);
  }

  /** Add or replace items (one upsert per index). */
  put(ids: string[], items: Indexed[]): void {
    const flat = (which: 'withTcot' | 'withoutTcot') => {
      const out = new Float32Array(ids.length * this.dim);
      items.forEach((it, i) => out.set(it[which], i * this.dim));
      return out;
    };
    this.withTcot.upsert(ids, flat('withTcot'));
    this.withoutTcot.upsert(ids, flat('withoutTcot'));
    ids.forEach((id, i) => this.items.set(id, items[i]!));
  }

  /** A collection record's items (cached or shipped) into the index. */
  load(r: CollectionRecord): void {
    this.withTcot.upsert(r.ids, r.withTcot);
    this.withoutTcot.upsert(r.ids, r.withoutTcot);
    const d = r.dim;
    r.ids.forEach((id, i) => {
      this.items.set(id, {
        tcot: r.tokens.slice(r.offsets[i], r.offsets[i + 1]),
        withTcot: r.withTcot.slice(i * d, (i + 1) * d),
        withoutTcot: r.withoutTcot.slice(i * d, (i + 1) * d),
      });
    });
  }

  /** A collection record of these items, under `key` (every one must be indexed). */
  record(key: string, ids: string[]): CollectionRecord {
    const missing = ids.find((id) => !this.items.has(id));
    if (missing) throw new Error(`the built-in collection is not fully indexed (${missing} is missing)`);
    const rows = ids.map((id) => this.items.get(id)!);
    const offsets = new Int32Array(ids.length + 1);
    rows.forEach((r, i) => (offsets[i + 1] = offsets[i]! + r.tcot.length));
    const tokens = new Int32Array(offsets[ids.length]!);
    rows.forEach((r, i) => tokens.set(r.tcot, offsets[i]));
    const matrix = (which: 'withTcot' | 'withoutTcot') => {
      const out = new Float32Array(ids.length * this.dim);
      rows.forEach((r, i) => out.set(r[which], i * this.dim));
      return out;
    };
    return {
      key,
      ids,
      dim: this.dim,
      withTcot: matrix('withTcot'),
      withoutTcot: matrix('withoutTcot'),
      tokens,
      offsets,
      createdAt: Date.now(),
    };
  }

  remove(ids: string[]): void {
    for (const id of ids) this.items.delete(id);
    this.withTcot.remove(ids);
    this.withoutTcot.remove(ids);
  }

  /** Free the backend copies (the index is not used again). */
  dispose(): void {
    this.withTcot.clear();
    this.withoutTcot.clear();
    this.items.clear();
  }
}
