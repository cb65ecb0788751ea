// Node only: initialise the tfjs WASM backend with real multi-threading (XNNPACK pthreads).
//
// @tensorflow/tfjs-backend-wasm refuses threads under Node (flag WASM_HAS_MULTITHREAD_SUPPORT is
// hard-wired to false when IS_NODE, tfjs issue 3830). Forcing the flag is not enough, because the
// backend hands Emscripten browser-only resources:
//   1. locateFile('…worker.js') returns URL.createObjectURL(Blob) — a "blob:nodedata:" string that
//      worker_threads.Worker refuses (ERR_WORKER_PATH);
//   2. Module.mainScriptUrlOrBlob is a Blob of the bundled factory's source, which each pthread worker
//      would have to turn into a blob: URL and read with fs.readFileSync (impossible in Node; the
//      bundled source also depends on the bundle's closure: tslib helpers, require$$0, …).
// Emscripten's own Node pthread support is fine; it only needs files. So, at runtime and without
// touching node_modules, we:
//   - write the pthread worker script (the package's own wasm-out worker contents plus a 3-line
//     postlude) to a content-addressed file in the OS temp dir;
//   - hook URL.createObjectURL so that *only* the backend's worker Blob (type application/javascript,
//     exact byte size of the known worker script) resolves to that file's absolute path;
//   - the postlude replaces the Blob main script in the worker's "load" message by the absolute path
//     of the package's standalone wasm-out/tfjs-backend-wasm-threaded-simd.js (the same Emscripten
//     build the bundle embeds), which the worker loads with its usual importScripts(fs.readFileSync);
//   - during init only, make os.cpus() report >= 2×threads entries: the C++ side caps the pool at
//     os.cpus().length / 2 (so a 2-vCPU box would silently get 1 thread);
//   - after init, un-ref the pthread workers (Emscripten ref()s a worker while a pthread runs on it,
//     and XNNPACK's pool threads live forever, which would keep the process alive at exit).
// If anything fails (no SharedArrayBuffer / wasm threads / SIMD, files missing, init error or
// timeout, thread count mismatch, wrong numbers in a self-check) we fall back to single-threaded
// SIMD and say why in `fallbackReason`.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { getThreadsCount, setThreadsCount } from '@tensorflow/tfjs-backend-wasm';

export interface NodeWasmInfo {
  backend: 'wasm';
  /** XNNPACK thread count actually in use (1 = single-threaded). */
  threads: number;
  simd: boolean;
  /** Set when threads were asked for (> 1) but we had to fall back to a single thread. */
  fallbackReason?: string;
}

export interface NodeWasmOptions {
  /** Threads to use (caller thread included). Default: available cores, at most 4. Clamped to [1, 8]. */
  threads?: number;
  /** Give up on the threaded init after this many ms (default 30 s) and fall back. */
  initTimeoutMs?: number;
}

/** Emscripten pre-spawns this many pthread workers (pthreadPoolSize=8 in the 4.22 build); staying within
 * the pool means no worker is ever created lazily after init. */
const MAX_THREADS = 8;
const WASM_PRIORITY = 2;
const FALLBACK_TIMEOUT_MS = 120_000;
const MAIN_SCRIPT = 'wasm-out/tfjs-backend-wasm-threaded-simd.js';
const WORKER_CONTENTS_MODULE = 'wasm-out/tfjs-backend-wasm-threaded-simd.worker.js';

let current: { key: number; info: NodeWasmInfo } | null = null;
let inFlight: Promise<NodeWasmInfo> | null = null;

/**
 * Registers (if needed) and activates the tfjs WASM backend in Node, with `threads` XNNPACK threads when
 * at all possible, otherwise single-threaded (SIMD when available) with `fallbackReason` set.
 * Idempotent for the same thread count; a different count re-initialises the backend (existing WASM
 * tensors are lost). Leaves 'wasm' as the active tf backend.
 */
