// Brute-force retrieval: cosine top-k over every row, exact. Embeddings are L2-normalised by the Embedder, so
// the dot product is the cosine similarity.
//
// Layout (measured on WASM in Node, one thread, 100k × 128: src/engine/README.md):
// - the rows live on the host in one row-major Float32Array whose capacity doubles, so an upsert is an append in
//   place and a removal only marks its slot dead; dead slots are compacted (order kept) before the next search;
// - the backend holds the rows pre-transposed, as segments of at most `segmentRows` columns ([dim, n] each), so a
//   search is a plain matMul(queries, segment) per segment (the transposed-operand matmul it replaces is a slow
//   path on WASM: 13–19 ms against ~2.4 ms) and a change re-uploads only the segments it touched (an append:
//   the last one), lazily, on the next search;
// - top-k runs on the backend (tf.topk over the concatenated [Q, N] scores, after the `keep` mask).
import * as tf from '@tensorflow/tfjs-core';

export interface SearchHit {
  id: string;
  score: number;
  /** Row in the index (stable until a removal). */
  row: number;
}

export interface IndexOptions {
  /** Rows per backend segment; default 2^21 / dim (8 MiB of float32: 16,384 rows at dim 128). */
  segmentRows?: number;
}

export interface IndexMemory {
  /** The host copy, allocated capacity included. */
  hostBytes: number;
  /** The segments on the backend (a WASM matmul also keeps its own packed copy of each, not counted here). */
  deviceBytes: number;
  segments: number;
}

const SEGMENT_VALUES = 1 << 21;
const MIN_CAPACITY_ROWS = 64;

export class EmbeddingIndex {
  readonly segmentRows: number;
  private rows = new Float32Array(0); // [capacity, dim] row-major; slots [0, ids.length) in use
  private ids: (string | null)[] = []; // one per slot; null = removed, awaiting compaction
  private slotOf = new Map<string, number>();
  private compactFrom = Infinity; // the first dead slot
  private segments: tf.Tensor2D[] = []; // segment s = slots [s·segmentRows, …) as [dim, n]; stale ones are dropped

  constructor(
    readonly dim: number,
    opts: IndexOptions = {},
  ) {
    if (!Number.isInteger(dim) || dim < 1)
      throw new RangeError(`index dimension must be a positive integer, got ${dim}`);
    this.segmentRows = opts.segmentRows ?? Math.max(1, Math.floor(SEGMENT_VALUES / dim));
    if (!Number.isInteger(this.segmentRows) || this.segmentRows < 1)
      throw new RangeError(`segmentRows must be a positive integer, got ${opts.segmentRows}`);
  }

  get size(): number {
    return this.slotOf.size;
  }

  has(id: string): boolean {
    return this.slotOf.has(id);
  }

  /** Add or replace rows (a replaced id moves to the end). `vectors` is row-major [ids.length, dim]. */
  upsert(ids: readonly string[], vectors: Float32Array): void {
    if (vectors.length !== ids.length * this.dim) {
      throw new RangeError(`expected ${ids.length}×${this.dim} values, got ${vectors.length}`);
    }
    if (ids.length === 0) return;
    this.remove(ids);
    const start = this.ids.length;
    this.reserve(start + ids.length);
    this.rows.set(vectors, start * this.dim);
    ids.forEach((id, i) => {
      const previous = this.slotOf.get(id); // an id given twice in one call: the later row wins
      if (previous !== undefined) this.kill(previous);
      this.slotOf.set(id, start + i);
      this.ids.push(id);
    });
    this.staleFrom(start);
  }

  /** O(1) per id: the slot is marked dead and compacted away before the next search. */
  remove(ids: readonly string[]): void {
    for (const id of ids) {
      const slot = this.slotOf.get(id);
      if (slot === undefined) continue;
      this.slotOf.delete(id);
      this.kill(slot);
    }
  }

  clear(): void {
    this.staleFrom(0);
    this.rows = new Float32Array(0);
    this.ids = [];
    this.slotOf.clear();
    this.compactFrom = Infinity;
  }

  memory(): IndexMemory {
    const deviceBytes = this.segments.reduce((n, segment) => n + segment.size * 4, 0);
    return { hostBytes: this.rows.byteLength, deviceBytes, segments: this.segments.length };
  }

