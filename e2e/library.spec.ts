// Library and Explore in real Chromium (WebGPU on SwiftShader): a small built-in collection and tiny
// untrained models (SwiftShader runs ~1 GFLOP/s), so these tests check the machinery — indexing, caching,
// storage, search, the trace — not model quality. The quality test runs only when trained weights ship.
import { existsSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import type { Engine } from '../src/engine/types';

declare global {
  interface Window {
    embedRL: { engine: Engine };
  }
}

// Tiny untrained models and short T-CoTs: each decode step costs ~0.2–0.4 s on SwiftShader.
// 9 images + 3 clips: every item is among the 12 results. WebGPU on purpose (SwiftShader: a correctness target;
// the automatic choice would measure it slower than WASM and take WASM).
const SMALL = 'backend=webgpu&collection=12&preset=tiny&tokens=12';
const shot = (page: Page, name: string) => page.screenshot({ path: `e2e-artifacts/${name}.png`, fullPage: true });

/** Main-thread tasks over 50 ms (the Long Tasks API), recorded from the first script on. */
async function watchLongTasks(page: Page) {
  await page.addInitScript(() => {
    const w = window as unknown as { __longTasks: number[] };
    w.__longTasks = [];
    new PerformanceObserver((list) => list.getEntries().forEach((e) => w.__longTasks.push(Math.round(e.duration), Math.round(e.startTime)))).observe({ type: 'longtask', buffered: true });
  });
}
const longTasks = (page: Page) => page.evaluate(() => (window as unknown as { __longTasks: number[] }).__longTasks.splice(0));

async function openReady(page: Page, query: string, backend = 'webgpu') {
  await page.goto(`/?${query}`);
  await expect(page.getByTestId('backend-badge')).toHaveText(backend, { timeout: 60_000 });
  await expect(page.getByTestId('library-ready')).toBeVisible({ timeout: 120_000 });
}

test('explore: find similar ranks the item first; the trace draws the JSON boxes and marks key frames; the T-CoT toggle re-ranks', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await watchLongTasks(page);
  await openReady(page, `view=explore&${SMALL}&tcot=teacher`);
  // Reported, not asserted (speed is for benchmarks): long tasks while the app loaded and indexed.
  test.info().annotations.push({ type: 'long tasks [duration ms, start ms] during start-up and indexing', description: JSON.stringify(await longTasks(page)) });
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
  expect(await mark.evaluate((el) => getComputedStyle(el).color)).toBe(await span.evaluate((el) => getComputedStyle(el).color));
  await shot(page, 'explore-text-query');
  test.info().annotations.push({ type: 'query-to-results', description: (await page.getByTestId('timings').textContent()) ?? '' });
  test.info().annotations.push({ type: 'long tasks [duration ms, start ms] during the query', description: JSON.stringify(await longTasks(page)) });

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
  expect(marked.sort((a, b) => a - b)).toEqual(frameSpans.map((t) => Number(t.replace(/^,\s*/, ''))).sort((a, b) => a - b));
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
  const place = await page.evaluate(() => ({ y: window.scrollY, resultsTop: document.querySelector('[data-testid="results"]')!.getBoundingClientRect().top + window.scrollY }));
  expect(place.y).toBeLessThanOrEqual(place.resultsTop);
  expect(errors).toEqual([]);
});

