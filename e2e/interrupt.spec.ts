// Interruptions: a tab closed in the middle of indexing the built-in collection, or of adding the
// user's files, loses nothing that was acknowledged, and the reopened page says what was kept and what is
// redone. (A tab closed mid-training is in finetune.spec.ts: the resume offer names the steps it redoes.)
// Tiny untrained models on WASM: the machinery, quickly.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import { openLibrary } from './helpers';
import { libraryCounts } from './idb';

const RED = readFileSync(fileURLToPath(new URL('./fixtures/red.webp', import.meta.url)));

// A collection big enough that indexing takes well over one 4-second save, live (no shipped index for tiny models;
// 900 tiny items took under 6 s here, so 6,000 with longer T-CoTs).
const BIG = 'backend=wasm&collection=6000&preset=tiny&tokens=24';
const SMALL = 'backend=wasm&collection=12&preset=tiny&tokens=12';

test('a tab closed mid-index keeps the items indexed so far: the next visit indexes only the rest, and says so', async ({
  context,
}) => {
  test.setTimeout(600_000);
  const first = await openLibrary(context, BIG);
  const progress = first.getByTestId('index-progress');
  await expect(progress).toBeVisible({ timeout: 60_000 });
  const t0 = Date.now();
  await expect
    .poll(async () => Number(await progress.getAttribute('data-done')), { timeout: 120_000 })
    .toBeGreaterThan(0);
  await first.waitForTimeout(Math.max(0, 6_000 - (Date.now() - t0))); // past the first save
  const doneAtClose = Number(await progress.getAttribute('data-done'));
  expect(doneAtClose).toBeLessThan(6000); // still indexing: the close interrupts it
  await first.close();

  const second = await openLibrary(context, BIG);
  const resumed = second.getByTestId('index-progress');
  // Every progress line says how many items were kept ("Resuming indexing: N of 6000 items were indexed on an
  // earlier visit and are kept; …" first, then "… (R items/s; N kept from an earlier visit)").
  await expect(resumed).toContainText(
    /\b\d+ (of 6000 items were indexed on an earlier visit and are kept|kept from an earlier visit\))/,
    { timeout: 60_000 },
  );
  const kept = Number(
    /\b(\d+) (?:of 6000 items were indexed on an earlier visit|kept from an earlier visit\))/.exec(
      (await resumed.textContent()) ?? '',
    )![1],
  );
  expect(kept).toBeGreaterThan(0);
  expect(kept).toBeLessThanOrEqual(doneAtClose);
  const ready = second.getByTestId('library-ready');
  await expect(ready).toBeVisible({ timeout: 400_000 });
  await expect(ready).toHaveAttribute('data-size', '6000');
  await expect(ready).toContainText(`(${kept} of them kept from an earlier visit that was interrupted)`);
  await second.screenshot({ path: 'e2e-artifacts/interrupt-index-resumed.png', fullPage: true });
});

test('a tab closed mid-import keeps every file stored whole; the next visit lists the files to add again', async ({
  context,
}) => {
  test.setTimeout(240_000);
  const first = await openLibrary(context, SMALL);
  await expect(first.getByTestId('library-ready')).toBeVisible({ timeout: 120_000 });
  const files = Array.from({ length: 60 }, (_, i) => ({
    name: `red-${String(i).padStart(2, '0')}.webp`,
    mimeType: 'image/webp',
    buffer: RED,
  }));
  await first.getByTestId('library-drop-input').setInputFiles(files);
  const progress = first.getByTestId('add-progress');
  await expect
    .poll(
      async () =>
        (await progress.getAttribute('data-total')) === '60' ? Number(await progress.getAttribute('data-done')) : 0,
      { timeout: 120_000 },
    )
    .toBeGreaterThanOrEqual(3);
  await first.close();

  const second = await openLibrary(context, SMALL);
  await expect(second.getByTestId('library-ready')).toBeVisible({ timeout: 120_000 });
  const banner = second.getByTestId('import-interrupted');
  await expect(banner).toBeVisible();
  const stored = await second.getByTestId('user-item').count();
  expect(stored).toBeGreaterThanOrEqual(3);
  expect(stored).toBeLessThan(60);
  await expect(banner).toContainText(`${stored} of the 60 files picked had been stored whole`);
  const list = second.getByTestId('import-missing');
  await expect(list).toHaveAttribute('data-count', String(60 - stored));
  const missing = ((await list.textContent()) ?? '').replace(/ … and \d+ more$/, '').split(', ');
  expect(missing.length).toBe(Math.min(50, 60 - stored));
  expect(missing[0]).toBe(`red-${String(stored).padStart(2, '0')}.webp`); // files are added in order
  // Nothing half-written: every stored item has its media, thumbnail, embeddings and T-CoT.
  expect(await libraryCounts(second)).toEqual({
    items: stored,
    media: stored,
    thumbs: stored,
    embeddings: stored,
    tcots: stored,
  });
  await second.screenshot({ path: 'e2e-artifacts/interrupt-import.png', fullPage: true });
  await banner.getByRole('button', { name: 'Dismiss' }).click();
  await expect(banner).toBeHidden();
  await second.reload();
  await expect(second.getByTestId('library-ready')).toBeVisible({ timeout: 120_000 });
  await expect(second.getByTestId('import-interrupted')).toBeHidden(); // said once
});