export async function initNodeWasm(opts: NodeWasmOptions = {}): Promise<NodeWasmInfo> {
  while (inFlight) await inFlight.catch(() => undefined);
  const requested = clampThreads(opts.threads ?? Math.min(availableCores(), 4));
  if (
    current &&
    current.key === requested &&
    tf.findBackend('wasm') != null &&
    safeThreadsCount() === current.info.threads
  ) {
    if (tf.getBackend() !== 'wasm') await tf.setBackend('wasm');
    return { ...current.info };
  }
  inFlight = doInit(requested, opts.initTimeoutMs ?? 30_000);
  try {
    const info = await inFlight;
    current = { key: requested, info };
    return { ...info };
  } finally {
    inFlight = null;
  }
}

async function doInit(requested: number, timeoutMs: number): Promise<NodeWasmInfo> {
  if (tf.findBackendFactory('wasm') == null) throw new Error('tfjs WASM backend is not registered');
  const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;

  let fallbackReason: string | undefined;
  if (requested > 1) {
    const problem = simd ? threadPrerequisiteProblem() : 'WASM SIMD is unavailable (the threaded build needs it)';
    if (problem) {
      fallbackReason = problem;
    } else {
      try {
        const threads = await initThreaded(requested, timeoutMs);
        return { backend: 'wasm', threads, simd: true };
      } catch (err) {
        fallbackReason = `threaded init failed: ${message(err)}`;
      }
    }
  }

  resetWasmBackend();
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  setThreadsCount(1);
  const { ok, reason } = await activateWasm(Math.max(timeoutMs, FALLBACK_TIMEOUT_MS));
  if (!ok) throw new Error(`tfjs WASM backend failed to initialise: ${reason}`);
  const info: NodeWasmInfo = { backend: 'wasm', threads: 1, simd };
  if (fallbackReason) info.fallbackReason = fallbackReason;
  return info;
}

async function initThreaded(requested: number, timeoutMs: number): Promise<number> {
  const files = pthreadFiles();
  installObjectUrlHook(files);
  resetWasmBackend();
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  setThreadsCount(requested);
  // The C++ side caps the pool at emscripten_num_logical_cores() / 2 (it assumes 2 hyper-threads per
  // core), which Emscripten computes as os.cpus().length in Node and evaluates once, in a static
  // initialiser, while the module is instantiated. So on a 2-vCPU machine it would silently use 1
  // thread. Report enough cores for the requested count during init only.
  const restoreCpus = reportCoresDuringInit(requested * 2);
  let result: { ok: boolean; reason: string };
  try {
    result = await activateWasm(timeoutMs);
  } finally {
    restoreCpus();
  }
  if (!result.ok) throw new Error(result.reason);

  const module = wasmModule();
  const pthread = module?.PThread as PThreadLike | undefined;
  if (!pthread) throw new Error('backend initialised without Emscripten PThread support');
  unrefWorkers(pthread);

  const threads = getThreadsCount();
  if (threads !== requested) throw new Error(`XNNPACK reports ${threads} threads, asked for ${requested}`);
  const selfCheck = matmulSelfCheck();
  if (selfCheck) throw new Error(selfCheck);
  return threads;
}

// ---------------------------------------------------------------------------------------------------
// Backend (re)activation

async function activateWasm(timeoutMs: number): Promise<{ ok: boolean; reason: string }> {
  const warnings: string[] = [];
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    warnings.push(args.map((a) => message(a)).join(' '));
  };
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
      timer.unref();
    });
    const result = await Promise.race([tf.setBackend('wasm'), timeout]);
    if (result === 'timeout') {
      abandonPendingInit();
      return { ok: false, reason: `initialisation timed out after ${timeoutMs} ms` };
    }
    if (result) await tf.ready();
    if (result && tf.getBackend() === 'wasm') return { ok: true, reason: '' };
  } catch (err) {
    warnings.push(message(err));
  } finally {
    clearTimeout(timer);
    console.warn = warn;
  }
  const cause = warnings.find((w) => !/^Initialization of backend/.test(w)) ?? warnings[0] ?? 'failed to initialise';
  return { ok: false, reason: cause.split('\n')[0].slice(0, 300) };
}

