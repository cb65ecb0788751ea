// Backend selection: try backends in order, keep the first that initialises, and remember why each
// earlier one was skipped. The probing itself is host-specific (see platform-*.ts); the order and the
// bookkeeping are here, pure, so tests can drive them with a backend made to fail.
import { BACKEND_ORDER, type AdapterInfo, type BackendName, type BackendPreference, type SkippedBackend } from './types';
import { NoBackendError } from './errors';

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
}

export interface Selection {
  backend: BackendName;
  adapter: AdapterInfo | null;
  details: Record<string, string | number | boolean>;
  skipped: SkippedBackend[];
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
    return { order: sorted, skipped: [{ backend: preference, reason: `${label(preference)}: not available on this host` }] };
  }
  return { order: [preference, ...sorted.filter((b) => b !== preference)], skipped: [] };
}

/** Try each backend in turn; the first that initialises wins. Throws NoBackendError listing every reason. */
export async function selectBackend(
  platform: Platform,
  preference: BackendPreference = 'auto',
  onTry?: (backend: BackendName, index: number, total: number) => void,
): Promise<Selection> {
  const { order, skipped } = candidateOrder(preference, platform.order);
  for (let i = 0; i < order.length; i++) {
    const backend = order[i];
    onTry?.(backend, i, order.length);
    let result: ProbeResult;
    try {
      result = await platform.tryBackend(backend);
    } catch (err) {
      result = { ok: false, reason: `${label(backend)}: ${errorMessage(err)}` };
    }
    if (result.ok) {
      return { backend, adapter: result.adapter ?? null, details: result.details ?? {}, skipped };
    }
    skipped.push({ backend, reason: result.reason });
  }
  throw new NoBackendError(
    `No compute backend could start. ${skipped.map((s) => s.reason).join('; ')}. ` +
      'Try a recent Chrome or Edge, or enable WebAssembly.',
  );
}

export function label(backend: BackendName): string {
  return { webgpu: 'WebGPU', webgl: 'WebGL', wasm: 'WASM', cpu: 'CPU' }[backend];
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === 'object' && err !== null && 'message' in err) return String((err as { message: unknown }).message);
  return String(err);
}
