// The Engine interface: everything the UI may ask of the models. One implementation (engine.ts) runs
// unchanged in the Web Worker (workers/engine.worker.ts), in Node (src/cli) and in tests.
import type { ModelBenchOptions, ModelBenchResult } from '../bench/model-bench';
import type { StorageUse } from '../media/store';
import type { SearchBenchOptions, SearchBenchRow } from '../bench/search-bench';
import type { FinetuneBenchOptions, FinetuneBenchResult } from '../bench/finetune-bench';
import type {
  FinetuneCallback,
  FinetuneSettings,
  FinetuneSnapshot,
  NewPair,
  PairImportResult,
  PairView,
} from './finetune/types';
import type {
  AddResult,
  LibraryItem,
  LibraryOptions,
  LibrarySummary,
  MediaInput,
  PlainCallback,
  SearchOptions,
  SearchQuery,
  SearchResult,
  ThumbImage,
  TokenCallback,
  Trace,
} from './library/types';

export * from './library/types';
export * from './finetune/types';
export type { StorageUse } from '../media/store';
export type { SearchBenchRow } from '../bench/search-bench';
export type { FinetuneBenchResult } from '../bench/finetune-bench';

export type BackendName = 'webgpu' | 'webgl' | 'wasm' | 'cpu';
export type BackendPreference = BackendName | 'auto';

/** The order tried when the user leaves the choice to the engine. */
export const BACKEND_ORDER: readonly BackendName[] = ['webgpu', 'webgl', 'wasm', 'cpu'];

/** Why a backend was not used (e.g. "WebGPU: no adapter"). */
export interface SkippedBackend {
  backend: BackendName;
  reason: string;
}

/** What the GPU adapter says about itself (WebGPU only). */
export interface AdapterInfo {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isFallbackAdapter: boolean;
}

export type ModelRole = 'reasoner' | 'embedder';

/** Where model weights come from (the weight format is documented in src/models/README.md). */
export type ModelSource =
  /** A manifest URL served over HTTP, e.g. the shipped `models/reasoner/model.json`. */
  | { kind: 'url'; url: string }
  /** A copy saved in this browser's IndexedDB under `key`. */
  | { kind: 'indexeddb'; key: string }
  /** Files a user picked: the manifest JSON first, then its weight shards. */
  | { kind: 'files'; files: File[] }
  /** Freshly initialised, untrained weights (demos and tests before any weights are trained). */
  | { kind: 'random'; preset: 'tiny' | 'default'; seed?: number };

/** A loaded model, as the header and the model card show it. */
export interface ModelInfo {
  role: ModelRole;
  parameters: number;
  /** Bytes of the weights as stored (int8 payload when quantised); 0 for a fresh initialisation. */
  weightBytes: number;
  quantized: boolean;
  /** Where the weights came from ('finetuned': the Fine-tune view's EG-RL run or an imported fine-tuned file). */
  source: ModelSource['kind'] | 'finetuned';
  /** SHA-256 of the weight payload (identifies a base model); null for a fresh initialisation. */
  sha256: string | null;
  /** The architecture (the file's config). */
  config: Record<string, number>;
}

/** A model as files (the manifest JSON and its weight shard), e.g. for a download. */
export interface ModelFile {
  name: string;
  bytes: ArrayBuffer;
}

/** Outputs of both models on one fixed, seeded input: tells whether two copies of a model agree. */
export interface ModelProbe {
  embedding: number[] | null;
  reasoner: { tokens: number[]; text: string } | null;
}

/** One backend's speed in the automatic choice (src/engine/backend/measure.ts). */
export interface MeasuredBackend {
  backend: BackendName;
  gflops: number;
  /** The WebGPU adapter is a software fallback (e.g. SwiftShader). */
  fallbackAdapter?: boolean;
}

export interface EngineMemory {
  backend: string | null;
  numTensors: number;
  numBytes: number;
  /** The heap of the engine's own JS context (the worker's), where the host reports it; null elsewhere. */
  jsHeapBytes: number | null;
}

