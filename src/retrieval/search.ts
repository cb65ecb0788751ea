// Brute-force retrieval: an embedding matrix on the engine's backend, cosine top-k by one matmul.
// Embeddings are L2-normalised by the Embedder, so the dot product is the cosine similarity.
import * as tf from '@tensorflow/tfjs-core';

export interface SearchHit {
  id: string;
  score: number;
  /** Row in the index (stable until a removal). */
  row: number;
}

export class EmbeddingIndex {
  private matrix: tf.Tensor2D | null = null; // [N, D]
  private ids: string[] = [];
  private rowOf = new Map<string, number>();

  constructor(readonly dim: number) {
    if (!Number.isInteger(dim) || dim < 1) throw new RangeError(`index dimension must be a positive integer, got ${dim}`);
  }

  get size(): number {
    return this.ids.length;
  }

  has(id: string): boolean {
    return this.rowOf.has(id);
  }

  /** Add or replace rows. `vectors` is row-major [ids.length, dim]. */
  upsert(ids: readonly string[], vectors: Float32Array): void {
    if (vectors.length !== ids.length * this.dim) {
      throw new RangeError(`expected ${ids.length}×${this.dim} values, got ${vectors.length}`);
    }
    const replaced = ids.filter((id) => this.rowOf.has(id));
    if (replaced.length) this.remove(replaced);
    const rows = tf.tensor2d(vectors, [ids.length, this.dim]);
    const next = this.matrix ? tf.concat([this.matrix, rows], 0) : rows;
    if (this.matrix) {
      this.matrix.dispose();
      rows.dispose();
    }
    this.matrix = next as tf.Tensor2D;
    for (const id of ids) {
      this.rowOf.set(id, this.ids.length);
      this.ids.push(id);
    }
  }

  remove(ids: readonly string[]): void {
    const drop = new Set(ids.filter((id) => this.rowOf.has(id)));
    if (drop.size === 0 || !this.matrix) return;
    const keep = this.ids.map((id, row) => (drop.has(id) ? -1 : row)).filter((r) => r >= 0);
    const old = this.matrix;
    this.matrix = keep.length ? (tf.gather(old, keep) as tf.Tensor2D) : null;
    old.dispose();
    this.ids = keep.map((r) => this.ids[r]);
    this.rowOf = new Map(this.ids.map((id, row) => [id, row]));
  }

  clear(): void {
    this.matrix?.dispose();
    this.matrix = null;
    this.ids = [];
    this.rowOf.clear();
  }

  /**
   * The k most similar rows to each query ([Q, dim] row-major, or one [dim] vector). With `keep`, only rows
   * whose id it accepts are ranked (a −∞ mask before top-k), so fewer than k may come back.
   */
  async search(queries: Float32Array, k: number, keep?: (id: string) => boolean): Promise<SearchHit[][]> {
    if (queries.length % this.dim !== 0) throw new RangeError(`query length ${queries.length} is not a multiple of ${this.dim}`);
    const q = queries.length / this.dim;
    if (!this.matrix || q === 0) return Array.from({ length: q }, () => []);
    const mask = keep ? Float32Array.from(this.ids, (id) => (keep(id) ? 0 : -Infinity)) : null;
    const allowed = mask ? mask.reduce((n, v) => n + (v === 0 ? 1 : 0), 0) : this.size;
    const kk = Math.min(k, allowed);
    if (kk === 0) return Array.from({ length: q }, () => []);
    const matrix = this.matrix;
    const { values, indices } = tf.tidy(() => {
      const sims = tf.matMul(tf.tensor2d(queries, [q, this.dim]), matrix, false, true); // [Q, N]
      return tf.topk(mask ? tf.add(sims, tf.tensor2d(mask, [1, mask.length])) : sims, kk, true);
    });
    const [vals, idx] = await Promise.all([values.data(), indices.data()]);
    tf.dispose([values, indices]);
    return Array.from({ length: q }, (_, i) =>
      Array.from({ length: kk }, (_, j) => {
        const row = idx[i * kk + j];
        return { id: this.ids[row], score: vals[i * kk + j], row };
      }),
    );
  }
}
