// The one Engine implementation. Hosts differ only in the Platform they pass in.
import * as tf from '@tensorflow/tfjs-core';
import * as Comlink from 'comlink';
import { errorMessage } from '../media/errors';
import { selectBackend, type Platform } from './backend/backend';
import { checkForward, checkTokenIds, makeCheckParams } from './backend/selfcheck';
import { runModelBench, type ModelBenchResult } from '../bench/model-bench';
import { ModelSlots } from './model-slots';
import { Library } from './library';
import { FineTuner } from './finetune';
import { libraryModels } from './library/models';
import { runSearchBench, type SearchBenchOptions, type SearchBenchRow } from '../bench/search-bench';
import { runFinetuneBench, type FinetuneBenchOptions, type FinetuneBenchResult } from '../bench/finetune-bench';
import type { StorageUse } from '../media/store';
import type {
  AddResult,
  BenchOptions,
  Engine,
  EngineMemory,
  EngineStatus,
  FinetuneCallback,
  FinetuneSettings,
  FinetuneSnapshot,
  InitOptions,
  LibraryItem,
  LibraryOptions,
  LibrarySummary,
  MediaInput,
  ModelFile,
  ModelInfo,
  ModelProbe,
  ModelRole,
  ModelSource,
  NewPair,
  PairImportResult,
  PairView,
  PlainCallback,
  ProgressCallback,
  SearchOptions,
  SearchQuery,
  SearchResult,
  SelfCheckResult,
  ThumbImage,
  TokenCallback,
  Trace,
} from './types';

export class LabEngine implements Engine {
  private state: EngineStatus;
  private starting: Promise<EngineStatus> | null = null;
  private readonly slots = new ModelSlots();
  private readonly library = new Library(() => libraryModels(this.slots));
  private readonly finetuner = new FineTuner(this.slots, this.library);

  constructor(private readonly platform: Platform) {
    this.state = {
      phase: 'idle',
      backend: null,
      preference: 'auto',
      adapter: null,
      skipped: [],
      measured: [],
      details: {},
      error: null,
      models: { reasoner: null, embedder: null },
      host: platform.host,
    };
  }

  async init(options: InitOptions = {}, onProgress?: ProgressCallback): Promise<EngineStatus> {
    // Concurrent callers share one start-up.
    if (this.starting) return this.starting;
    this.starting = this.start(options, onProgress).finally(() => {
      this.starting = null;
    });
    return this.starting;
  }

  private async start(options: InitOptions, onProgress?: ProgressCallback): Promise<EngineStatus> {
    const preference = options.preference ?? 'auto';
    this.state = { ...this.state, phase: 'starting', preference, error: null };
    try {
      const selection = await selectBackend(this.platform, preference, (backend, i, total) =>
        onProgress?.({ task: 'backend', done: i, total, message: `Trying ${backend}…` }),
      );
      this.state = { ...this.state, phase: 'ready', ...selection };
      onProgress?.({ task: 'backend', done: 1, total: 1, message: `Running on ${selection.backend}` });
    } catch (err) {
      this.state = { ...this.state, phase: 'error', backend: null, error: errorMessage(err) };
    }
    return this.status();
  }

  async status(): Promise<EngineStatus> {
    return structuredClone({ ...this.state, models: this.slots.info() });
  }