type BackendFactory = () => tf.KernelBackend | Promise<tf.KernelBackend>;
let originalFactory: BackendFactory | null = null;
let lastAttempt: Promise<tf.KernelBackend> | null = null;

/** Registered in place of the package's factory so that an abandoned (timed-out) init can still be
 * disposed when it eventually completes: otherwise its running pthread would keep the process alive. */
const trackedFactory: BackendFactory = () => {
  if (!originalFactory) throw new Error('tfjs WASM backend factory missing');
  const result = originalFactory();
  lastAttempt = Promise.resolve(result);
  return result;
};

/** Drops any existing/pending WASM backend instance (terminating its pthreads) and (re-)registers the
 * factory so the next setBackend('wasm') runs the package's init() again with the current flags. */
function resetWasmBackend(): void {
  const engine = tf.engine();
  const entry = engine.registryFactory['wasm'];
  if (!entry) return;
  if (entry.factory !== trackedFactory) originalFactory = entry.factory;
  const hasInstance = engine.registry['wasm'] != null;
  const pending =
    engine.backendName === 'wasm' && (engine as unknown as { pendingBackendInit?: unknown }).pendingBackendInit != null;
  if (!hasInstance && !pending && entry.factory === trackedFactory) return;
  const priority = entry.priority ?? WASM_PRIORITY;
  tf.removeBackend('wasm');
  tf.registerBackend('wasm', trackedFactory, priority);
}

/** After a timed-out init: forget it, and dispose its backend (and pthreads) if it ever completes. */
function abandonPendingInit(): void {
  const stale = lastAttempt;
  resetWasmBackend();
  stale?.then(
    (backend) => backend.dispose(),
    () => undefined,
  );
}

// ---------------------------------------------------------------------------------------------------
// Pthread plumbing

interface PthreadFiles {
  workerPath: string;
  workerBlobSize: number;
}

interface WorkerLike {
  ref(): unknown;
  unref(): unknown;
}

interface PThreadLike {
  unusedWorkers: WorkerLike[];
  runningWorkers: WorkerLike[];
}

function wasmModule(): Record<string, unknown> | undefined {
  const backend = tf.findBackend('wasm') as unknown as { wasm?: Record<string, unknown> } | null;
  return backend?.wasm;
}

/** Emscripten ref()s a worker while a pthread runs on it; XNNPACK's pool threads never finish, so without
 * this a script would never exit. Workers still terminate with the process (or on backend dispose). */
function unrefWorkers(pthread: PThreadLike): void {
  for (const w of [...pthread.unusedWorkers, ...pthread.runningWorkers]) {
    w.unref();
    w.ref = () => w;
  }
}

function reportCoresDuringInit(count: number): () => void {
  const original = os.cpus;
  const real = original.call(os);
  if (real.length >= count || real.length === 0) return () => undefined;
  const padded = Array.from({ length: count }, (_, i) => real[i % real.length]);
  os.cpus = () => padded;
  return () => {
    os.cpus = original;
  };
}

function threadPrerequisiteProblem(): string | null {
  if (typeof SharedArrayBuffer !== 'function') return 'SharedArrayBuffer is unavailable';
  try {
    // Same probe as tfjs (wasm-feature-detect): a module using an atomic instruction.
    const ok = WebAssembly.validate(
      new Uint8Array([
        0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 5, 4, 1, 3, 1, 1, 10, 11, 1, 9, 0, 65, 0, 254, 16,
        2, 0, 26, 11,
      ]),
    );
    if (!ok) return 'WebAssembly threads (atomics) are unsupported by this runtime';
  } catch (err) {
    return `WebAssembly threads probe failed: ${message(err)}`;
  }
  if (typeof URL.createObjectURL !== 'function' || typeof Blob !== 'function')
    return 'URL.createObjectURL/Blob are unavailable';
  try {
    pthreadFiles();
  } catch (err) {
    return `cannot prepare the pthread worker script: ${message(err)}`;
  }
  return null;
}

let filesCache: PthreadFiles | null = null;

