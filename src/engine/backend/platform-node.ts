// The Node host (CLI tools and tests): WASM first, CPU as the last resort.
import '../../tf/tf-node';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import os from 'node:os';
import { activateBackend } from './activate';
import { wasmThreadsFor, type Platform } from './backend';
import { initNodeWasm } from '../../tf/node-wasm';
import { errorMessage } from '../../media/errors';

/** WASM threads for Node: `wasmThreadsFor` this machine's cores; `EMBEDRL_WASM_THREADS=N` overrides. */
export function defaultWasmThreads(cores = os.availableParallelism?.() ?? os.cpus().length): number {
  const fromEnv = Number(process.env.EMBEDRL_WASM_THREADS);
  if (Number.isInteger(fromEnv) && fromEnv >= 1) return Math.min(fromEnv, 8);
  return wasmThreadsFor(cores);
}

export function nodePlatform(threads = defaultWasmThreads()): Platform {
  return {
    host: 'node',
    order: ['wasm', 'cpu'],
    async tryBackend(name) {
      if (name !== 'wasm') return activateBackend(name);
      try {
        const info = await initNodeWasm({ threads });
        const details: Record<string, string | number | boolean> = { threads: info.threads, simd: info.simd };
        if (info.fallbackReason) details.threadsFallback = info.fallbackReason;
        return { ok: true, details };
      } catch (err) {
        return { ok: false, reason: `WASM: ${errorMessage(err)}` };
      }
    },
  };
}
