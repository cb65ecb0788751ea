// Image formats beyond PNG/JPEG (committed fixtures made with ImageMagick): WebP, GIF (its first frame)
// and BMP decode at their true size; a 20,000 × 20,000 PNG is refused from its header alone. AVIF and MP4
// are made in the browser under test (e2e/make-media.ts), since only it knows which it can encode.
import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { makeAvif, makeMp4 } from './make-media';
import { dropFiles } from './helpers';

const fixture = (name: string) => Array.from(readFileSync(new URL(`./fixtures/${name}`, import.meta.url)));

test('WebP, GIF (first frame) and BMP are added at their size; a huge PNG gets a per-file error', async ({ page }) => {
  await page.goto('/?backend=webgpu&view=library&collection=12&preset=tiny&tokens=12&tcot=teacher');
  await expect(page.getByTestId('backend-badge')).toHaveText('webgpu', { timeout: 60_000 });
  await expect(page.getByTestId('library-ready')).toBeVisible({ timeout: 120_000 });

  const files = [
    { name: 'red.webp', type: 'image/webp', bytes: fixture('red.webp') },
    { name: 'two-frames.gif', type: 'image/gif', bytes: fixture('two-frames.gif') },
    { name: 'red.bmp', type: 'image/bmp', bytes: fixture('red.bmp') },
  ];
  // A PNG whose header claims 20,000 × 20,000 pixels (the rest is never read).
  const be32 = (v: number) => [(v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255];
  const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 13, 10, 26, 10];
  const IHDR = [0x49, 0x48, 0x44, 0x52];
  const huge = [...PNG_SIGNATURE, ...be32(13), ...IHDR, ...be32(20000), ...be32(20000), 8, 6, 0, 0, 0];
  await dropFiles(page, [
    ...files,
    { name: 'huge.png', type: 'image/png', bytes: [...huge, ...new Array(64).fill(0)] },
  ]);

  await expect(page.getByTestId('add-result')).toHaveCount(4, { timeout: 90_000 });
  await expect(page.locator('[data-testid="add-result"][data-ok="true"]')).toHaveText([
    /red\.webp/,
    /two-frames\.gif/,
    /red\.bmp/,
  ]);
  await expect(page.locator('[data-name="huge.png"]')).toContainText(/20000×20000/);

  const decoded = await page.evaluate(async () => {
    const e = window.embedRL.engine;
    const items = (await e.listItems()).filter((it) => it.source === 'user');
    return Promise.all(
      items.map(async (it) => {
        const thumb = (await e.thumbnail(it.id))!;
        let r = 0;
        let g = 0;
        let b = 0;
        for (let i = 0; i < thumb.rgba.length; i += 4) {
          r += thumb.rgba[i];
          g += thumb.rgba[i + 1];
          b += thumb.rgba[i + 2];
        }
        return {
          name: it.name,
          kind: it.kind,
          width: it.width,
          height: it.height,
          dominant: r > g && r > b ? 'red' : g > r && g > b ? 'green' : 'blue',
        };
      }),
    );
  });
  expect(decoded).toEqual([
    { name: 'red.webp', kind: 'image', width: 80, height: 60, dominant: 'red' },
    // The GIF's first frame is red; its second (green) must not be what was decoded.
    { name: 'two-frames.gif', kind: 'image', width: 80, height: 60, dominant: 'red' },
    { name: 'red.bmp', kind: 'image', width: 80, height: 60, dominant: 'red' },
  ]);
});

test('an AVIF image and an MP4 video made in this browser are added at their size', async ({ page }) => {
  await page.goto('/?backend=webgpu&view=library&collection=8&preset=tiny&tokens=12&tcot=teacher');
  await expect(page.getByTestId('library-ready')).toBeVisible({ timeout: 120_000 });
  const avif = await makeAvif(page);
  const mp4 = await makeMp4(page);
  test.skip(
    !avif || !mp4,
    `this Chromium cannot encode ${!avif ? 'AV1 (for the AVIF)' : 'MP4'}, so there is nothing to decode`,
  );
  // A real AVIF: the container written by make-media.ts, not just its brand.
  expect(String.fromCharCode(...avif!.bytes.slice(4, 12))).toBe('ftypavif');
  expect(String.fromCharCode(...mp4!.bytes.slice(4, 8))).toBe('ftyp');

  await dropFiles(page, [avif!, mp4!]);
  await expect(page.getByTestId('add-result')).toHaveCount(2, { timeout: 90_000 });
  await expect(page.locator('[data-testid="add-result"][data-ok="true"]')).toHaveText([/disc\.avif/, /square\.mp4/]);
  const added = await page.evaluate(async () => {
    const e = window.embedRL.engine;
    const items = (await e.listItems()).filter((it) => it.source === 'user');
    return Promise.all(
      items.map(async (it) => {
        // The AVIF's left half holds a red disc on dark blue; the MP4's frames show a green square.
        const frames = await e.itemFrames(it.id);
        const f = frames[0]!;
        let red = 0;
        let green = 0;
        for (let i = 0; i < f.rgba.length; i += 4) {
          if (f.rgba[i] > 150 && f.rgba[i + 1] < 100) red++;
          if (f.rgba[i + 1] > 150 && f.rgba[i] < 100) green++;
        }
        return {
          name: it.name,
          kind: it.kind,
          width: it.width,
          height: it.height,
          frames: frames.length,
          red: red > 0,
          green: green > 0,
        };
      }),
    );
  });
  expect(added).toEqual([
    { name: 'disc.avif', kind: 'image', width: 80, height: 60, frames: 1, red: true, green: false },
    { name: 'square.mp4', kind: 'clip', width: 96, height: 64, frames: 16, red: false, green: true },
  ]);
  await page.screenshot({ path: 'e2e-artifacts/library-avif-mp4.png', fullPage: true });
});
