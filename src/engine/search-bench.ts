// Search latency: brute-force cosine top-k (EmbeddingIndex: one matmul + top-k on the active backend) at
// 1k / 10k / 100k items, with seeded random unit vectors. Shared by `npm run bench` (Node, WASM) and the
// browser benchmark page (the engine worker, any backend); kept apart from the model benchmark.
import { seededRng } from '../models/rng';
import { EmbeddingIndex } from '../retrieval/search';

export interface SearchBenchOptions {
  sizes?: number[]; // [1000, 10000, 100000]
  dim?: number; // 128 — the default Embedder's outDim
  k?: number; // 10
  repeats?: number; // 20 single queries per size
  onProgress?: (items: number) => void;
}

export interface SearchBenchRow {
  items: number;
  dim: number;
  k: number;
  buildMs: number;
  /** Median of single queries (one [1, dim] × [dim, N] matmul + top-k + read-back). */
  queryMs: number;
  /** Median per query when 16 queries go in one call. */
  batchedQueryMs: number;
}

/** Top-k latency of EmbeddingIndex on the active backend, with seeded random unit vectors. */
export async function runSearchBench(opts: SearchBenchOptions = {}): Promise<SearchBenchRow[]> {
  const { sizes = [1_000, 10_000, 100_000], dim = 128, k = 10, repeats = 20 } = opts;
  const rng = seededRng(7);
  const unitRows = (n: number) => {
    const v = new Float32Array(n * dim);
    for (let i = 0; i < v.length; i++) v[i] = rng.float() - 0.5;
    for (let r = 0; r < n; r++) {
      let norm = 0;
      for (let j = 0; j < dim; j++) norm += v[r * dim + j]! ** 2;
      for (let j = 0; j < dim; j++) v[r * dim + j]! /= Math.sqrt(norm);
    }
    return v;
  };
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const rows: SearchBenchRow[] = [];
  for (const items of sizes) {
    const index = new EmbeddingIndex(dim);
    const vectors = unitRows(items);
    const ids = Array.from({ length: items }, (_, i) => `item-${i}`);
    let t0 = performance.now();
    index.upsert(ids, vectors);
    await index.search(unitRows(1), k); // includes the first upload and kernel warm-up
    const buildMs = performance.now() - t0;
    const single: number[] = [];
    for (let r = 0; r < repeats; r++) {
      const q = unitRows(1);
      t0 = performance.now();
      await index.search(q, k);
      single.push(performance.now() - t0);
    }
    const batched: number[] = [];
    for (let r = 0; r < Math.max(3, repeats / 4); r++) {
      const q = unitRows(16);
      t0 = performance.now();
      await index.search(q, k);
      batched.push((performance.now() - t0) / 16);
    }
    index.clear();
    rows.push({ items, dim, k, buildMs, queryMs: median(single), batchedQueryMs: median(batched) });
    opts.onProgress?.(items);
  }
  return rows;
}

export function formatSearchTable(rows: SearchBenchRow[]): string {
  const lines = ['search (brute-force cosine top-k, one matmul on the backend)', 'items    dim  k   build+warm-up  query (1)  query (in 16)'];
  for (const r of rows) {
    lines.push(`${String(r.items).padEnd(8)} ${String(r.dim).padEnd(4)} ${String(r.k).padEnd(3)} ${r.buildMs.toFixed(1).padStart(10)} ms ${r.queryMs.toFixed(2).padStart(7)} ms ${r.batchedQueryMs.toFixed(2).padStart(9)} ms`);
  }
  return lines.join('\n');
}
