// Search latency: brute-force cosine top-k (EmbeddingIndex: a matmul per segment + top-k on the active backend)
// at 1k / 10k / 100k items, with seeded random unit vectors. Shared by `npm run bench` (Node, WASM) and the
// browser benchmark page (the engine worker, any backend); kept apart from the model benchmark. The scale
// benchmark (`runScaleBench`, `npm run bench -- --scale`) follows an index's life: build, load, memory, query,
// append, removal of a tenth.
import * as tf from '@tensorflow/tfjs-core';
import { LibraryStore } from '../media/store';
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

const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Seeded random unit vectors, row-major [n, dim]. */
function unitRowsFrom(seed: number, dim: number): (n: number) => Float32Array {
  const rng = seededRng(seed);
  return (n) => {
    const v = new Float32Array(n * dim);
    for (let i = 0; i < v.length; i++) v[i] = rng.float() - 0.5;
    for (let r = 0; r < n; r++) {
      let norm = 0;
      for (let j = 0; j < dim; j++) norm += v[r * dim + j]! ** 2;
      for (let j = 0; j < dim; j++) v[r * dim + j]! /= Math.sqrt(norm);
    }
    return v;
  };
}

/** Top-k latency of EmbeddingIndex on the active backend, with seeded random unit vectors. */
export async function runSearchBench(opts: SearchBenchOptions = {}): Promise<SearchBenchRow[]> {
  const { sizes = [1_000, 10_000, 100_000], dim = 128, k = 10, repeats = 20 } = opts;
  const unitRows = unitRowsFrom(7, dim);
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
  const lines = [
    'search (brute-force cosine top-k on the backend)',
    'items    dim  k   build+warm-up  query (1)  query (in 16)',
  ];
  for (const r of rows) {
    lines.push(
      `${String(r.items).padEnd(8)} ${String(r.dim).padEnd(4)} ${String(r.k).padEnd(3)} ${r.buildMs.toFixed(1).padStart(10)} ms ${r.queryMs.toFixed(2).padStart(7)} ms ${r.batchedQueryMs.toFixed(2).padStart(9)} ms`,
    );
  }
  return lines.join('\n');
}

export interface ScaleBenchOptions {
  sizes?: number[]; // [1000, 10000, 100000]
  dim?: number; // 128
  k?: number; // 12 — the library's default
  repeats?: number; // 20 single queries per measurement
  /** When given, the rows are also stored as a collection record and read back (the library's cache path). */
  idbFactory?: IDBFactory;
  onProgress?: (items: number) => void;
}

export interface ScaleBenchRow {
  items: number;
  dim: number;
  k: number;
  /** Reading the rows back from IndexedDB as one collection record (null without `idbFactory`). */
  idbLoadMs: number | null;
  /** One upsert of all rows from a Float32Array (host only: the backend copy is made by the first query). */
  buildMs: number;
  /** The first query: segments transposed and uploaded, and the backend's first matmul over them. */
  firstQueryMs: number;
  /** Median of single queries (k results read back). */
  queryMs: number;
  hostBytes: number;
  /** Bytes of the segments on the backend; `tfBytes` is tf.memory().numBytes held by the index. */
  deviceBytes: number;
  tfBytes: number;
  /** Median of (upsert one new row + a query): only the last segment goes to the backend again. */
  appendQueryMs: number;
  /** Removing a tenth of the items, one id per call. */
  removeMs: number;
  /** The first query after the removal: compaction and re-upload of the segments from the first removed row. */
  firstQueryAfterRemoveMs: number;
  queryAfterRemoveMs: number;
}