  /**
   * The k most similar rows to each query ([Q, dim] row-major, or one [dim] vector). With `keep`, only rows
   * whose id it accepts are ranked (a −∞ mask before top-k), so fewer than k may come back.
   */
  async search(queries: Float32Array, k: number, keep?: (id: string) => boolean): Promise<SearchHit[][]> {
    if (queries.length % this.dim !== 0)
      throw new RangeError(`query length ${queries.length} is not a multiple of ${this.dim}`);
    const q = queries.length / this.dim;
    this.compact();
    const ids = this.ids as string[]; // no dead slots after compact()
    if (ids.length === 0 || q === 0) return Array.from({ length: q }, () => []);
    const mask = keep ? Float32Array.from(ids, (id) => (keep(id) ? 0 : -Infinity)) : null;
    const allowed = mask ? mask.reduce((n, v) => n + (v === 0 ? 1 : 0), 0) : ids.length;
    const kk = Math.min(k, allowed);
    if (kk === 0) return Array.from({ length: q }, () => []);
    const segments = this.upload();
    const { values, indices } = tf.tidy(() => {
      const queryEmb = tf.tensor2d(queries, [q, this.dim]);
      const parts = segments.map((segment) => tf.matMul(queryEmb, segment)); // [Q, n] each
      const sims = parts.length === 1 ? parts[0]! : tf.concat(parts, 1); // [Q, N]
      return tf.topk(mask ? tf.add(sims, tf.tensor2d(mask, [1, mask.length])) : sims, kk, true);
    });
    const [vals, idx] = await Promise.all([values.data(), indices.data()]);
    tf.dispose([values, indices]);
    return Array.from({ length: q }, (_, i) =>
      Array.from({ length: kk }, (_, j) => {
        const row = idx[i * kk + j]!;
        return { id: ids[row]!, score: vals[i * kk + j]!, row };
      }),
    );
  }

  private kill(slot: number): void {
    this.ids[slot] = null;
    this.compactFrom = Math.min(this.compactFrom, slot);
  }

  /** Capacity doubles, so n appends copy O(n) rows in all. */
  private reserve(slots: number): void {
    const needed = slots * this.dim;
    if (needed <= this.rows.length) return;
    const grown = new Float32Array(Math.max(needed, 2 * this.rows.length, MIN_CAPACITY_ROWS * this.dim));
    grown.set(this.rows.subarray(0, this.ids.length * this.dim));
    this.rows = grown;
  }

  /** Drops the dead slots, keeping the order of the live ones: one pass over the rows from the first dead slot. */
  private compact(): void {
    if (this.compactFrom === Infinity) return;
    const d = this.dim;
    let write = this.compactFrom;
    let slot = this.compactFrom;
    while (slot < this.ids.length) {
      if (this.ids[slot] === null) {
        slot++;
        continue;
      }
      const runStart = slot;
      while (slot < this.ids.length && this.ids[slot] !== null) slot++;
      this.rows.copyWithin(write * d, runStart * d, slot * d);
      for (let s = runStart; s < slot; s++, write++) {
        const id = this.ids[s]!;
        this.ids[write] = id;
        this.slotOf.set(id, write);
      }
    }
    this.ids.length = write;
    this.staleFrom(this.compactFrom);
    this.compactFrom = Infinity;
    if (this.rows.length > 4 * Math.max(write, MIN_CAPACITY_ROWS) * d)
      this.rows = this.rows.slice(0, 2 * Math.max(write, MIN_CAPACITY_ROWS) * d);
  }

  /** Forgets the backend copy of every segment holding a slot ≥ `slot`. */
  private staleFrom(slot: number): void {
    const first = Math.floor(slot / this.segmentRows);
    if (first < this.segments.length) tf.dispose(this.segments.splice(first));
  }

  /** Uploads the stale segments, transposed: [n, dim] host rows → [dim, n]. */
  private upload(): tf.Tensor2D[] {
    const d = this.dim;
    const count = Math.ceil(this.ids.length / this.segmentRows);
    for (let s = this.segments.length; s < count; s++) {
      const first = s * this.segmentRows;
      const n = Math.min(this.segmentRows, this.ids.length - first);
      // A fresh array each time: the CPU backend keeps the array it is given rather than copying it.
      const columns = new Float32Array(n * d); // [dim, n]
      for (let r = 0; r < n; r++) {
        const offset = (first + r) * d;
        for (let j = 0; j < d; j++) columns[j * n + r] = this.rows[offset + j]!;
      }
      this.segments.push(tf.tensor2d(columns, [d, n]));
    }
    return this.segments;
  }
}