test('library: a dropped PNG, JPEG and WebM are indexed and survive a reload; corrupt and empty files get their own errors', async ({ page }) => {
  await watchLongTasks(page);
  await openReady(page, `backend=webgpu&view=library&collection=8&preset=tiny&tokens=12`);
  await expect(page.getByTestId('library-ready')).toHaveAttribute('data-from-cache', 'false');

  // Make the files in the page: two images from a canvas, a 1-second WebM with MediaRecorder, a corrupt
  // PNG (a valid header, garbage after it) and a zero-byte file — then drop them all at once.
  await page.evaluate(async () => {
    const canvas = document.createElement('canvas');
    canvas.width = 120;
    canvas.height = 90;
    const ctx = canvas.getContext('2d')!;
    ctx.fillStyle = '#224';
    ctx.fillRect(0, 0, 120, 90);
    ctx.fillStyle = '#e33';
    ctx.beginPath();
    ctx.arc(40, 45, 20, 0, Math.PI * 2);
    ctx.fill();
    const blob = (type: string) => new Promise<Blob>((r) => canvas.toBlob((b) => r(b!), type, 0.9));
    const png = await blob('image/png');
    const jpeg = await blob('image/jpeg');

    const stream = canvas.captureStream(30);
    const rec = new MediaRecorder(stream, { mimeType: 'video/webm' });
    const chunks: Blob[] = [];
    rec.ondataavailable = (e) => chunks.push(e.data);
    const stopped = new Promise((r) => (rec.onstop = r));
    rec.start(100);
    for (let f = 0; f < 30; f++) {
      ctx.fillStyle = '#224';
      ctx.fillRect(0, 0, 120, 90);
      ctx.fillStyle = '#3c3';
      ctx.fillRect(5 + f * 3, 30, 24, 24);
      await new Promise((r) => setTimeout(r, 33));
    }
    rec.stop();
    await stopped;
    const webm = new Blob(chunks, { type: 'video/webm' });

    const pngHead = new Uint8Array(await png.slice(0, 33).arrayBuffer());
    const corrupt = new Blob([pngHead, new Uint8Array(500).fill(7)], { type: 'image/png' });
    const dt = new DataTransfer();
    for (const f of [
      new File([png], 'circle.png', { type: 'image/png' }),
      new File([corrupt], 'broken.png', { type: 'image/png' }),
      new File([jpeg], 'circle.jpg', { type: 'image/jpeg' }),
      new File([], 'empty.png', { type: 'image/png' }),
      new File([webm], 'square.webm', { type: 'video/webm' }),
    ])
      dt.items.add(f);
    const zone = document.querySelector('[data-testid="library-drop"]')!;
    zone.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  });

  const results = page.getByTestId('add-result');
  await expect(results).toHaveCount(5, { timeout: 90_000 });
  await expect(page.locator('[data-testid="add-result"][data-ok="true"]')).toHaveText([/circle\.png/, /circle\.jpg/, /square\.webm/]);
  await expect(page.locator('[data-name="broken.png"]')).toContainText(/damaged|could not be decoded/);
  await expect(page.locator('[data-name="empty.png"]')).toContainText(/empty \(0 bytes\)/);
  await expect(page.getByTestId('user-item')).toHaveCount(3);
  await expect(page.locator('[data-testid="user-item"][data-kind="clip"]')).toHaveAttribute('data-name', 'square.webm');
  await expect(page.getByTestId('storage-used')).toContainText(/KiB|MiB/);
  await shot(page, 'library-after-drop');
  // A narrow window: the errors, items and controls reflow without sideways scrolling.
  await page.setViewportSize({ width: 420, height: 800 });
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(420);
  await shot(page, 'library-narrow');
  await page.setViewportSize({ width: 1280, height: 800 });
  test.info().annotations.push({ type: 'long tasks [duration ms, start ms] during start-up, indexing and adding', description: JSON.stringify(await longTasks(page)) });
  test.info().annotations.push({ type: 'indexing', description: (await page.getByTestId('library-ready').textContent()) ?? '' });

  // Reload: the built-in collection comes from the cache, the three items come back from IndexedDB.
  await page.reload();
  await expect(page.getByTestId('library-ready')).toBeVisible({ timeout: 120_000 });
  await expect(page.getByTestId('library-ready')).toHaveAttribute('data-from-cache', 'true');
  await expect(page.getByTestId('user-item')).toHaveCount(3);
  expect(await page.getByTestId('user-item').evaluateAll((els) => els.map((e) => e.getAttribute('data-name')))).toEqual(['circle.png', 'circle.jpg', 'square.webm']);
  await shot(page, 'library-after-reload');

  // An added video searches like any item: with no instruction it is its own nearest neighbour.
  await page.getByRole('button', { name: 'Explore' }).click();
  await page.getByTestId('instruction').selectOption('');
  await page.getByRole('button', { name: 'Library' }).click();
  await page.locator('[data-testid="user-item"][data-kind="clip"]').getByRole('button', { name: 'Find similar' }).click();
  await expect(page.getByTestId('results')).toHaveAttribute('data-pending', 'false', { timeout: 60_000 });
  await expect(page.getByTestId('result').first()).toHaveAttribute('data-id', /^user-/);
  await expect(page.getByTestId('result').first()).toContainText('square.webm');

  // A dropped file as the query: reasoned about and embedded in the worker, its trace shows the image.
  await page.evaluate(async () => {
    const canvas = document.createElement('canvas');
    canvas.width = 64;
    canvas.height = 64;
    const ctx = canvas.getContext('2d')!;
    ctx.fillStyle = '#e33';
    ctx.fillRect(10, 10, 30, 30);
    const png = await new Promise<Blob>((r) => canvas.toBlob((b) => r(b!), 'image/png'));
    const dt = new DataTransfer();
    dt.items.add(new File([png], 'query.png', { type: 'image/png' }));
    document.querySelector('[data-testid="query-drop"]')!.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  });
  await expect(page.getByRole('heading', { name: /Results for “query\.png”/ })).toBeVisible({ timeout: 60_000 });
  await shot(page, 'explore-file-query-streaming'); // usually still writing: the ranking without T-CoT is already shown
  await expect(page.getByTestId('results')).toHaveAttribute('data-pending', 'false', { timeout: 60_000 });
  await expect(page.getByTestId('trace-query').getByTestId('evidence-image')).toBeVisible();
  await shot(page, 'explore-file-query');
  // Its results can be labelled: the first label adds the dropped file to the library, and the pair's query is it.
  await expect(page.getByTestId('mark-count')).toContainText('adds query.png to your library first');
  await page.getByTestId('result').first().getByTestId('mark-match').click();
  await expect(page.getByTestId('mark-count')).toHaveAttribute('data-match', '1');
  await expect(page.getByTestId('result').first().getByTestId('mark-match')).toHaveAttribute('aria-pressed', 'true');
  await page.getByRole('button', { name: 'Library' }).click();
  await expect(page.locator('[data-testid="user-item"][data-name="query.png"]')).toHaveCount(1);
  await expect(page.getByTestId('user-item')).toHaveCount(4);

  // Remove one, then clear all: the header's count follows at once.
  const size = Number(await page.getByTestId('library-ready').getAttribute('data-size'));
  await page.getByRole('button', { name: 'Remove circle.jpg' }).click();
  await expect(page.getByTestId('user-item')).toHaveCount(3);
  await expect(page.getByTestId('library-ready')).toHaveAttribute('data-size', String(size - 1));
  page.once('dialog', (d) => void d.accept());
  await page.getByTestId('clear-all').click();
  await expect(page.getByTestId('user-item')).toHaveCount(0);
  await expect(page.getByTestId('library-ready')).toHaveAttribute('data-size', String(size - 4));
  await page.reload();
  await expect(page.getByTestId('library-ready')).toBeVisible({ timeout: 120_000 });
  await expect(page.getByTestId('user-item')).toHaveCount(0);
});

