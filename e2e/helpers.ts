// What the specs share: the page's test handle, screenshots, opening the app until the library is ready, the page's
// errors, annotations, whether trained weights are served, dropping files as a person would, and the Long Tasks watcher.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import type { Engine } from '../src/engine/types';
import type { MadeFile } from './make-media';

declare global {
  interface Window {
    embedRL: { engine: Engine };
    __hostile?: number;
  }
}

export const shot = (page: Page, name: string) =>
  page.screenshot({ path: `e2e-artifacts/${name}.png`, fullPage: true });

/** Open `/?query` and wait for the backend badge and a ready library. */
export async function openReady(page: Page, query: string, backend = 'webgpu') {
  await page.goto(`/?${query}`);
  await expect(page.getByTestId('backend-badge')).toHaveText(backend, { timeout: 60_000 });
  await expect(page.getByTestId('library-ready')).toBeVisible({ timeout: 120_000 });
}

/** A new page of `context` opened at `/?view=library&settings`. */
export async function openLibrary(context: BrowserContext, settings: string) {
  const page = await context.newPage();
  await page.goto(`/?view=library&${settings}`);
  return page;
}

/** The page's uncaught errors from now on (the array fills as they come). */
export function pageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  return errors;
}

/** An annotation on the running test's report. */
export const annotate = (type: string, description: string) => test.info().annotations.push({ type, description });

/** Annotations with the text the page shows in each test id: `{ annotation type: test id }`. */
export async function annotateShown(page: Page, shown: Record<string, string>) {
  for (const [type, id] of Object.entries(shown)) annotate(type, (await page.getByTestId(id).textContent()) ?? '');
}

// public/models/ beside this folder, wherever the tests are started from.
const MODELS = fileURLToPath(new URL('../public/models/', import.meta.url));
export const hasWeights = () =>
  existsSync(`${MODELS}embedder/model.json`) && existsSync(`${MODELS}reasoner/model.json`);
export const hasShippedIndex = () => hasWeights() && existsSync(`${MODELS}collection-index.bin`);

/** Main-thread tasks over 50 ms (the Long Tasks API), recorded from the first script on: [duration, start] pairs. */
export async function watchLongTasks(page: Page) {
  await page.addInitScript(() => {
    const w = window as unknown as { __longTasks: number[] };
    w.__longTasks = [];
    new PerformanceObserver((list) =>
      list.getEntries().forEach((e) => w.__longTasks.push(Math.round(e.duration), Math.round(e.startTime))),
    ).observe({ type: 'longtask', buffered: true });
  });
}
export const longTasks = (page: Page) =>
  page.evaluate(() => (window as unknown as { __longTasks: number[] }).__longTasks.splice(0));

/** Drop files on a drop zone (the Library's unless `zone` names another test id), as a person would. */
export function dropFiles(page: Page, files: MadeFile[], zone = 'library-drop') {
  return page.evaluate(
    ({ files, zone }) => {
      const dt = new DataTransfer();
      for (const f of files) dt.items.add(new File([new Uint8Array(f.bytes)], f.name, { type: f.type ?? '' }));
      document
        .querySelector(`[data-testid="${zone}"]`)!
        .dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    },
    { files, zone },
  );
}
