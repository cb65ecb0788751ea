import { describe, expect, test } from 'vitest';
import { candidateOrder, selectBackend, type Platform, type ProbeResult } from './backend';
import { NoBackendError } from './errors';
import type { BackendName } from './types';

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
  test('auto follows WebGPU → WebGL → WASM → CPU, restricted to the host', () => {
    expect(candidateOrder('auto', ['cpu', 'wasm', 'webgpu', 'webgl']).order).toEqual(['webgpu', 'webgl', 'wasm', 'cpu']);
    expect(candidateOrder('auto', ['cpu', 'wasm']).order).toEqual(['wasm', 'cpu']);
  });
  test('a preference goes first, the rest keep their order', () => {
    expect(candidateOrder('wasm', ['webgpu', 'webgl', 'wasm', 'cpu']).order).toEqual(['wasm', 'webgpu', 'webgl', 'cpu']);
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
