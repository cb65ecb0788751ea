// The browser host (the engine worker, or the page in a pinch): WebGPU → WebGL → WASM → CPU.
import '../../tf/tf-setup';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-webgpu';
import { getThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlainUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { activateBackend } from './activate';
import { measureActiveBackend } from './measure';
import type { Platform, ProbeResult } from './backend';
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
// The threaded WASM build spawns its pthread pool from a blob URL, which hangs inside a module worker;
// WASM is the fallback here, so it runs single-threaded (SIMD where available).
tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);

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
        return { ok: true, details: { threads, simd: tf.env().getBool('WASM_HAS_SIMD_SUPPORT') } };
      }
      if (name === 'webgl') return { ok: true, details: { webglVersion: tf.env().getNumber('WEBGL_VERSION') } };
      return result;
    },
    measure: () => measureActiveBackend(),
  };
}
