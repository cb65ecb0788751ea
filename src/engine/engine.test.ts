import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-webgl';
import { describe, expect, test } from 'vitest';
import { activateBackend } from './backend/activate';
import type { Platform } from './backend/backend';
import { createEngine } from './engine';
import { nodePlatform } from './backend/platform-node';

describe('LabEngine in Node', () => {
  test('starts on WASM', async () => {
    const engine = createEngine(nodePlatform());
    expect((await engine.status()).phase).toBe('idle');
    const progress: string[] = [];
    const status = await engine.init({}, (p) => progress.push(p.message ?? ''));
    expect(status.phase).toBe('ready');
    expect(status.backend).toBe('wasm');
    expect(status.host).toBe('node');
    expect(tf.getBackend()).toBe('wasm');
    expect(progress.at(-1)).toBe('Running on wasm');
  });

  test('a backend that really fails (WebGL has no context in Node) is skipped with its reason', async () => {
    const platform: Platform = { host: 'node', order: ['webgl', 'wasm', 'cpu'], tryBackend: activateBackend };
    const status = await createEngine(platform).init();
    expect(status.backend).toBe('wasm');
    expect(status.skipped).toHaveLength(1);
    expect(status.skipped[0].backend).toBe('webgl');
    expect(status.skipped[0].reason).toMatch(/^WebGL: /);
  });

  test('no working backend gives a clear error status, not a throw', async () => {
    const platform: Platform = { host: 'node', order: ['webgl'], tryBackend: activateBackend };
    const status = await createEngine(platform).init({ preference: 'webgl' });
    expect(status.phase).toBe('error');
    expect(status.error).toMatch(/No compute backend could start.*WebGL: /);
  });

  test('self-check: WASM equals CPU, and repeated checks leak no tensors', async () => {
    const engine = createEngine(nodePlatform());
    await engine.init({ preference: 'wasm' });
    const first = await engine.selfCheck(3);
    expect(first.backend).toBe('wasm');
    expect(first.values).toHaveLength(8 * 16);
    expect(first.maxAbsDiff).toBeLessThan(1e-4);
    expect(tf.getBackend()).toBe('wasm');
    const before = tf.memory().numTensors;
    expect((await engine.memory()).numTensors).toBe(before);
    for (let i = 0; i < 5; i++) await engine.selfCheck(3);
    expect(tf.memory().numTensors).toBe(before);
    const held = tf.zeros([4, 4]);
    expect(await engine.memory()).toMatchObject({ backend: 'wasm', numTensors: before + 1 });
    held.dispose();
    expect((await engine.memory()).numTensors).toBe(before);
    const other = await engine.selfCheck(4);
    expect(other.values).not.toEqual(first.values);
  });

  test('selfCheck before init is refused', async () => {
    await expect(createEngine(nodePlatform()).selfCheck()).rejects.toThrow(/not ready/);
  });
});
