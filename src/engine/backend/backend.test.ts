import { describe, expect, test } from 'vitest';
import { candidateOrder, selectBackend, type Platform, type ProbeResult } from './backend';
import { NoBackendError } from '../errors';
import type { BackendName } from '../types';

function fakePlatform(results: Partial<Record<BackendName, ProbeResult | Error>>, tried: BackendName[] = []): Platform {
  return {
    host: 'page',
    order: ['webgpu', 'webgl', 'wasm', 'cpu'],
    async tryBackend(name) {
      tried.push(name);
      const r = results[name] ?? { ok: false, reason: `${name}: unset` };
      if (r instanceof Error) throw r;
      return r;
    },
  };
}

describe('candidateOrder', () => {
  const order = (...args: Parameters<typeof candidateOrder>) => candidateOrder(...args).order.join(' → ');
  test('auto follows WebGPU → WebGL → WASM → CPU, restricted to the host', () => {
    expect(order('auto', ['cpu', 'wasm', 'webgpu', 'webgl'])).toBe('webgpu → webgl → wasm → cpu');
    expect(order('auto', ['cpu', 'wasm'])).toBe('wasm → cpu');
  });
  test('a preference goes first, the rest keep their order', () => {
    expect(order('wasm', ['webgpu', 'webgl', 'wasm', 'cpu'])).toBe('wasm → webgpu → webgl → cpu');
  });
  test('a preference the host lacks is reported, not silently dropped', () => {
    const { order, skipped } = candidateOrder('webgpu', ['wasm', 'cpu']);
    expect(order).toEqual(['wasm', 'cpu']);
    expect(skipped).toEqual([{ backend: 'webgpu', reason: 'WebGPU: not available on this host' }]);
  });
});

describe('selectBackend', () => {
  test('falls back in order and records why each backend was skipped', async () => {
    const tried: BackendName[] = [];
    const platform = fakePlatform(
      {
        webgpu: { ok: false, reason: 'WebGPU: no adapter' },
        webgl: new Error('context lost'),
        wasm: { ok: true, details: { threads: 2 } },
        cpu: { ok: true },
      },
      tried,
    );
    const sel = await selectBackend(platform);
    expect(sel.backend).toBe('wasm');
    expect(sel.details).toEqual({ threads: 2 });
    expect(tried).toEqual(['webgpu', 'webgl', 'wasm']);
    expect(sel.skipped).toEqual([
      { backend: 'webgpu', reason: 'WebGPU: no adapter' },
      { backend: 'webgl', reason: 'WebGL: context lost' },
    ]);
  });

  test('the user override is tried first and falls back when it fails', async () => {
    const tried: BackendName[] = [];
    const platform = fakePlatform({ cpu: { ok: false, reason: 'CPU: disabled' }, webgpu: { ok: true } }, tried);
    const sel = await selectBackend(platform, 'cpu');
    expect(tried).toEqual(['cpu', 'webgpu']);
    expect(sel.backend).toBe('webgpu');
    expect(sel.skipped.map((s) => s.backend)).toEqual(['cpu']);
  });

  test('when nothing works, the error lists every reason', async () => {
    const err = await selectBackend(fakePlatform({})).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NoBackendError);
    const msg = (err as Error).message;
    for (const b of ['webgpu', 'webgl', 'wasm', 'cpu']) expect(msg).toContain(`${b}: unset`);
  });
});

describe('selectBackend by measurement (auto, a platform that can time backends)', () => {
  /** A platform whose measure() reports the speed of the backend made active last. */
  function timedPlatform(
    speeds: Partial<Record<BackendName, number | Error>>,
    failing: BackendName[] = [],
    tried: BackendName[] = [],
  ) {
    let active: BackendName | null = null;
    const platform: Platform = {
      host: 'page',
      order: ['webgpu', 'webgl', 'wasm', 'cpu'],
      async tryBackend(name) {
        tried.push(name);
        if (failing.includes(name)) return { ok: false, reason: `${name}: cannot start` };
        active = name;
        return name === 'webgpu'
          ? {
              ok: true,
              adapter: {
                vendor: 'google',
                architecture: 'swiftshader',
                device: '',
                description: '',
                isFallbackAdapter: true,
              },
            }
          : { ok: true, details: { name } };
      },
      async measure() {
        const s = speeds[active!];
        if (s instanceof Error) throw s;
        return s ?? 1;
      },
    };
    return { platform, tried, active: () => active };
  }

  test('a software WebGPU adapter loses to WASM; the winner is made active again and the losers are listed', async () => {
    const t = timedPlatform({ webgpu: 0.9, webgl: 2, wasm: 18, cpu: 0.2 });
    const sel = await selectBackend(t.platform, 'auto');
    expect(sel.backend).toBe('wasm');
    expect(t.active()).toBe('wasm');
    expect(t.tried).toEqual(['webgpu', 'webgl', 'wasm']); // CPU is not tried once WASM started
    expect(sel.measured).toEqual([
      { backend: 'webgpu', gflops: 0.9, fallbackAdapter: true },
      { backend: 'webgl', gflops: 2 },
      { backend: 'wasm', gflops: 18 },
    ]);
    expect(sel.details).toEqual({ name: 'wasm' });
    expect(sel.skipped.map((s) => s.backend)).toEqual(['webgpu', 'webgl']);
    expect(sel.skipped[0]!.reason).toMatch(/measured slower/);
  });

  test('a fast WebGPU wins and is re-activated after the others were tried', async () => {
    const t = timedPlatform({ webgpu: 400, webgl: 90, wasm: 20 });
    const sel = await selectBackend(t.platform, 'auto');
    expect(sel.backend).toBe('webgpu');
    expect(t.active()).toBe('webgpu');
    expect(sel.adapter?.architecture).toBe('swiftshader');
    expect(t.tried.at(-1)).toBe('webgpu');
  });

  test('a failed speed test skips that backend with its reason; nothing starting throws; an override is not measured', async () => {
    const t = timedPlatform({ webgpu: new Error('device lost'), wasm: 5 }, ['webgl']);
    const sel = await selectBackend(t.platform, 'auto');
    expect(sel.backend).toBe('wasm');
    expect(sel.skipped.find((s) => s.backend === 'webgpu')!.reason).toMatch(/speed test failed: device lost/);
    await expect(
      selectBackend(timedPlatform({}, ['webgpu', 'webgl', 'wasm', 'cpu']).platform, 'auto'),
    ).rejects.toBeInstanceOf(NoBackendError);
    const o = timedPlatform({ webgpu: 0.5, wasm: 50 });
    const forced = await selectBackend(o.platform, 'webgpu');
    expect(forced).toMatchObject({ backend: 'webgpu', measured: [] });
    expect(o.tried).toEqual(['webgpu']);
  });
});