function pthreadFiles(): PthreadFiles {
  if (filesCache) return filesCache;
  const require = createRequire(import.meta.url);
  const pkgDir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
  const mainScript = path.join(pkgDir, MAIN_SCRIPT);
  if (!existsSync(mainScript)) throw new Error(`${mainScript} not found`);
  const contents = (require(path.join(pkgDir, WORKER_CONTENTS_MODULE)) as { wasmWorkerContents?: unknown })
    .wasmWorkerContents;
  if (typeof contents !== 'string' || !contents.includes('urlOrBlob'))
    throw new Error('unexpected pthread worker contents');
  // What backend_wasm.js puts in the Blob it hands to createObjectURL (it escapes raw newlines the same way).
  const blobText = contents.replace(/\n/g, '\\n');
  const workerBlobSize = Buffer.byteLength(blobText, 'utf8');
  const postlude =
    `\n;(function(){var main=${JSON.stringify(mainScript)};var orig=self.onmessage;` +
    `self.onmessage=function(e){var d=e&&e.data;if(d&&d.cmd==="load"&&typeof d.urlOrBlob!=="string")d.urlOrBlob=main;return orig.call(this,e)}})();\n`;
  const source = blobText + postlude;
  const hash = createHash('sha256').update(source).digest('hex').slice(0, 16);
  const dir = path.join(os.tmpdir(), 'tfjs-node-wasm');
  const workerPath = path.join(dir, `pthread-worker-${hash}.cjs`);
  if (!existsSync(workerPath) || readFileSync(workerPath, 'utf8') !== source) {
    mkdirSync(dir, { recursive: true });
    const tmp = `${workerPath}.${process.pid}.${Date.now()}.tmp`;
    writeFileSync(tmp, source);
    renameSync(tmp, workerPath); // atomic: concurrent processes never see a half-written file
  }
  filesCache = { workerPath, workerBlobSize };
  return filesCache;
}

let hookInstalled = false;

/** Only the tfjs pthread worker Blob is redirected (matched by type and exact size); everything else goes
 * to the original implementation. Stays installed: Emscripten may allocate a worker later on. */
function installObjectUrlHook(files: PthreadFiles): void {
  if (hookInstalled) return;
  const original = URL.createObjectURL.bind(URL);
  URL.createObjectURL = (obj: Blob | MediaSource): string => {
    if (obj instanceof Blob && obj.type === 'application/javascript' && obj.size === files.workerBlobSize) {
      return files.workerPath;
    }
    return original(obj as Blob);
  };
  hookInstalled = true;
}

// ---------------------------------------------------------------------------------------------------
// Self-check: a matmul big enough for XNNPACK to split across threads, against a plain JS reference.

function matmulSelfCheck(): string | null {
  const m = 96;
  const k = 80;
  const n = 112;
  const a = new Float32Array(m * k);
  const b = new Float32Array(k * n);
  for (let i = 0; i < a.length; i++) a[i] = ((i * 37) % 101) / 101 - 0.5;
  for (let i = 0; i < b.length; i++) b[i] = ((i * 53) % 97) / 97 - 0.5;
  const got = tf.tidy(() => tf.matMul(tf.tensor2d(a, [m, k]), tf.tensor2d(b, [k, n])).dataSync());
  let maxErr = 0;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a[i * k + p] * b[p * n + j];
      maxErr = Math.max(maxErr, Math.abs(s - got[i * n + j]));
    }
  }
  return maxErr <= 1e-3 ? null : `threaded matmul self-check failed (max abs error ${maxErr})`;
}

// ---------------------------------------------------------------------------------------------------

function safeThreadsCount(): number {
  try {
    return getThreadsCount();
  } catch {
    return -1;
  }
}

function clampThreads(n: number): number {
  if (!Number.isFinite(n)) return 1;
  return Math.max(1, Math.min(MAX_THREADS, Math.floor(n)));
}

function availableCores(): number {
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length || 1;
}

function message(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (err && typeof err === 'object' && 'message' in err) return String((err as { message: unknown }).message);
  return String(err);
}