  async memory(): Promise<EngineMemory> {
    const m = tf.memory();
    const heap = (performance as Performance & { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize;
    return {
      backend: tf.getBackend() ?? null,
      numTensors: m.numTensors,
      numBytes: m.numBytes,
      jsHeapBytes: typeof heap === 'number' ? heap : null,
    };
  }

  async loadModel(role: ModelRole, source: ModelSource, onProgress?: ProgressCallback): Promise<EngineStatus> {
    this.requireReady();
    onProgress?.({ task: `load-${role}`, done: 0, total: 1, message: `Loading the ${role}…` });
    await this.slots.load(role, source);
    onProgress?.({ task: `load-${role}`, done: 1, total: 1, message: `Loaded the ${role}` });
    return this.status();
  }

  async saveModel(role: ModelRole, key: string, quantization: 'int8' | 'float32' = 'int8'): Promise<ModelInfo> {
    this.requireReady();
    return this.slots.saveToIndexedDb(role, key, quantization);
  }

  async exportModel(role: ModelRole, quantization: 'int8' | 'float32' = 'int8'): Promise<ModelFile[]> {
    this.requireReady();
    const files = await this.slots.exportFiles(role, quantization);
    // Bulk bytes cross to the page by transfer, not copy (a no-op outside a worker).
    return Comlink.transfer(
      files,
      files.map((f) => f.bytes),
    );
  }

  async probeModels(seed = 1): Promise<ModelProbe> {
    this.requireReady();
    return this.slots.probe(seed);
  }

  async selfCheck(seed = 1): Promise<SelfCheckResult> {
    const backend = this.requireReady();
    const t0 = performance.now();
    const values = await runCheck(seed);
    const ms = performance.now() - t0;
    // The same computation on CPU, then back to the active backend.
    await tf.setBackend('cpu');
    let cpuValues: number[];
    try {
      cpuValues = await runCheck(seed);
    } finally {
      await tf.setBackend(backend);
    }
    const maxAbsDiff = values.reduce((m, v, i) => Math.max(m, Math.abs(v - cpuValues[i])), 0);
    return { backend, values, cpuValues, maxAbsDiff, ms };
  }

  async benchmark(options: BenchOptions = {}, onProgress?: ProgressCallback): Promise<ModelBenchResult> {
    this.requireReady();
    let done = 0;
    return runModelBench({
      ...options,
      onProgress: (label) => onProgress?.({ task: 'bench', done: done++, total: 0, message: label }),
    });
  }

  async benchmarkSearch(
    options: Omit<SearchBenchOptions, 'onProgress'> = {},
    onProgress?: ProgressCallback,
  ): Promise<SearchBenchRow[]> {
    this.requireReady();
    const sizes = options.sizes ?? [1_000, 10_000, 100_000];
    let done = 0;
    return runSearchBench({
      ...options,
      sizes,
      onProgress: (items) =>
        onProgress?.({
          task: 'bench-search',
          done: ++done,
          total: sizes.length,
          message: `search over ${items} items`,
        }),
    });
  }

  async benchmarkFinetune(
    options: Omit<FinetuneBenchOptions, 'onProgress'> = {},
    onProgress?: ProgressCallback,
  ): Promise<FinetuneBenchResult> {
    this.requireReady();
    let done = 0;
    return runFinetuneBench({
      ...options,
      onProgress: (label) => onProgress?.({ task: 'bench-finetune', done: done++, total: 0, message: label }),
    });
  }

  // ---- library and search (library.ts) ----

  async openLibrary(options: LibraryOptions = {}, onProgress?: ProgressCallback): Promise<LibrarySummary> {
    this.requireReady();
    return this.library.open(options, onProgress);
  }

  async addMedia(inputs: MediaInput[], onProgress?: ProgressCallback): Promise<AddResult[]> {
    this.requireReady();
    return this.library.add(inputs, onProgress);
  }

  async cancel(): Promise<void> {
    this.library.cancel();
  }

  async removeItem(id: string): Promise<void> {
    return this.library.remove(id);
  }

  async clearLibrary(): Promise<void> {
    return this.library.clear();
  }

  async listItems(): Promise<LibraryItem[]> {
    return this.library.items();
  }

  async storageUsed(): Promise<StorageUse> {
    return this.library.storage();
  }

  async thumbnail(id: string): Promise<ThumbImage | null> {
    const t = await this.library.thumbnail(id);
    return t ? Comlink.transfer(t, [t.rgba.buffer]) : null;
  }

  async itemFrames(id: string): Promise<ThumbImage[]> {
    return this.library.frames(id);
  }

  async search(
    query: SearchQuery,
    options: SearchOptions = {},
    onTokens?: TokenCallback,
    onPlain?: PlainCallback,
  ): Promise<SearchResult> {
    this.requireReady();
    return this.library.search(query, options, onTokens, onPlain);
  }

  async traceItem(id: string): Promise<Trace> {
    this.requireReady();
    return this.library.trace(id);
  }

  // ---- fine-tuning (finetune.ts) ----

  async listPairs(): Promise<PairView[]> {
    return this.finetuner.pairs.list();
  }

  async addPairs(pairs: NewPair[]): Promise<PairView[]> {
    return this.finetuner.pairs.add(pairs);
  }

  async updatePair(id: string, patch: { match?: boolean; queryText?: string }): Promise<PairView[]> {
    return this.finetuner.pairs.update(id, patch);
  }

  async deletePair(id: string): Promise<PairView[]> {
    return this.finetuner.pairs.delete(id);
  }

  async loadLesson(id: string, seed?: number): Promise<PairView[]> {
    return this.finetuner.pairs.loadLesson(id, seed);
  }

  async importPairs(text: string, format: 'csv' | 'jsonl'): Promise<PairImportResult> {
    return this.finetuner.pairs.import(text, format);
  }

  async finetuneState(): Promise<FinetuneSnapshot> {
    return this.finetuner.state();
  }

  async startFinetune(settings: FinetuneSettings, onUpdate?: FinetuneCallback): Promise<FinetuneSnapshot> {
    this.requireReady();
    return this.finetuner.start(settings, onUpdate);
  }

  async pauseFinetune(): Promise<void> {
    this.finetuner.pause();
  }

  async resumeFinetune(onUpdate?: FinetuneCallback): Promise<FinetuneSnapshot> {
    this.requireReady();
    return this.finetuner.resume(onUpdate);
  }

  async stopFinetune(): Promise<void> {
    return this.finetuner.stop();
  }

  async discardFinetune(): Promise<FinetuneSnapshot> {
    return this.finetuner.discard();
  }

  async applyFinetuned(): Promise<EngineStatus> {
    await this.finetuner.apply();
    return this.status();
  }

  async revertReasoner(): Promise<EngineStatus> {
    await this.finetuner.revert();
    return this.status();
  }

  async restoreFinetuned(): Promise<{ restored: boolean; note: string | null }> {
    return this.finetuner.restoreApplied();
  }

  async exportFinetuned(): Promise<ModelFile[]> {
    const files = await this.finetuner.exportFiles();
    return Comlink.transfer(
      files,
      files.map((f) => f.bytes),
    );
  }

  async importFinetuned(files: ModelFile[]): Promise<FinetuneSnapshot> {
    this.requireReady();
    return this.finetuner.importFiles(files);
  }

  private requireReady() {
    if (this.state.phase !== 'ready' || !this.state.backend) {
      throw new Error(`Engine is not ready (phase: ${this.state.phase}); call init() first`);
    }
    return this.state.backend;
  }
}

async function runCheck(seed: number): Promise<number[]> {
  const out = tf.tidy(() => {
    const params = makeCheckParams(seed);
    return checkForward(params, checkTokenIds(seed));
  });
  const values = Array.from(await out.data());
  out.dispose();
  return values;
}

export function createEngine(platform: Platform): Engine {
  return new LabEngine(platform);
}
