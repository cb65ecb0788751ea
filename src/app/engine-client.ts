// The UI's only door to the models: the Engine interface, wrapped over the worker by Comlink.
import * as Comlink from 'comlink';
import type { Engine } from '../engine/types';

export interface EngineHandle {
  engine: Comlink.Remote<Engine>;
  terminate(): void;
}

export function startEngineWorker(): EngineHandle {
  // `?threads=N` on the page sets the WASM threads (1: single-threaded), read by the worker from its name.
  const threads = new URLSearchParams(globalThis.location?.search ?? '').get('threads');
  const worker = new Worker(new URL('../../workers/engine.worker.ts', import.meta.url), {
    type: 'module',
    name: threads && /^\d+$/.test(threads) ? `engine;threads=${threads}` : 'engine',
  });
  const engine = Comlink.wrap<Engine>(worker);
  return {
    engine,
    terminate() {
      engine[Comlink.releaseProxy]();
      worker.terminate();
    },
  };
}
