import { expect, test } from '@playwright/test';
import { pageErrors } from './helpers';

test.describe('app shell and engine', () => {
  test('auto measures the backends it can start: on SwiftShader WASM beats the software WebGPU adapter, and says so', async ({
    page,
  }) => {
    await page.goto('/');
    const badge = page.getByTestId('backend-badge');
    await expect(badge).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
    await expect(badge).toHaveText('wasm');
    const measured = (await badge.getAttribute('data-measured'))!;
    expect(measured).toMatch(/WebGPU \(software adapter\) [\d.]+ GFLOP\/s/);
    expect(measured).toMatch(/WASM [\d.]+ GFLOP\/s/);
    test.info().annotations.push({ type: 'measured backends', description: measured });
    await expect(badge).toHaveAttribute('title', /Measured: .* → WASM/);
    await page.getByTestId('selfcheck-run').click();
    await expect(page.getByTestId('selfcheck-result')).toHaveAttribute('data-backend', 'wasm', { timeout: 60_000 });
  });

  test('the engine starts in the worker on WebGPU (SwiftShader) when asked, and computes what CPU computes', async ({
    page,
  }, testInfo) => {
    const consoleErrors = pageErrors(page);
    await page.goto('/?backend=webgpu');
    await expect(page.getByRole('heading', { name: /Reasoning-driven multimodal embeddings/ })).toBeVisible();

    const badge = page.getByTestId('backend-badge');
    await expect(badge).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
    await expect(badge).toHaveText('webgpu');
    await expect(page.getByTestId('engine-adapter')).toContainText(/swiftshader|google|fallback/i);

    // The page itself has no WebGPU tensors: the work below can only have run in the worker.
    expect(await page.evaluate(() => typeof (globalThis as { tf?: unknown }).tf)).toBe('undefined');

    await page.getByTestId('selfcheck-run').click();
    const result = page.getByTestId('selfcheck-result');
    await expect(result).toBeVisible({ timeout: 60_000 });
    await expect(result).toHaveAttribute('data-backend', 'webgpu');
    expect(Number(await result.getAttribute('data-count'))).toBe(8 * 16);
    const diff = Number(await result.getAttribute('data-max-abs-diff'));
    expect(diff).toBeGreaterThanOrEqual(0);
    expect(diff).toBeLessThan(1e-3);

    await page.screenshot({ path: testInfo.outputPath('overview.png'), fullPage: true });
    await page.screenshot({ path: 'e2e-artifacts/overview.png', fullPage: true });
    expect(consoleErrors).toEqual([]);
  });

  test('a backend override (?backend=wasm) is honoured, and the choice survives a reload', async ({ page }) => {
    await page.goto('/?backend=wasm');
    const badge = page.getByTestId('backend-badge');
    await expect(badge).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
    await expect(badge).toHaveText('wasm');

    await page.getByTestId('backend-picker').selectOption('cpu');
    await expect(badge).toHaveText('cpu', { timeout: 60_000 });
    await page.goto('/');
    await expect(badge).toHaveText('cpu', { timeout: 60_000 });
    await page.getByTestId('selfcheck-run').click();
    await expect(page.getByTestId('selfcheck-result')).toHaveAttribute('data-backend', 'cpu');
  });
});
