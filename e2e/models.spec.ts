// Model weights in the browser: IndexedDB, user-picked files and HTTP, through the engine worker on
// WebGPU, with validation that refuses a tampered file and keeps the loaded model.
import { expect, test, type Page } from '@playwright/test';
import type { Engine, ModelProbe } from '../src/engine/types';

type Lab = { engine: Engine };
declare global {
  interface Window {
    embedRL: Lab;
  }
}

async function ready(page: Page) {
  await page.goto('/?backend=webgpu');
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
  await expect(page.getByTestId('backend-badge')).toHaveText('webgpu');
}

test('weights round-trip through IndexedDB, files and HTTP; a tampered file is refused', async ({ page }) => {
  await ready(page);
  const { original, files } = await page.evaluate(async () => {
    const e = window.embedRL.engine;
    await e.loadModel('embedder', { kind: 'random', preset: 'tiny', seed: 11 });
    await e.loadModel('reasoner', { kind: 'random', preset: 'tiny', seed: 11 });
    const original = await e.probeModels(1);
    await e.saveModel('embedder', 'e2e', 'float32');
    await e.saveModel('reasoner', 'e2e', 'float32');
    const files = await Promise.all((['embedder', 'reasoner'] as const).map((r) => e.exportModel(r, 'float32')));
    return { original, files: files.flat().map((f) => ({ name: f.name, bytes: Array.from(new Uint8Array(f.bytes)) })) };
  });
  expect(original.embedding!.length).toBeGreaterThan(0);
  expect(original.reasoner!.tokens.length).toBeGreaterThan(0);

  // A fresh page (a reload) gets the models back from IndexedDB.
  await ready(page);
  const fromDb = await page.evaluate(async () => {
    const e = window.embedRL.engine;
    await e.loadModel('embedder', { kind: 'indexeddb', key: 'e2e' });
    const status = await e.loadModel('reasoner', { kind: 'indexeddb', key: 'e2e' });
    return {
      probe: await e.probeModels(1),
      source: status.models.embedder?.source,
      sha: status.models.reasoner?.sha256,
    };
  });
  expect(fromDb.source).toBe('indexeddb');
  expect(fromDb.sha).toMatch(/^[0-9a-f]{64}$/);
  expectSameProbe(fromDb.probe, original);

  // Files a user picked (File objects), and the same files over HTTP.
  await page.route('**/e2e-models/**', async (route) => {
    const name = route.request().url().split('/').pop()!;
    const f = files.find((x) => x.name === name);
    await route.fulfill(f ? { status: 200, body: Buffer.from(f.bytes) } : { status: 404 });
  });
  const viaFilesAndHttp = await page.evaluate(async (files) => {
    const e = window.embedRL.engine;
    const asFile = (f: { name: string; bytes: number[] }) => new File([new Uint8Array(f.bytes)], f.name);
    await e.loadModel('embedder', {
      kind: 'files',
      files: files.filter((f) => f.name.startsWith('embedder')).map(asFile),
    });
    await e.loadModel('reasoner', { kind: 'url', url: `${location.origin}/e2e-models/reasoner.json` });
    return e.probeModels(1);
  }, files);
  expectSameProbe(viaFilesAndHttp, original);

  // One flipped byte in the weights: refused with the reason, and the loaded embedder is untouched.
  const tampered = await page.evaluate(async (files) => {
    const e = window.embedRL.engine;
    const picked = files
      .filter((f) => f.name.startsWith('embedder'))
      .map((f) => {
        const bytes = new Uint8Array(f.bytes);
        if (f.name.endsWith('.bin')) bytes[17] ^= 0xff;
        return new File([bytes], f.name);
      });
    const error = await e.loadModel('embedder', { kind: 'files', files: picked }).then(
      () => null,
      (err: Error) => err.message,
    );
    return { error, probe: await e.probeModels(1) };
  }, files);
  expect(tampered.error).toMatch(/SHA-256/);
  expectSameProbe(tampered.probe, original);
});

function expectSameProbe(a: ModelProbe, b: ModelProbe) {
  expect(a.reasoner!.tokens).toEqual(b.reasoner!.tokens);
  expect(a.embedding!.length).toBe(b.embedding!.length);
  a.embedding!.forEach((v, i) => expect(Math.abs(v - b.embedding![i])).toBeLessThan(1e-5));
}
