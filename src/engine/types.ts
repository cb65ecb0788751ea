// The Engine interface: everything the UI may ask of the models. One implementation (engine.ts) runs
// unchanged in the Web Worker (workers/engine.worker.ts), in Node (src/cli) and in tests.
import type { ModelBenchOptions, ModelBenchResult } from '../models/bench';

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

/** A loaded model, as the header and the model card show it. */
export interface ModelInfo {
  name: string;
  parameters: number;
  /** Bytes of the weights as loaded from storage (int8 payload when quantised). */
  weightBytes: number;
  quantized: boolean;
  /** Where the weights came from: the shipped files, a user file, IndexedDB, or a fresh initialisation. */
  source: 'shipped' | 'file' | 'indexeddb' | 'random';
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

/** Options of the model benchmark (src/models/bench.ts), minus its callback. */
export type BenchOptions = Omit<ModelBenchOptions, 'onProgress'>;

export interface Engine {
  /** Choose and initialise a backend (WebGPU → WebGL → WASM → CPU unless a preference is given). */
  init(options?: InitOptions, onProgress?: ProgressCallback): Promise<EngineStatus>;
  status(): Promise<EngineStatus>;
  /** Run the self-check network (seeded) on the active backend and on CPU. */
  selfCheck(seed?: number): Promise<SelfCheckResult>;
  /** Time the models on the active backend (decode with/without KV cache, embedding, log-probs, loading). */
  benchmark(options?: BenchOptions, onProgress?: ProgressCallback): Promise<ModelBenchResult>;
}