/** An index's life at each size, on the active backend: load, build, memory, query, append, removal of a tenth. */
export async function runScaleBench(opts: ScaleBenchOptions = {}): Promise<ScaleBenchRow[]> {
  const { sizes = [1_000, 10_000, 100_000], dim = 128, k = 12, repeats = 20 } = opts;
  const unitRows = unitRowsFrom(9, dim);
  const rng = seededRng(10);
  const store = opts.idbFactory ? await LibraryStore.open(opts.idbFactory, 'embedrl-scale-bench') : null;
  const timed = async (f: () => unknown) => {
    const t0 = performance.now();
    await f();
    return performance.now() - t0;
  };
  const queryMedian = async (index: EmbeddingIndex) => {
    const times: number[] = [];
    for (let r = 0; r < repeats; r++) {
      const q = unitRows(1);
      times.push(await timed(() => index.search(q, k)));
    }
    return median(times);
  };
  const rows: ScaleBenchRow[] = [];
  for (const items of sizes) {
    let ids = Array.from({ length: items }, (_, i) => `item-${i}`);
    let vectors = unitRows(items);
    let idbLoadMs: number | null = null;
    if (store) {
      const key = `scale-${items}`;
      const offsets = new Int32Array(items + 1);
      await store.putCollection({
        key,
        ids,
        dim,
        withTcot: vectors,
        withoutTcot: new Float32Array(0),
        tokens: new Int32Array(0),
        offsets,
        createdAt: 0,
      });
      const t0 = performance.now();
      const record = await store.collection(key);
      idbLoadMs = performance.now() - t0;
      if (!record || record.ids.length !== items)
        throw new Error(`the ${items}-item record did not come back from IndexedDB`);
      ({ ids, withTcot: vectors } = record);
    }
    const tfBefore = tf.memory().numBytes;
    const index = new EmbeddingIndex(dim);
    const buildMs = await timed(() => index.upsert(ids, vectors));
    const firstQueryMs = await timed(() => index.search(unitRows(1), k));
    const queryMs = await queryMedian(index);
    const { hostBytes, deviceBytes } = index.memory();
    const tfBytes = tf.memory().numBytes - tfBefore;
    const appends: number[] = [];
    for (let r = 0; r < Math.max(5, repeats / 4); r++) {
      const row = unitRows(1);
      const q = unitRows(1);
      appends.push(
        await timed(async () => {
          index.upsert([`added-${r}`], row);
          await index.search(q, k);
        }),
      );
    }
    const dropped = ids.filter(() => rng.float() < 0.1);
    const removeMs = await timed(() => dropped.forEach((id) => index.remove([id])));
    const firstQueryAfterRemoveMs = await timed(() => index.search(unitRows(1), k));
    const queryAfterRemoveMs = await queryMedian(index);
    index.clear();
    rows.push({
      items,
      dim,
      k,
      idbLoadMs,
      buildMs,
      firstQueryMs,
      queryMs,
      hostBytes,
      deviceBytes,
      tfBytes,
      appendQueryMs: median(appends),
      removeMs,
      firstQueryAfterRemoveMs,
      queryAfterRemoveMs,
    });
    opts.onProgress?.(items);
  }
  await store?.clearCollections();
  return rows;
}

export function formatScaleTable(rows: ScaleBenchRow[]): string {
  const ms = (v: number | null) => (v === null ? '—' : `${v.toFixed(v < 10 ? 2 : 1)} ms`);
  const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  const columns: [string, (r: ScaleBenchRow) => string][] = [
    ['items', (r) => String(r.items)],
    ['IDB load', (r) => ms(r.idbLoadMs)],
    ['build', (r) => ms(r.buildMs)],
    ['1st query', (r) => ms(r.firstQueryMs)],
    ['query', (r) => ms(r.queryMs)],
    ['host', (r) => mib(r.hostBytes)],
    ['backend', (r) => mib(r.deviceBytes)],
    ['tf.memory', (r) => mib(r.tfBytes)],
    ['add 1 + query', (r) => ms(r.appendQueryMs)],
    ['remove 10 %', (r) => ms(r.removeMs)],
    ['1st query after', (r) => ms(r.firstQueryAfterRemoveMs)],
    ['query after', (r) => ms(r.queryAfterRemoveMs)],
  ];
  const cells = [columns.map(([label]) => label), ...rows.map((r) => columns.map(([, cell]) => cell(r)))];
  const widths = columns.map((_, c) => Math.max(...cells.map((line) => line[c]!.length)));
  const title = `index at scale (dim ${rows[0]?.dim ?? '—'}, k ${rows[0]?.k ?? '—'}; medians of single queries; a tenth removed one id per call)`;
  return [
    title,
    ...cells.map((line) =>
      line.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  '),
    ),
  ].join('\n');
}