export type EnginePhase = 'idle' | 'starting' | 'ready' | 'error';

export interface EngineStatus {
  phase: EnginePhase;
  /** The backend tensors run on, once ready. */
  backend: BackendName | null;
  preference: BackendPreference;
  adapter: AdapterInfo | null;
  /** Backends tried before the one in use, each with the reason it was skipped. */
  skipped: SkippedBackend[];
  /** What the automatic choice measured (GFLOP/s per backend that started); empty for an override. */
  measured: MeasuredBackend[];
  /** Extra facts about the backend (WASM threads and SIMD, WebGL version, …). */
  details: Record<string, string | number | boolean>;
  /** Set when phase is 'error': no backend worked. */
  error: string | null;
  /** Loaded models; null until loaded. */
  models: { reasoner: ModelInfo | null; embedder: ModelInfo | null };
  /** Where the engine runs: a browser worker, the browser page, or Node. */
  host: 'worker' | 'page' | 'node';
}

/** One typed shape for every long-running operation's progress. */
export interface Progress {
  /** What is being done, e.g. "backend", "index", "train". */
  task: string;
  done: number;
  total: number;
  message?: string;
}
export type ProgressCallback = (progress: Progress) => void;

export interface InitOptions {
  preference?: BackendPreference;
}

/** A fixed small computation run on the active backend and on CPU, to prove the backend computes right. */
export interface SelfCheckResult {
  backend: BackendName;
  /** Output of the check network on the active backend. */
  values: number[];
  /** The same computation on the CPU backend. */
  cpuValues: number[];
  maxAbsDiff: number;
  /** Time of the check on the active backend (ms), for display only. */
  ms: number;
}

/** Options of the model benchmark (src/bench/model-bench.ts), minus its callback. */
export type BenchOptions = Omit<ModelBenchOptions, 'onProgress'>;

export interface Engine {
  /** Choose and initialise a backend: the fastest measured (browser) or the first that starts (WebGPU → WebGL → WASM → CPU), unless a preference is given. */
  init(options?: InitOptions, onProgress?: ProgressCallback): Promise<EngineStatus>;
  status(): Promise<EngineStatus>;
  /** Live tensors and their bytes on the engine's side (tf.memory()), for the soak run and leak checks. */
  memory(): Promise<EngineMemory>;
  /** Run the self-check network (seeded) on the active backend and on CPU. */
  selfCheck(seed?: number): Promise<SelfCheckResult>;
  /** Load one model; on any error the model already loaded stays as it was. */
  loadModel(role: ModelRole, source: ModelSource, onProgress?: ProgressCallback): Promise<EngineStatus>;
  /** Keep a copy of a loaded model in this browser (IndexedDB). */
  saveModel(role: ModelRole, key: string, quantization?: 'int8' | 'float32'): Promise<ModelInfo>;
  /** A loaded model as files (manifest + weights), to download or to load elsewhere. */
  exportModel(role: ModelRole, quantization?: 'int8' | 'float32'): Promise<ModelFile[]>;
  /** Run both models on a fixed input made from `seed`. */
  probeModels(seed?: number): Promise<ModelProbe>;
  /** Time the models on the active backend (decode with/without KV cache, embedding, log-probs, loading). */
  benchmark(options?: BenchOptions, onProgress?: ProgressCallback): Promise<ModelBenchResult>;

  /** Time brute-force top-k search at 1k / 10k / 100k items on the active backend. */
  benchmarkSearch(
    options?: Omit<SearchBenchOptions, 'onProgress'>,
    onProgress?: ProgressCallback,
  ): Promise<SearchBenchRow[]>;

  /** Time EG-RL fine-tuning steps at the default settings with the shipped model configs on the active backend. */
  benchmarkFinetune(
    options?: Omit<FinetuneBenchOptions, 'onProgress'>,
    onProgress?: ProgressCallback,
  ): Promise<FinetuneBenchResult>;

