// The browser host (the engine worker, or the page in a pinch): WebGPU → WebGL → WASM → CPU.
import '../../tf/tf-setup';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-webgpu';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlainUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { patchThreadedFactory } from '../../tf/wasm-threads';
import { activateBackend } from './activate';
import { measureActiveBackend } from './measure';
import { wasmThreadsFor, type Platform, type ProbeResult } from './backend';
import type { AdapterInfo } from '../types';

// The .wasm binaries ship with the app (no CDN): offline first.
setWasmPaths({
  'tfjs-backend-wasm.wasm': wasmPlainUrl,
  'tfjs-backend-wasm-simd.wasm': wasmSimdUrl,
  'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedUrl,
});
// Small ops would otherwise be handed to the CPU; keep all work on the chosen backend so that what the
// badge says is what ran.
tf.env().set('WEBGPU_CPU_HANDOFF_SIZE_THRESHOLD', 0);
tf.env().set('WEBGL_CPU_FORWARD', false);
// Threaded WASM needs shared memory, which a page has only when it is cross-origin isolated (the COOP / COEP
// headers of src/app/security-headers.ts). There the pthreads start from the published factory (wasm-threads.ts);
// elsewhere, or with `?threads=1`, WASM runs one thread (SIMD where available).
const wasmThreads = wasmThreadCount();
if (wasmThreads.threads > 1) {
  patchThreadedFactory();
  setThreadsCount(wasmThreads.threads);
  allowThreads(wasmThreads.threads);
} else tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);

/**
 * WASM threads, and why: 1 unless this context may share memory; else `threads=N` as the page asked, or
 * `wasmThreadsFor` the machine's logical cores.
 */
function wasmThreadCount(): { threads: number; why: string } {
  const g = globalThis as { crossOriginIsolated?: boolean; name?: unknown; location?: { search?: string } };
  if (!g.crossOriginIsolated) return { threads: 1, why: 'the page is not cross-origin isolated (no COOP / COEP)' };
  const asked = Number(threadsAsked(g));
  if (Number.isInteger(asked) && asked >= 1) return { threads: Math.min(asked, 16), why: 'asked for (?threads=N)' };
  const cores = globalThis.navigator?.hardwareConcurrency ?? 1;
  const threads = wasmThreadsFor(cores);
  return { threads, why: `${cores} logical cores${threads === 1 ? ' (≤ 2: one thread; ?threads=N overrides)' : ''}` };
}

/** `threads=N` from the worker's name (the page passes its own `?threads=N` there: src/app/engine-client.ts) or URL. */
function threadsAsked(g: { name?: unknown; location?: { search?: string } }): string | null {
  const fromName = typeof g.name === 'string' ? /(?:^|;)threads=(\d+)/.exec(g.name)?.[1] : undefined;
  return fromName ?? new URLSearchParams(g.location?.search ?? '').get('threads');
}

/**
 * tfjs-backend-wasm caps its pool at half of `navigator.hardwareConcurrency` (it assumes two hardware threads per
 * core), which leaves a 2-core machine on one thread whatever `setThreadsCount` asks. Its C++ reads the count
 * through `navigator.hardwareConcurrency` in this worker, so the worker's navigator reports twice the threads asked
 * for; nothing else here reads it after `wasmThreadCount`.
 */
function allowThreads(threads: number): void {
  const nav = globalThis.navigator as Navigator | undefined;
  if (!nav || (nav.hardwareConcurrency ?? 0) >= 2 * threads) return;
  try {
    Object.defineProperty(nav, 'hardwareConcurrency', { value: 2 * threads, configurable: true });
  } catch {
    /* a navigator that refuses: tfjs's own cap stands */
  }
}

async function probeWebGPU(): Promise<ProbeResult> {
  const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
  if (!gpu) return { ok: false, reason: 'WebGPU: not supported by this browser (navigator.gpu is missing)' };
  let adapter: GPUAdapter | null = null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (err) {
    return { ok: false, reason: `WebGPU: requestAdapter failed (${String(err)})` };
  }
  if (!adapter) return { ok: false, reason: 'WebGPU: no adapter' };
  const info = adapterInfo(adapter);
  const result = await activateBackend('webgpu');
  if (!result.ok) return result;
  return { ok: true, adapter: info, details: { 'shader-f16': adapter.features.has('shader-f16') } };
}

function adapterInfo(adapter: GPUAdapter): AdapterInfo {
  const info =
    (adapter as GPUAdapter & { info?: Partial<GPUAdapterInfo> & { isFallbackAdapter?: boolean } }).info ?? {};
  const legacyFallback = (adapter as unknown as { isFallbackAdapter?: boolean }).isFallbackAdapter;
  return {
    vendor: info.vendor ?? '',
    architecture: info.architecture ?? '',
    device: info.device ?? '',
    description: info.description ?? '',
    isFallbackAdapter: Boolean(info.isFallbackAdapter ?? legacyFallback ?? false),
  };
}

export function browserPlatform(host: 'worker' | 'page'): Platform {
  return {
    host,
    order: ['webgpu', 'webgl', 'wasm', 'cpu'],
    async tryBackend(name) {
      if (name === 'webgpu') return probeWebGPU();
      const result = await activateBackend(name);
      if (!result.ok) return result;
      if (name === 'wasm') {
        const threads = getThreadsCount();
        const simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT');
        return { ok: true, details: { threads, threadsWhy: wasmThreads.why, simd } };
      }
      if (name === 'webgl') return { ok: true, details: { webglVersion: tf.env().getNumber('WEBGL_VERSION') } };
      return result;
    },
    measure: () => measureActiveBackend(),
  };
}