test('the page stays responsive while the worker indexes and adds files: no long task from our scripts', async ({ page }) => {
  test.setTimeout(240_000);
  // Long animation frames (Chromium's LoAF API) name the scripts that ran in them: a long frame whose time went
  // to this app's own scripts is the app blocking the main thread; one spent elsewhere (GC, the compositor, a
  // starved CPU) is not. Both are recorded; only the first is asserted on.
  await page.addInitScript(() => {
    const w = window as unknown as { __frames: { start: number; duration: number; scripts: { url: string; fn: string; invoker: string; duration: number }[] }[] };
    w.__frames = [];
    new PerformanceObserver((list) =>
      list.getEntries().forEach((e) => {
        const frame = e as PerformanceEntry & { scripts: { sourceURL: string; sourceFunctionName: string; invoker: string; duration: number }[] };
        w.__frames.push({
          start: Math.round(frame.startTime),
          duration: Math.round(frame.duration),
          scripts: frame.scripts.map((sc) => ({ url: sc.sourceURL, fn: sc.sourceFunctionName, invoker: sc.invoker, duration: Math.round(sc.duration) })),
        });
      }),
    ).observe({ type: 'long-animation-frame', buffered: true });
  });
  // Reasoner-written T-CoTs (not the teacher's): the worker decodes and embeds for several seconds.
  await page.goto('/?backend=webgpu&view=library&collection=32&preset=tiny&tokens=12');
  await expect(page.getByTestId('index-progress')).toBeVisible({ timeout: 120_000 });
  const from = await page.evaluate(() => performance.now());
  await expect(page.getByTestId('index-progress')).toContainText(/items\/s/);
  await expect(page.getByTestId('library-ready')).toBeVisible({ timeout: 180_000 });
  // Then add files: images decode in the worker, the video is sampled on the page.
  await page.evaluate(async () => {
    const canvas = document.createElement('canvas');
    canvas.width = 320;
    canvas.height = 240;
    const ctx = canvas.getContext('2d')!;
    const draw = (f: number) => {
      ctx.fillStyle = '#224';
      ctx.fillRect(0, 0, 320, 240);
      ctx.fillStyle = '#e33';
      ctx.fillRect(10 + f * 8, 80, 60, 60);
    };
    draw(0);
    const png = await new Promise<Blob>((r) => canvas.toBlob((b) => r(b!), 'image/png'));
    const rec = new MediaRecorder(canvas.captureStream(30), { mimeType: 'video/webm' });
    const chunks: Blob[] = [];
    rec.ondataavailable = (e) => chunks.push(e.data);
    const stopped = new Promise((r) => (rec.onstop = r));
    rec.start(100);
    for (let f = 0; f < 30; f++) {
      draw(f);
      await new Promise((r) => setTimeout(r, 33));
    }
    rec.stop();
    await stopped;
    const dt = new DataTransfer();
    dt.items.add(new File([png], 'a.png', { type: 'image/png' }));
    dt.items.add(new File([png], 'b.png', { type: 'image/png' }));
    dt.items.add(new File(chunks, 'c.webm', { type: 'video/webm' }));
    document.querySelector('[data-testid="library-drop"]')!.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  });
  await expect(page.locator('[data-testid="add-result"][data-ok="true"]')).toHaveCount(3, { timeout: 120_000 });
  const indexing = (await page.getByTestId('library-ready').textContent()) ?? '';

  const frames = await page.evaluate(
    (from) => (window as unknown as { __frames: { start: number; duration: number; scripts: { url: string; duration: number }[] }[] }).__frames.filter((f) => f.start + f.duration >= from),
    from,
  );
  const origin = new URL(page.url()).origin;
  const ours = frames.flatMap((f) => f.scripts.filter((sc) => sc.url.startsWith(origin) && sc.duration > 50));
  test.info().annotations.push({ type: 'indexing', description: indexing });
  test.info().annotations.push({ type: 'long animation frames while indexing and adding (duration ms, scripts)', description: JSON.stringify(frames) });
  expect(ours).toEqual([]);
});