  // ---- library and search ----
  /** Index the built-in collection (or load it from the IndexedDB cache) and restore the user's items. Needs both models. */
  openLibrary(options?: LibraryOptions, onProgress?: ProgressCallback): Promise<LibrarySummary>;
  /** Decode, reason about, embed and store files, one transaction each; a bad file fails alone. */
  addMedia(inputs: MediaInput[], onProgress?: ProgressCallback): Promise<AddResult[]>;
  /** Stop indexing / adding after the current batch. */
  cancel(): Promise<void>;
  removeItem(id: string): Promise<void>;
  /** Remove every user item (the built-in collection stays). */
  clearLibrary(): Promise<void>;
  listItems(): Promise<LibraryItem[]>;
  storageUsed(): Promise<StorageUse>;
  thumbnail(id: string): Promise<ThumbImage | null>;
  /** An image, or every frame of a clip, at display size. */
  itemFrames(id: string): Promise<ThumbImage[]>;
  /**
   * Rank without T-CoT at once (onPlain), then reason about the query (T-CoT tokens stream to onTokens in
   * batches), embed it with its T-CoT and rank again; resolves with both rankings and the query's trace.
   */
  search(
    query: SearchQuery,
    options?: SearchOptions,
    onTokens?: TokenCallback,
    onPlain?: PlainCallback,
  ): Promise<SearchResult>;
  /** A library item's candidate-side trace (its cached T-CoT, the item, what the Embedder read). */
  traceItem(id: string): Promise<Trace>;

  // ---- fine-tuning (EG-RL on the user's labelled pairs; the library must be open) ----
  /** The labelled pairs with their train / held-out side (seeded, stable). */
  listPairs(): Promise<PairView[]>;
  /** Add pairs (the same query and target again re-labels the pair). */
  addPairs(pairs: NewPair[]): Promise<PairView[]>;
  updatePair(id: string, patch: { match?: boolean; queryText?: string }): Promise<PairView[]>;
  deletePair(id: string): Promise<PairView[]>;
  /** Add the pairs of a built-in lesson (src/train/lesson.ts LESSONS) to an empty list; refused when the list holds other pairs. */
  loadLesson(id: string, seed?: number): Promise<PairView[]>;
  /** Import CSV (`query,target[,match]`) or JSONL; each row that does not resolve comes back as an error. */
  importPairs(text: string, format: 'csv' | 'jsonl'): Promise<PairImportResult>;
  /** The run's state (after a reload: the saved checkpoint it can resume from). */
  finetuneState(): Promise<FinetuneSnapshot>;
  /** Start an EG-RL run from the built-in Reasoner; returns at once, then reports every change to onUpdate. */
  startFinetune(settings: FinetuneSettings, onUpdate?: FinetuneCallback): Promise<FinetuneSnapshot>;
  /** Pause after the current step (a checkpoint is saved). */
  pauseFinetune(): Promise<void>;
  /** Continue a paused run, or the saved checkpoint after a reload. */
  resumeFinetune(onUpdate?: FinetuneCallback): Promise<FinetuneSnapshot>;
  /** End the run now: evaluate on the held-out pairs and keep the fine-tuned Reasoner. */
  stopFinetune(): Promise<void>;
  /** Forget the run and its checkpoint. */
  discardFinetune(): Promise<FinetuneSnapshot>;
  /** Explore uses the fine-tuned Reasoner (reopen the library to re-index with it). */
  applyFinetuned(): Promise<EngineStatus>;
  /** Explore goes back to the built-in Reasoner. */
  revertReasoner(): Promise<EngineStatus>;
  /**
   * After a reload: the fine-tuned Reasoner that was applied (remembered in IndexedDB) goes back into the slot,
   * before the library opens. `note` says why it could not (another base model, damaged record).
   */
  restoreFinetuned(): Promise<{ restored: boolean; note: string | null }>;
  /** The fine-tuned Reasoner as files (weights format + the base model's key + the run's settings). */
  exportFinetuned(): Promise<ModelFile[]>;
  /** Load an exported fine-tuned Reasoner (validated: hash, base model, shape) and apply it. */
  importFinetuned(files: ModelFile[]): Promise<FinetuneSnapshot>;
}
