// Engine slice: the worker's lifecycle, its status and start-up progress.
import * as Comlink from 'comlink';
import type { StateCreator } from 'zustand';
import type { BackendPreference, EngineStatus, Progress, SelfCheckResult } from '../../engine/types';
import { startEngineWorker, type EngineHandle } from '../engine-client';
import type { AppState } from './index';
import { errorMessage } from '../../media/errors';

const PREFERENCE_KEY = 'embedrl.backend';
const PREFERENCES: BackendPreference[] = ['auto', 'webgpu', 'webgl', 'wasm', 'cpu'];

export interface EngineSlice {
  handle: EngineHandle | null;
  status: EngineStatus | null;
  progress: Progress | null;
  preference: BackendPreference;
  selfCheck: SelfCheckResult | null;
  selfCheckError: string | null;
  /** Start (or restart) the worker with the current preference. */
  startEngine(): Promise<void>;
  setPreference(preference: BackendPreference): Promise<void>;
  runSelfCheck(): Promise<void>;
}

/** The user's backend choice: `?backend=` in the URL wins, then what they picked last time. */
export function initialPreference(): BackendPreference {
  const fromUrl = new URLSearchParams(globalThis.location?.search ?? '').get('backend');
  const stored = safeLocalStorage()?.getItem(PREFERENCE_KEY);
  const pick = (fromUrl ?? stored ?? 'auto') as BackendPreference;
  return PREFERENCES.includes(pick) ? pick : 'auto';
}

export function safeLocalStorage(): Storage | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null; // storage disabled: the choice just is not remembered
  }
}

/**
 * `window.embedRL.engine` is the live Engine proxy: every call the UI can make, from the devtools console
 * (e.g. `await embedRL.engine.status()`). The e2e tests drive the engine through it too.
 */
function exposeForDevtools(handle: EngineHandle) {
  (globalThis as { embedRL?: { engine: EngineHandle['engine'] } }).embedRL = { engine: handle.engine };
}

export const createEngineSlice: StateCreator<AppState, [], [], EngineSlice> = (set, get) => ({
  handle: null,
  status: null,
  progress: null,
  preference: initialPreference(),
  selfCheck: null,
  selfCheckError: null,

  async startEngine() {
    get().handle?.terminate();
    const handle = startEngineWorker();
    exposeForDevtools(handle);
    // A new worker holds no models and no library: those views start again from scratch.
    set({
      handle,
      status: null,
      progress: { task: 'backend', done: 0, total: 1, message: 'Starting the engine…' },
      selfCheck: null,
      libraryPhase: 'idle',
      library: null,
      result: null,
      selectedId: null,
      selectedTrace: null,
    });
    try {
      const status = await handle.engine.init(
        { preference: get().preference },
        Comlink.proxy((progress: Progress) => {
          if (get().handle === handle) set({ progress });
        }),
      );
      if (get().handle === handle) set({ status, progress: null });
    } catch (err) {
      if (get().handle !== handle) return;
      set({
        progress: null,
        status: {
          phase: 'error',
          backend: null,
          preference: get().preference,
          adapter: null,
          skipped: [],
          measured: [],
          details: {},
          error: `The engine worker failed to start: ${errorMessage(err)}`,
          models: { reasoner: null, embedder: null },
          host: 'worker',
        },
      });
    }
  },

  async setPreference(preference) {
    safeLocalStorage()?.setItem(PREFERENCE_KEY, preference);
    set({ preference });
    await get().startEngine();
  },

  async runSelfCheck() {
    const handle = get().handle;
    if (!handle) return;
    set({ selfCheckError: null });
    try {
      set({ selfCheck: await handle.engine.selfCheck(1) });
    } catch (err) {
      set({ selfCheckError: errorMessage(err) });
    }
  },
});
