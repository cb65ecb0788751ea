// Explore in real Chromium (WebGPU on SwiftShader) with tiny untrained models and the teacher's T-CoTs: find
// similar, the trace's boxes and key frames, the T-CoT toggle, and the keyboard — the machinery, not model quality.
import { expect, test } from '@playwright/test';
import { longTasks, openReady, pageErrors, shot, watchLongTasks } from './helpers';

// Tiny untrained models and short T-CoTs: each decode step costs ~0.2–0.4 s on SwiftShader. 9 images + 3 clips:
// every item is among the 12 results. WebGPU on purpose (SwiftShader: a correctness target).
const SMALL = 'backend=webgpu&collection=12&preset=tiny&tokens=12';

test('explore: find similar ranks the item first; the trace draws the JSON boxes and marks key frames; the T-CoT toggle re-ranks', async ({
  page,
}) => {
  const errors = pageErrors(page);
  await watchLongTasks(page);
  await openReady(page, `view=explore&${SMALL}&tcot=teacher`);
  // Reported, not asserted (speed is for benchmarks): long tasks while the app loaded and indexed.
  test.info().annotations.push({
    type: 'long tasks [duration ms, start ms] during start-up and indexing',
    description: JSON.stringify(await longTasks(page)),
  });
  await expect(page.getByTestId('untrained-note')).toBeVisible();
  await expect(page.getByTestId('library-ready')).toHaveAttribute('data-size', '12');

  // Unknown words are underlined with a note.
  await page.getByTestId('query-input').fill('a red zebra circle');
  await expect(page.locator('[data-unknown="true"]')).toHaveText(['zebra ']);
  await expect(page.getByTestId('unknown-note')).toBeVisible();

  // A text query: the T-CoT streams into the query's trace, results come back ranked.
  await page.getByTestId('query-input').fill('a red circle');
  await page.getByTestId('query-submit').click();
  // The default instruction ("find an image that matches the caption") ranks images only; "all items" ranks all 12.
  await expect(page.getByTestId('result')).toHaveCount(9, { timeout: 60_000 });
  await expect(page.getByTestId('results')).toHaveAttribute('data-pending', 'false', { timeout: 60_000 });
  await expect(page.locator('[data-testid="result"][data-id^="clip-"]')).toHaveCount(0);
  await expect(page.getByTestId('result-filter').locator('option').first()).toHaveText('Results: images (auto)');
  await page.getByTestId('result-filter').selectOption('all');
  await page.getByTestId('query-submit').click();
  await expect(page.getByTestId('result')).toHaveCount(12, { timeout: 60_000 });
  await expect(page.getByTestId('results')).toHaveAttribute('data-pending', 'false', { timeout: 60_000 });
  await expect(page.getByTestId('trace-query')).toHaveAttribute('data-streaming', 'false');
  await expect(page.getByTestId('trace-query').locator('[data-step="thinking"]')).toBeVisible();
  // The text query's keywords are marked in the query text in their JSON span's colour.
  const mark = page.getByTestId('trace-query').locator('.keyword-mark').first();
  await expect(mark).toBeVisible();
  const item = await mark.getAttribute('data-item');
  const span = page.getByTestId('trace-query').locator(`[data-testid="evidence-span"][data-item="${item}"]`);
  expect(await mark.evaluate((el) => getComputedStyle(el).color)).toBe(
    await span.evaluate((el) => getComputedStyle(el).color),
  );
  await shot(page, 'explore-text-query');
  test.info().annotations.push({
    type: 'query-to-results',
    description: (await page.getByTestId('timings').textContent()) ?? '',
  });
  test.info().annotations.push({
    type: 'long tasks [duration ms, start ms] during the query',
    description: JSON.stringify(await longTasks(page)),
  });

  // The ranking machinery, independent of model quality: an item's own embedding is its nearest neighbour.
  const first = page.getByTestId('result').first();
  const imageResult = page.locator('[data-testid="result"][data-id^="image-"]').first();
  const imageId = (await imageResult.getAttribute('data-id'))!;
  await page.getByTestId('instruction').selectOption('');
  await imageResult.getByRole('button', { name: 'Find similar' }).click();
  await expect(page.getByTestId('results')).toHaveAttribute('data-pending', 'false', { timeout: 60_000 });
  await expect(first).toHaveAttribute('data-id', imageId);
  await expect(page.getByTestId('query-input')).toHaveValue(''); // the text no longer names the query
  const topScore = Number((await first.locator('.score').textContent())!);
  // Not exactly 1: the query is embedded in another batch (other padding) than at indexing time.
  expect(topScore).toBeGreaterThan(0.99);

  // The selected result's trace: every evidence box sits where its JSON span says.
  await first.locator('.result-main').click();
  const trace = page.getByTestId('trace-result');
  await expect(trace).toBeVisible();
  const boxes = trace.getByTestId('evidence-box');
  await expect(boxes.first()).toBeVisible();
  const spans = trace.getByTestId('evidence-span');
  expect(await boxes.count()).toBeGreaterThan(0);
  expect(await spans.count()).toBe(await boxes.count());
  for (let i = 0; i < (await boxes.count()); i++) {
    const json = JSON.parse((await spans.nth(i).textContent())!.replace(/^,\s*/, '')) as number[];
    expect((await boxes.nth(i).getAttribute('data-box'))!.split(',').map(Number)).toEqual(json);
    const color = await spans.nth(i).evaluate((el) => getComputedStyle(el).color);
    const stroke = await boxes.nth(i).getAttribute('stroke');
    expect(color).toBe(hexToRgb(stroke!));
  }
  // On screen, the box covers the fraction of the image its coordinates say.
  const imgBox = (await trace.getByTestId('evidence-image').boundingBox())!;
  const b0 = (await boxes.first().boundingBox())!;
  const coords = (await boxes.first().getAttribute('data-box'))!.split(',').map(Number);
  expect(Math.abs((b0.x - imgBox.x) / imgBox.width - coords[0]! / 1000)).toBeLessThan(0.03);
  expect(Math.abs((b0.y - imgBox.y) / imgBox.height - coords[1]! / 1000)).toBeLessThan(0.03);
  // Hovering a JSON span highlights its box (and the other way round).
  await spans.first().hover();
  await expect(boxes.first()).toHaveAttribute('stroke-width', '14');
  await trace.getByTestId('embedder-saw').locator('summary').click();
  await shot(page, 'explore-image-trace');

  // Ranking with / without the T-CoT: the display changes and each result says how it moved.
  const order = async () => page.getByTestId('result').evaluateAll((els) => els.map((e) => e.getAttribute('data-id')));
  const withTcot = await order();
  await page.getByTestId('rank-plain').click();
  await expect(page.getByTestId('results')).toHaveAttribute('data-rank-by', 'plain');
  const without = await order();
  const moves = await page.getByTestId('move').allTextContents();
  expect(moves.length).toBe(12);
  expect(without.join() !== withTcot.join() || moves.every((m) => m === '=')).toBe(true);
  expect(new Set(without)).not.toEqual(new Set()); // a ranking is shown either way
  await shot(page, 'explore-without-tcot');
  await page.getByTestId('rank-tcot').click();

  // A clip: its trace marks the key frames on the filmstrip and shows them enlarged.
  const clipResult = page.locator('[data-testid="result"][data-id^="clip-"]').first();
  await clipResult.locator('.result-main').click();
  const clipTrace = page.getByTestId('trace-result');
  await expect(clipTrace.getByTestId('trace-filmstrip')).toBeVisible({ timeout: 30_000 });
  const keyFrames = clipTrace.locator('[data-key="true"]');
  expect(await keyFrames.count()).toBeGreaterThan(0);
  // Every marked frame is shown, not scrolled out of the strip's box.
  const strip = (await clipTrace.getByTestId('trace-filmstrip').boundingBox())!;
  for (const kf of await keyFrames.all()) {
    const b = (await kf.boundingBox())!;
    expect(b.x).toBeGreaterThanOrEqual(strip.x - 1);
    expect(b.x + b.width).toBeLessThanOrEqual(strip.x + strip.width + 1);
  }
  const frameSpans = await clipTrace.getByTestId('evidence-span').allTextContents();
  const marked = await keyFrames.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-frame'))));
  expect(marked.sort((a, b) => a - b)).toEqual(
    frameSpans.map((t) => Number(t.replace(/^,\s*/, ''))).sort((a, b) => a - b),
  );
  await expect(clipTrace.getByTestId('key-frames-enlarged').locator('figure')).toHaveCount(marked.length);
  await shot(page, 'explore-clip-trace');

  // Switching the backend starts a new worker: the library opens again, from the IndexedDB cache.
  await page.getByTestId('backend-picker').selectOption('wasm');
  await expect(page.getByTestId('backend-badge')).toHaveText('wasm', { timeout: 60_000 });
  await expect(page.getByTestId('library-ready')).toHaveAttribute('data-from-cache', 'true', { timeout: 60_000 });
  await page.getByTestId('query-input').fill('a red circle');
  await page.getByTestId('query-submit').click();
  await expect(page.getByTestId('results')).toHaveAttribute('data-pending', 'false', { timeout: 60_000 });

  // The URL keeps one's place: a reload shows the same query, instruction and filter, and runs the search again.
  await page.reload();
  await expect(page.getByTestId('query-input')).toHaveValue('a red circle');
  await expect(page.getByTestId('instruction')).toHaveValue('');
  await expect(page.getByTestId('result-filter')).toHaveValue('all');
  await expect(page.getByTestId('result')).toHaveCount(12, { timeout: 120_000 });
  await expect(page.getByTestId('results')).toHaveAttribute('data-pending', 'false', { timeout: 60_000 });
  await expect(page.getByTestId('model-status')).toHaveText('Reasoner untrained · Embedder untrained');

  // Narrow window: still usable (no horizontal overflow of the page).
  await page.setViewportSize({ width: 420, height: 800 });
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(420);
  await shot(page, 'explore-narrow');
  // A search at this width leaves the page where the results start at the latest: no jump past them into a trace.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.getByTestId('query-input').fill('a blue square');
  await page.getByTestId('query-submit').click();
  await expect(page.getByTestId('results')).toHaveAttribute('data-pending', 'false', { timeout: 60_000 });
  const place = await page.evaluate(() => ({
    y: window.scrollY,
    resultsTop: document.querySelector('[data-testid="results"]')!.getBoundingClientRect().top + window.scrollY,
  }));
  expect(place.y).toBeLessThanOrEqual(place.resultsTop);
  expect(errors).toEqual([]);
});

