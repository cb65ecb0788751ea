// Backend selection: try backends in order and keep the fastest that starts (a platform that can time
// them: the browser) or the first (Node), and remember why each
// earlier one was skipped. The probing itself is host-specific (see platform-*.ts); the order and the
// bookkeeping are here, pure, so tests can drive them with a backend made to fail.
import {
  BACKEND_ORDER,
  type AdapterInfo,
  type BackendName,
  type MeasuredBackend,
  type BackendPreference,
  type SkippedBackend,
} from '../types';
import { NoBackendError } from '../errors';
import { errorMessage } from '../../media/errors';

export type ProbeResult =
  | { ok: true; adapter?: AdapterInfo; details?: Record<string, string | number | boolean> }
  | { ok: false; reason: string };

/** Host-specific knowledge: which backends exist here and how to make one active. */
export interface Platform {
  host: 'worker' | 'page' | 'node';
  /** Backends this host can offer, best first. */
  order: readonly BackendName[];
  /** Make `name` the active tfjs backend, or say why it cannot be. Must not throw. */
  tryBackend(name: BackendName): Promise<ProbeResult>;
  /**
   * GFLOP/s of the active backend on the models' kind of work (measure.ts). With it, the automatic choice
   * starts every backend it can and keeps the fastest; without it (Node), the first that starts.
   */
  measure?(): Promise<number>;
}

export interface Selection {
  backend: BackendName;
  adapter: AdapterInfo | null;
  details: Record<string, string | number | boolean>;
  skipped: SkippedBackend[];
  /** The automatic choice's measurements, in the order tried (empty for an override or an unmeasured host). */
  measured: MeasuredBackend[];
}

/**
 * The order to try: the preferred backend first (if the host has it), then the host's order.
 * A preferred backend the host lacks is skipped with a reason rather than silently ignored.
 */
export function candidateOrder(
  preference: BackendPreference,
  hostOrder: readonly BackendName[],
): { order: BackendName[]; skipped: SkippedBackend[] } {
  const sorted = BACKEND_ORDER.filter((b) => hostOrder.includes(b));
  if (preference === 'auto') return { order: sorted, skipped: [] };
  if (!hostOrder.includes(preference)) {
    return {
      order: sorted,
      skipped: [{ backend: preference, reason: `${label(preference)}: not available on this host` }],
    };
  }
  return { order: [preference, ...sorted.filter((b) => b !== preference)], skipped: [] };
}

/** Try each backend in turn: the fastest measured wins under 'auto' (with platform.measure), else the first that starts. Throws NoBackendError listing every reason. */
export async function selectBackend(
  platform: Platform,
  preference: BackendPreference = 'auto',
  onTry?: (backend: BackendName, index: number, total: number) => void,
): Promise<Selection> {
  const { order, skipped } = candidateOrder(preference, platform.order);
  if (preference === 'auto' && platform.measure) return selectByMeasurement(platform, order, skipped, onTry);
  for (let i = 0; i < order.length; i++) {
    const backend = order[i];
    onTry?.(backend, i, order.length);
    const result = await tryOne(platform, backend);
    if (result.ok) {
      return { backend, adapter: result.adapter ?? null, details: result.details ?? {}, skipped, measured: [] };
    }
    skipped.push({ backend, reason: result.reason });
  }
  throw noBackend(skipped);
}

async function tryOne(platform: Platform, backend: BackendName): Promise<ProbeResult> {
  try {
    return await platform.tryBackend(backend);
  } catch (err) {
    return { ok: false, reason: `${label(backend)}: ${errorMessage(err)}` };
  }
}

/**
 * Start every backend that can start, time each (platform.measure), keep the fastest and make it active
 * again. CPU is measured only when WASM did not start (WASM always beats it). Ties keep the earlier one.
 */
async function selectByMeasurement(
  platform: Platform,
  order: BackendName[],
  skipped: SkippedBackend[],
  onTry?: (backend: BackendName, index: number, total: number) => void,
): Promise<Selection> {
  const started: { backend: BackendName; result: Extract<ProbeResult, { ok: true }> }[] = [];
  const measured: MeasuredBackend[] = [];
  for (let i = 0; i < order.length; i++) {
    const backend = order[i]!;
    if (backend === 'cpu' && started.some((s) => s.backend === 'wasm')) continue;
    onTry?.(backend, i, order.length);
    const result = await tryOne(platform, backend);
    if (!result.ok) {
      skipped.push({ backend, reason: result.reason });
      continue;
    }
    let gflops: number;
    try {
      gflops = await platform.measure!();
    } catch (err) {
      skipped.push({ backend, reason: `${label(backend)}: started, but the speed test failed: ${errorMessage(err)}` });
      continue;
    }
    started.push({ backend, result });
    measured.push({ backend, gflops, ...(result.adapter?.isFallbackAdapter ? { fallbackAdapter: true } : {}) });
  }
  if (started.length === 0) throw noBackend(skipped);
  const best = measured.reduce((a, b) => (b.gflops > a.gflops ? b : a));
  const chosen = started.find((s) => s.backend === best.backend)!;
  if (started.at(-1)!.backend !== best.backend) {
    const again = await tryOne(platform, best.backend);
    if (!again.ok) throw noBackend([...skipped, { backend: best.backend, reason: again.reason }]);
  }
  for (const m of measured)
    if (m.backend !== best.backend)
      skipped.push({
        backend: m.backend,
        reason: `${label(m.backend)}: started, measured slower (${describeMeasured([m])})`,
      });
  return {
    backend: best.backend,
    adapter: chosen.result.adapter ?? null,
    details: chosen.result.details ?? {},
    skipped,
    measured,
  };
}

/** "WebGPU (software adapter) 0.9 GFLOP/s · WASM 18 GFLOP/s". */
export function describeMeasured(measured: readonly MeasuredBackend[]): string {
  return measured
    .map(
      (m) =>
        `${label(m.backend)}${m.fallbackAdapter ? ' (software adapter)' : ''} ${m.gflops >= 10 ? m.gflops.toFixed(0) : m.gflops.toFixed(1)} GFLOP/s`,
    )
    .join(' · ');
}

function noBackend(skipped: SkippedBackend[]): NoBackendError {
  return new NoBackendError(
    `No compute backend could start. ${skipped.map((s) => s.reason).join('; ')}. ` +
      'Try a recent Chrome or Edge, or enable WebAssembly.',
  );
}

export function label(backend: BackendName): string {
  return { webgpu: 'WebGPU', webgl: 'WebGL', wasm: 'WASM', cpu: 'CPU' }[backend];
}

/**
 * WASM threads for a machine with `cores` logical cores, in Node and in the browser alike. On 2-vCPU machines two
 * threads speed up large matmuls but sometimes fall into a state where every small op costs ~0.6 ms more (src/tf/
 * README.md), and in a page the second thread competes with the UI, so ≤ 2 cores run one thread; larger machines
 * run one per core up to 4.
 */
export function wasmThreadsFor(cores: number): number {
  return cores <= 2 ? 1 : Math.min(Math.floor(cores), 4);
}
