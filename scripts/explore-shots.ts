// `npx tsx scripts/explore-shots.ts [--settings 'collection=48&backend=wasm'] [--models DIR] [--queries 'a small red star|…'] [--out DIR]`:
// look at the shipped models as a user would: Explore on the built app (headless Chromium), a few caption
// queries, a screenshot of each with the query's trace and the top result's trace (boxes drawn on the image,
// key frames marked), and the top-5 ids with the captions of what was found. Needs `vite build` first.
import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { chromium } from '@playwright/test';
import { chromiumLaunchOptions } from '../e2e/chromium';
import { startPreview } from './preview-server';
import { cliArgs } from '../src/cli/args';
import type { Engine } from '../src/engine/types';

const { values: opts } = cliArgs(
  "npx tsx scripts/explore-shots.ts [--settings 'collection=48&backend=wasm'] [--models DIR] [--queries 'a small red star|…'] [--out DIR]",
  {
    settings: {
      type: 'string',
      default: 'collection=48&backend=wasm',
      value: 'URL_SETTINGS',
      help: "the app's URL settings",
    },
    models: { type: 'string', value: 'DIR', help: 'serve DIR/reasoner/ and DIR/embedder/ as the shipped weights' },
    queries: {
      type: 'string',
      default: 'a small red star|there are three objects|the large blue circle appears',
      value: "'Q1|Q2|…'",
      help: 'caption queries, separated by |',
    },
    out: { type: 'string', default: 'e2e-artifacts/explore-shots', value: 'DIR', help: 'where the screenshots go' },
  },
);
const settings = opts.settings;
const out = opts.out;
const modelsDir = opts.models;
const queries = opts.queries.split('|');

const { base, stop } = await startPreview(4176);
const browser = await chromium.launch(chromiumLaunchOptions());
try {
  await mkdir(out, { recursive: true });
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  if (modelsDir) {
    await page.route(/\/models\/(reasoner|embedder)\/([^/?]+)$/, (route) => {
      const [, role, file] = /\/models\/(reasoner|embedder)\/([^/?]+)$/.exec(route.request().url())!;
      return route.fulfill({
        status: 200,
        body: readFileSync(`${modelsDir}/${role}/${file}`),
        contentType: file!.endsWith('.json') ? 'application/json' : 'application/octet-stream',
      });
    });
  }
  await page.goto(`${base}/?view=explore&${settings}`);
  await page.getByTestId('library-ready').waitFor({ timeout: 30 * 60_000 });
  const items = await page.evaluate(async () =>
    (globalThis as unknown as { embedRL: { engine: Engine } }).embedRL.engine.listItems(),
  );
  const caption = new Map(items.map((i) => [i.id, i.caption ?? '']));
  for (const [k, q] of queries.entries()) {
    await page.getByTestId('query-input').fill(q);
    await page.getByTestId('query-submit').click();
    await page.locator('[data-testid="results"][data-pending="false"]').waitFor({ timeout: 10 * 60_000 });
    const ids = await page.getByTestId('result').evaluateAll((els) => els.map((e) => e.getAttribute('data-id')!));
    await page.getByTestId('result').first().locator('.result-main').click();
    await page.getByTestId('trace-result').waitFor();
    await page.waitForTimeout(500);
    await page.screenshot({ path: `${out}/query-${k + 1}.png`, fullPage: true });
    console.log(
      `\n${q}\n  query answer: ${(await page.getByTestId('trace-query').locator('[data-step="answer"]').textContent())?.trim()}`,
    );
    for (const id of ids.slice(0, 5)) console.log(`  ${id}: ${caption.get(id)}`);
  }
  console.log(`\nscreenshots in ${out}/`);
} finally {
  await browser.close();
  stop();
}