test('keyboard: search, move through results, select with Enter and Space, read the evidence, switch the ranking; the trace comes into view', async ({
  page,
}) => {
  await openReady(page, `view=explore&${SMALL}&tcot=teacher`);
  // The query box is reachable with Tab from the top of the page.
  for (
    let i = 0;
    i < 12 && !(await page.getByTestId('query-input').evaluate((el) => el === document.activeElement));
    i++
  )
    await page.keyboard.press('Tab');
  await expect(page.getByTestId('query-input')).toBeFocused();
  await page.keyboard.type('a red circle');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('results')).toHaveAttribute('data-pending', 'false', { timeout: 60_000 });

  // Tab onward to the first result: it says what it is, and its focus is visible.
  const first = page.getByRole('button', { name: /^Result 1: / });
  for (let i = 0; i < 20 && !(await first.evaluate((el) => el === document.activeElement)); i++)
    await page.keyboard.press('Tab');
  await expect(first).toBeFocused();
  const outline = await first.evaluate((el) => getComputedStyle(el));
  expect(outline.outlineStyle).not.toBe('none');
  expect(parseFloat(outline.outlineWidth)).toBeGreaterThanOrEqual(2);
  await shot(page, 'explore-keyboard-focus');

  // Enter selects it; Tab passes its "Find similar" and Space selects the next one.
  await page.keyboard.press('Enter');
  await expect(first).toHaveAttribute('aria-pressed', 'true');
  const firstId = await page.getByTestId('result').first().getAttribute('data-id');
  await expect(page.getByTestId('trace-result').getByRole('heading')).toContainText(firstId!);
  // Tab walks the first card's own controls (Find similar first), then reaches the second result.
  const second = page.getByRole('button', { name: /^Result 2: / });
  const walked: { label: string; inFirst: boolean }[] = [];
  for (let i = 0; i < 8 && !(await second.evaluate((el) => el === document.activeElement)); i++) {
    await page.keyboard.press('Tab');
    walked.push(
      await page.evaluate(() => ({
        label: document.activeElement?.textContent ?? '',
        inFirst: !!document.activeElement?.closest('[data-rank="1"]'),
      })),
    );
  }
  await expect(second).toBeFocused();
  expect(walked[0]).toEqual({ label: 'Find similar', inFirst: true });
  expect(walked.slice(0, -1).every((w) => w.inFirst)).toBe(true);
  await page.keyboard.press('Space');
  await expect(second).toHaveAttribute('aria-pressed', 'true');
  const secondId = (await page.getByTestId('result').nth(1).getAttribute('data-id'))!;
  await expect(page.getByTestId('trace-result').getByRole('heading')).toContainText(secondId);

  // An image result's evidence: focusing a JSON span highlights its box, as hovering does.
  const imageResult = page.locator('[data-testid="result"][data-id^="image-"]').last();
  await imageResult.locator('.result-main').focus();
  await page.keyboard.press('Enter');
  const trace = page.getByTestId('trace-result');
  await expect(trace.getByTestId('evidence-box').first()).toBeVisible();
  await trace.getByTestId('evidence-span').first().focus();
  await expect(trace.getByTestId('evidence-box').first()).toHaveAttribute('stroke-width', '14');
  // The selected trace is in view beside the results even when the result is far down the grid.
  await expect(trace).toBeInViewport();

  // The ranking toggle works from the keyboard.
  await page.getByTestId('rank-plain').focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('results')).toHaveAttribute('data-rank-by', 'plain');
  await page.keyboard.press('Shift+Tab');
  await expect(page.getByTestId('rank-tcot')).toBeFocused();
  await page.keyboard.press('Space');
  await expect(page.getByTestId('results')).toHaveAttribute('data-rank-by', 'tcot');

  // A narrow window puts the traces below the results; selecting a result brings its trace into view.
  await page.setViewportSize({ width: 420, height: 800 });
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(420);
  const last = page.getByTestId('result').last();
  await last.locator('.result-main').focus();
  await page.keyboard.press('Enter');
  await expect(trace.getByRole('heading')).toContainText((await last.getAttribute('data-id'))!);
  await expect(trace).toBeInViewport();
  await page.screenshot({ path: 'e2e-artifacts/explore-narrow-trace.png' });
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.getByTestId('results').scrollIntoViewIfNeeded();
  await page.screenshot({ path: 'e2e-artifacts/explore-1280x800.png' });
});

function hexToRgb(hex: string): string {
  const n = parseInt(hex.slice(1), 16);
  return `rgb(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255})`;
}
