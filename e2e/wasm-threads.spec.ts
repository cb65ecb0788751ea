// Threaded WASM in the app: the built app is served cross-origin isolated (COOP / COEP), so the engine worker can
// start tfjs-backend-wasm's pthreads. On ≤ 2 cores the default is one thread; `?threads=2` asks for two. Two
// threads must rank a query exactly as one does.
import { expect, test, type Browser } from '@playwright/test';
import { openReady, pageErrors } from './helpers';

async function searchWith(browser: Browser, threads: number) {
  const context = await browser.newContext(); // a fresh profile each: nothing cached between the two
  const page = await context.newPage();
  const errors = pageErrors(page);
  await openReady(page, `view=explore&collection=24&tcot=teacher&threads=${threads}`, 'wasm');
  const status = await page.evaluate(() => window.embedRL.engine.status());
  const isolated = await page.evaluate(() => crossOriginIsolated);
  const items = await page.evaluate(() => window.embedRL.engine.listItems());
  const caption = items.find((i) => i.kind === 'image' && i.caption)!.caption!;
  await page.getByTestId('query-input').fill(caption);
  await page.getByTestId('query-submit').click();
  await expect(page.getByTestId('results')).toHaveAttribute('data-pending', 'false', { timeout: 120_000 });
  const ranked = await page.getByTestId('result').evaluateAll((els) => els.map((e) => e.getAttribute('data-id')));
  await context.close();
  return { status, isolated, ranked, errors };
}

test('the page is cross-origin isolated; two WASM threads start and rank as one thread does', async ({ browser }) => {
  test.setTimeout(300_000);
  const one = await searchWith(browser, 1);
  const two = await searchWith(browser, 2);
  expect(one.isolated).toBe(true);
  expect(one.status.details.threads).toBe(1);
  expect(two.status.details.threads).toBe(2);
  expect(two.status.details.threadsWhy).toContain('asked for');
  expect(two.ranked.length).toBeGreaterThan(0);
  expect(two.ranked).toEqual(one.ranked);
  expect([...one.errors, ...two.errors]).toEqual([]);
});