test('keyboard: search, move through results, select with Enter and Space, read the evidence, switch the ranking; the trace comes into view', async ({ page }) => {
  await openReady(page, `view=explore&${SMALL}&tcot=teacher`);
  // The query box is reachable with Tab from the top of the page.
  for (let i = 0; i < 12 && !(await page.getByTestId('query-input').evaluate((el) => el === document.activeElement)); i++) await page.keyboard.press('Tab');
  await expect(page.getByTestId('query-input')).toBeFocused();
  await page.keyboard.type('a red circle');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('results')).toHaveAttribute('data-pending', 'false', { timeout: 60_000 });

  // Tab onward to the first result: it says what it is, and its focus is visible.
  const first = page.getByRole('button', { name: /^Result 1: / });
  for (let i = 0; i < 20 && !(await first.evaluate((el) => el === document.activeElement)); i++) await page.keyboard.press('Tab');
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
    walked.push(await page.evaluate(() => ({ label: document.activeElement?.textContent ?? '', inFirst: !!document.activeElement?.closest('[data-rank="1"]') })));
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

test('library: the built-in collection can be browsed — pages, a kind and caption filter, find similar (tiny models, WASM)', async ({ page }) => {
  test.setTimeout(240_000);
  await openReady(page, 'view=library&collection=60&preset=tiny&tokens=12&tcot=teacher', 'wasm');
  const browser = page.getByTestId('builtin-browser');
  await expect(browser.getByTestId('browse-count')).toHaveAttribute('data-count', '60');
  await expect(browser.getByTestId('builtin-item')).toHaveCount(48); // a page
  await expect(browser.getByTestId('browse-page')).toHaveText('page 1 of 2');
  await expect(browser.getByTestId('browse-prev')).toBeDisabled();
  await browser.getByTestId('browse-next').click();
  await expect(browser.getByTestId('builtin-item')).toHaveCount(12);
  await expect(browser.getByTestId('browse-next')).toBeDisabled();
  const items = (await page.evaluate(() => window.embedRL.engine.listItems())).filter((i) => i.source === 'builtin');
  await browser.getByTestId('browse-kind').selectOption('clip');
  await expect(browser.getByTestId('browse-count')).toHaveAttribute('data-count', String(items.filter((i) => i.kind === 'clip').length));
  await expect(browser.locator('[data-testid="builtin-item"][data-kind="image"]')).toHaveCount(0);
  await browser.getByTestId('browse-kind').selectOption('all');
  await browser.getByTestId('browse-words').fill('red');
  const red = items.filter((i) => (i.caption ?? '').split(/[\s,]+/).includes('red'));
  await expect(browser.getByTestId('browse-count')).toHaveAttribute('data-count', String(red.length));
  await shot(page, 'library-builtin-browser');
  const first = browser.getByTestId('builtin-item').first();
  const id = await first.getAttribute('data-id');
  await first.getByRole('button', { name: 'Find similar' }).click();
  await expect(page.getByTestId('results')).toHaveAttribute('data-pending', 'false', { timeout: 120_000 });
  // Explore searches by that item (its rank depends on the instruction in use and, here, on untrained models).
  await expect(page.locator('#results-heading')).toContainText(id!);
  expect(await page.getByTestId('result').count()).toBeGreaterThan(0);
});

test('?preset=tiny keeps the tiny untrained models when trained weights are served', async ({ page }) => {
  // Served weights that would fail to load: the app must not even try them.
  await page.route(/\/models\/(reasoner|embedder)\/model\.json$/, (route) => route.fulfill({ status: 200, contentType: 'application/json', body: '{}' }));
  await openReady(page, 'backend=webgpu&view=explore&collection=4&preset=tiny&tokens=4&tcot=teacher');
  await expect(page.getByTestId('untrained-note')).toBeVisible();
  const models = await page.evaluate(async () => (await window.embedRL.engine.status()).models);
  expect([models.reasoner?.source, models.embedder?.source]).toEqual(['random', 'random']);
});

// With trained weights (public/models/). On SwiftShader the shipped Reasoner decodes ~0.4–0.5 s per token
// (measured with models of the shipped size), so a Reasoner-written collection of 24 would take minutes to
// index: the retrieval test reads the simulated teacher's T-CoTs (what the Reasoner was trained to write) and
// checks the trained Embedder end to end; the next test puts the trained Reasoner in the loop on 8 items.
const hasWeights = () => existsSync('public/models/embedder/model.json') && existsSync('public/models/reasoner/model.json');
const NO_WEIGHTS = 'needs trained weights in public/models/ (none are shipped yet): untrained models rank arbitrarily';

async function captionQuery(page: Page, caption: string): Promise<string[]> {
  await page.getByTestId('query-input').fill(caption);
  await page.getByTestId('query-submit').click();
  await expect(page.getByTestId('results')).toHaveAttribute('data-pending', 'false', { timeout: 120_000 });
  return page.getByTestId('result').evaluateAll((els) => els.map((e) => e.getAttribute('data-id')!));
}

test('a text query finds a built-in item in the top 5 (trained weights)', async ({ page }) => {
  test.skip(!hasWeights(), NO_WEIGHTS);
  test.setTimeout(300_000);
  await openReady(page, 'view=explore&collection=24&tcot=teacher', 'wasm'); // the automatic choice on SwiftShader
  await expect(page.getByTestId('untrained-note')).toHaveCount(0);
  const images = (await page.evaluate(() => window.embedRL.engine.listItems())).filter((i) => i.kind === 'image' && i.caption).slice(0, 6);
  // Each of six images searched by its caption; the instruction asks for an image, so the 18 images are ranked
  // (chance of a top-5 place: 5 / 18).
  const ranks: number[] = [];
  for (const target of images) ranks.push((await captionQuery(page, target.caption!)).indexOf(target.id) + 1);
  await shot(page, 'explore-trained-text-query');
  test.info().annotations.push({ type: 'indexing', description: (await page.getByTestId('library-ready').textContent()) ?? '' });
  test.info().annotations.push({ type: 'rank of each image searched by its caption (0 = not in the 12 shown)', description: JSON.stringify(ranks) });
  test.info().annotations.push({ type: 'query-to-results', description: (await page.getByTestId('timings').textContent()) ?? '' });
  // Measured with the shipped Embedder (2026-12-03, WASM): ranks 1, 3, 4, 1, 5, 1 — six of six in the top 5, three
  // first (the 2026-12-01 Embedder: 11, 4, 4, 4, 7, 1). Five of six are asked for, so one last-digit difference
  // between backends cannot flip the test; chance gives 1.7 of 6.
  expect(ranks.filter((r) => r >= 1 && r <= 5).length).toBeGreaterThanOrEqual(5);
});

test('the trained Reasoner writes a well-formed T-CoT for a text query, with keywords from it (trained weights)', async ({ page }) => {
  test.skip(!hasWeights(), NO_WEIGHTS);
  test.setTimeout(420_000);
  await page.goto('/?view=explore&collection=8');
  await expect(page.getByTestId('library-ready')).toBeVisible({ timeout: 300_000 });
  await expect(page.getByTestId('untrained-note')).toHaveCount(0);
  await expect(page.getByTestId('model-status')).toHaveText('Reasoner shipped · Embedder shipped');
  const target = (await page.evaluate(() => window.embedRL.engine.listItems())).find((i) => i.kind === 'image' && i.caption)!;
  const ranked = await captionQuery(page, target.caption!);
  const trace = page.getByTestId('trace-query');
  await expect(trace.getByTestId('format-ok')).toBeVisible();
  for (const step of ['thinking', 'rethink', 'answer']) await expect(trace.locator(`[data-step="${step}"]`)).toBeVisible();
  // Its evidence is text keywords, mostly words of the query (those are marked in the query text). Not all: a
  // partly trained Reasoner (SFT step 100) wrote "ring" for a caption without one.
  const keywords = (await trace.getByTestId('evidence-span').allTextContents()).flatMap((t) => t.replace(/^,\s*/, '').replace(/"/g, '').split(' '));
  expect(keywords.length).toBeGreaterThan(0);
  const words = new Set(target.caption!.toLowerCase().split(/[\s,.]+/));
  const grounded = keywords.filter((w) => words.has(w));
  test.info().annotations.push({ type: 'query keywords (grounded / all)', description: `${grounded.join(' ')} / ${keywords.join(' ')}` });
  expect(grounded.length * 2).toBeGreaterThanOrEqual(keywords.length);
  await expect(trace.locator('.keyword-mark').first()).toBeVisible();
  await shot(page, 'explore-trained-reasoner-query');
  test.info().annotations.push({ type: 'indexing', description: (await page.getByTestId('library-ready').textContent()) ?? '' });
  test.info().annotations.push({ type: 'query-to-results', description: (await page.getByTestId('timings').textContent()) ?? '' });
  test.info().annotations.push({ type: 'rank of the captioned image among 8', description: String(ranked.indexOf(target.id) + 1) });
});

const hasShippedIndex = () => hasWeights() && existsSync('public/models/collection-index.bin');

test('first visit: the shipped index makes the built-in collection searchable in seconds, and a caption query answers (trained weights)', async ({ page }) => {
  test.skip(!hasShippedIndex(), 'needs the shipped collection index in public/models/ (npm run index-collection)');
  test.setTimeout(300_000);
  const t0 = Date.now();
  await page.goto('/?view=explore'); // a fresh profile: nothing cached in this browser
  await expect(page.getByTestId('library-ready')).toBeVisible({ timeout: 10_000 });
  const ready = Date.now() - t0;
  await expect(page.getByTestId('library-ready')).toHaveAttribute('data-from-shipped', 'true');
  await expect(page.getByTestId('library-ready')).toContainText('1300 built-in items searchable');
  await expect(page.getByTestId('shipped-index-note')).toHaveCount(0);
  await expect(page.getByTestId('backend-badge')).toHaveText('wasm'); // the automatic choice on SwiftShader
  const images = (await page.evaluate(() => window.embedRL.engine.listItems())).filter((i) => i.kind === 'image' && i.caption);
  expect(images.length).toBe(1000);
  const ranked = await captionQuery(page, images[0]!.caption!);
  const first = Date.now() - t0;
  expect(ranked.length).toBe(12);
  test.info().annotations.push({ type: 'first visit: page open → searchable (ms)', description: String(ready) });
  test.info().annotations.push({ type: 'first visit: page open → first results of a caption query (ms)', description: String(first) });
  test.info().annotations.push({ type: 'indexing', description: (await page.getByTestId('library-ready').textContent()) ?? '' });
  // A reload reads this browser's copy.
  const t1 = Date.now();
  await page.reload();
  await expect(page.getByTestId('library-ready')).toHaveAttribute('data-from-cache', 'true', { timeout: 10_000 });
  test.info().annotations.push({ type: 'reload → searchable (ms)', description: String(Date.now() - t1) });
  await shot(page, 'explore-first-visit-shipped-index');
});

function hexToRgb(hex: string): string {
  const n = parseInt(hex.slice(1), 16);
  return `rgb(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255})`;
}
