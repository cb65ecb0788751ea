// `npm run bench:library [-- --settings 'collection=200&preset=tiny&tokens=12'] [--queries 5] [--models DIR] [--dist DIR] [--out FILE]`:
// the app's own figures in headless Chromium (WebGPU, SwiftShader when there is no GPU): how fast the
// built-in collection indexes (items/s, from the library's summary), how fast it loads from the IndexedDB
// cache on the next start, and query → results on Explore (text queries from the collection's captions and
// one "find similar"), as the page measures them: to the ranking without T-CoT, and to both rankings.
// `--models DIR` serves DIR/reasoner/ and DIR/embedder/ (model.json + weights) as the shipped weights, to
// measure a training run's checkpoints before they ship.
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { chromium, type Page } from '@playwright/test';
import { chromiumLaunchOptions } from '../e2e/chromium';
import { startPreview } from './preview-server';
import { cliArgs, text } from '../src/cli/args';
import type { Engine } from '../src/engine/types';

const { values: opts } = cliArgs(
  "npm run bench:library [-- --settings 'collection=200&preset=tiny&tokens=12'] [--queries 5] [--models DIR] [--dist DIR] [--out FILE]",
  {
    settings: text('URL_SETTINGS', "the app's URL settings", 'collection=200&preset=tiny&tokens=12'),
    queries: { type: 'string', default: '5', value: 'N', help: 'text queries on Explore' },
    models: { type: 'string', value: 'DIR', help: 'serve DIR/reasoner/ and DIR/embedder/ as the shipped weights' },
    dist: { type: 'string', value: 'DIR', help: 'a build elsewhere than dist/' },
    out: { type: 'string', default: 'bench-results/library.json', value: 'FILE', help: 'the JSON result' },
    port: { type: 'string', default: '4175', value: 'PORT', help: 'the preview server port' },
  },
);
const settings = opts.settings;
const queries = Number(opts.queries);
const out = opts.out;
const port = Number(opts.port);
const modelsDir = opts.models;
const dist = opts.dist; // a build elsewhere than dist/ (e.g. while others rebuild dist/)

interface QueryTiming {
  query: string;
  plainS: number;
  bothS: number;
  reasonMs: number;
  embedMs: number;
  searchMs: number;
}

/** Run one query through the UI and read the page's own timings line. */
async function timedQuery(page: Page, label: string, run: () => Promise<void>): Promise<QueryTiming> {
  await run();
  await page.getByTestId('results').waitFor();
  await page.locator('[data-testid="results"][data-pending="false"]').waitFor({ timeout: 30 * 60_000 });
  const text = (await page.getByTestId('timings').textContent()) ?? '';
  const m =
    /([\d.]+) s to the ranking without T-CoT, ([\d.]+) s to both \(reasoning (\d+) ms, embedding (\d+) ms, search ([\d.]+) ms\)/.exec(
      text,
    );
  if (!m) throw new Error(`no timings in "${text}"`);
  return {
    query: label,
    plainS: Number(m[1]),
    bothS: Number(m[2]),
    reasonMs: Number(m[3]),
    embedMs: Number(m[4]),
    searchMs: Number(m[5]),
  };
}

const { base, stop } = await startPreview(port, { outDir: dist });
const browser = await chromium.launch(chromiumLaunchOptions());
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on('console', (m) => m.type() === 'error' && console.error(`[page] ${m.text()}`));
  if (modelsDir) {
    await page.route(/\/models\/(reasoner|embedder)\/([^/?]+)$/, (route) => {
      const [, role, file] = /\/models\/(reasoner|embedder)\/([^/?]+)$/.exec(route.request().url())!;
      const json = file!.endsWith('.json');
      return route.fulfill({
        status: 200,
        body: readFileSync(`${modelsDir}/${role}/${file}`),
        contentType: json ? 'application/json' : 'application/octet-stream',
      });
    });
  }
  await page.goto(`${base}/?view=explore&${settings}`);
  let last = '';
  for (;;) {
    if (await page.getByTestId('library-ready').isVisible()) break;
    const p =
      (await page
        .getByTestId('index-progress')
        .textContent()
        .catch(() => '')) ?? '';
    const line = /Indexing[^)]*\)/.exec(p)?.[0];
    if (line && line !== last) process.stderr.write(`${line}\n`);
    last = line ?? last;
    await page.waitForTimeout(2000);
  }
  const backend = (await page.getByTestId('backend-badge').textContent()) ?? '';
  const summary = await page.evaluate(async () =>
    (globalThis as unknown as { embedRL: { engine: Engine } }).embedRL.engine.status(),
  );
  const ready = page.getByTestId('library-ready');
  const size = Number(await ready.getAttribute('data-size'));
  const indexS = Number(/indexed in ([\d.]+) s/.exec((await ready.textContent()) ?? '')?.[1]);
  const untrained = await page.getByTestId('untrained-note').isVisible();

  const items = await page.evaluate(async () =>
    (globalThis as unknown as { embedRL: { engine: Engine } }).embedRL.engine.listItems(),
  );
  const captions = items.filter((i) => i.kind === 'image' && i.caption).slice(0, queries);
  const timings: QueryTiming[] = [];
  for (const item of captions) {
    timings.push(
      await timedQuery(page, item.caption!, async () => {
        await page.getByTestId('query-input').fill(item.caption!);
        await page.getByTestId('query-submit').click();
      }),
    );
  }
  timings.push(
    await timedQuery(page, `find similar: ${items[0]!.id}`, () =>
      page.getByTestId('result').first().getByRole('button', { name: 'Find similar' }).click(),
    ),
  );

  // The next start: the collection comes from the IndexedDB cache.
  await page.reload();
  await ready.waitFor({ timeout: 30 * 60_000 });
  const cacheS = Number(/cache in ([\d.]+) s/.exec((await ready.textContent()) ?? '')?.[1]);

  const result = {
    settings,
    models: modelsDir ?? (untrained ? 'untrained' : 'public/models'),
    backend,
    adapter: summary.adapter,
    untrained,
    collection: { items: size, indexS, itemsPerS: size / indexS, cacheLoadS: cacheS },
    queries: timings,
    date: new Date().toISOString(),
  };
  console.log(
    `backend ${backend} · ${settings} · ${untrained ? 'untrained models' : `weights from ${modelsDir ?? 'public/models'}`}`,
  );
  console.log(
    `indexing: ${size} items in ${indexS.toFixed(1)} s = ${(size / indexS).toFixed(2)} items/s · next start from the cache: ${cacheS.toFixed(1)} s`,
  );
  console.log('query                                               to plain  to both  reasoning  embedding  search');
  for (const t of timings)
    console.log(
      `${t.query.slice(0, 50).padEnd(52)}${t.plainS.toFixed(2).padStart(6)} s${t.bothS.toFixed(2).padStart(7)} s${String(t.reasonMs).padStart(8)} ms${String(t.embedMs).padStart(8)} ms${t.searchMs.toFixed(1).padStart(7)} ms`,
    );
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, JSON.stringify(result, null, 2));
  console.log(`wrote ${out}`);
} finally {
  await browser.close();
  stop();
}
