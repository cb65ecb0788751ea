// A full storage quota while adding files. Headless Chromium's quota cannot be filled or lowered here (its
// DevTools override does not reach an incognito or a fresh profile's IndexedDB), so the engine worker is
// served with one change: IndexedDB refuses any pixels record over 300 kB with the QuotaExceededError a full
// disk gives. Everything else is the real worker on real IndexedDB: the transaction abort, the per-file
// message, the banner, and what a reload finds.
import { expect, test } from '@playwright/test';
import { libraryCounts } from './idb';

const QUOTA_BYTES = 300_000;

test('a full quota: the big file gets a clear storage-full message, nothing of it is written, the small file is kept', async ({
  page,
}) => {
  await page.route(/\/assets\/engine\.worker-[^/]+\.js$/, async (route) => {
    // Served with its own headers: the page is cross-origin isolated (COEP), so a worker script without them is refused.
    const response = await route.fetch();
    const original = await response.text();
    const quota = `{
      const put = IDBObjectStore.prototype.put;
      IDBObjectStore.prototype.put = function (value, key) {
        const bytes = this.name === 'media' ? value.frames.reduce((n, f) => n + f.byteLength, 0) : 0;
        if (bytes > ${QUOTA_BYTES}) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
        return put.call(this, value, key);
      };
    }\n`;
    await route.fulfill({ response, body: quota + original });
  });
  await page.goto('/?backend=webgpu&view=library&collection=8&preset=tiny&tokens=12&tcot=teacher');
  await expect(page.getByTestId('library-ready')).toBeVisible({ timeout: 120_000 });

  await page.evaluate(async () => {
    // A 400×300 image is kept at 400×300 RGBA (480 kB, over the quota); a 120×90 one (43 kB) fits.
    const png = async (w: number, h: number) => {
      const canvas = document.createElement('canvas');
      canvas.width = w;
      canvas.height = h;
      const ctx = canvas.getContext('2d')!;
      ctx.fillStyle = '#224';
      ctx.fillRect(0, 0, w, h);
      ctx.fillStyle = '#e33';
      ctx.fillRect(w / 4, h / 4, w / 2, h / 2);
      return new Promise<Blob>((r) => canvas.toBlob((b) => r(b!), 'image/png'));
    };
    const dt = new DataTransfer();
    dt.items.add(new File([await png(400, 300)], 'big.png', { type: 'image/png' }));
    dt.items.add(new File([await png(120, 90)], 'small.png', { type: 'image/png' }));
    document
      .querySelector('[data-testid="library-drop"]')!
      .dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  });

  await expect(page.getByTestId('add-result')).toHaveCount(2, { timeout: 90_000 });
  await expect(page.locator('[data-testid="add-result"][data-name="big.png"]')).toContainText(
    /big\.png: .*no storage left.*Nothing of this item was saved/,
  );
  await expect(page.locator('[data-testid="add-result"][data-name="small.png"]')).toHaveAttribute('data-ok', 'true');
  await expect(page.getByTestId('quota-error')).toContainText(/storage for the app is full/);
  await expect(page.getByTestId('user-item')).toHaveCount(1);
  await page.screenshot({ path: 'e2e-artifacts/library-quota-full.png', fullPage: true });

  // Nothing half-written: the aborted item left no row, pixels, thumbnail, embedding or T-CoT behind.
  const counts = await libraryCounts(page);
  expect(counts).toEqual({ items: 1, media: 1, thumbs: 1, embeddings: 1, tcots: 1 });

  await page.reload();
  await expect(page.getByTestId('library-ready')).toBeVisible({ timeout: 120_000 });
  expect(await page.getByTestId('user-item').evaluateAll((els) => els.map((e) => e.getAttribute('data-name')))).toEqual(
    ['small.png'],
  );
});
