// `npm run soak [-- --quick] [--queries 1000] [--steps 200] [--chunk 20] [--settings 'backend=wasm&collection=48&preset=tiny&tokens=12'] [--out FILE]`:
// the built app in headless Chromium, used hard for a long time, to find what grows and what gets lost.
// Through the UI: text queries (collection captions), "find similar" on images and on clips, both rankings
// (the T-CoT toggle flipped every query) and a result's trace opened each time; every `--chunk` queries' worth,
// a fine-tuning run of `--chunk` steps from the Fine-tune view (tiny settings), its Reasoner applied and the
// built-in one restored. Throughout it samples the worker's live tensors (`engine.memory()`) and the page's JS
// heap after a forced GC (DevTools protocol); at the end it reloads the page and checks that every stored item
// (the collection and three user files) and every labelled pair is still there. It ends with one line:
//   soak: N queries, M fine-tune steps, tensors +T, heap +H MB, lost L
// T and H are the growth from the first sample after warm-up to the last. Exit status 1 when anything was lost,
// tensors grew, or an error reached the page. `--quick` is ≈ 100 queries and 20 steps.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { chromium, type Page } from '@playwright/test';
import { chromiumLaunchOptions } from '../e2e/chromium';
import { libraryCounts } from '../e2e/idb';
import { startPreview } from './preview-server';
import { cliArgs } from '../src/cli/args';
import type { Engine, EngineMemory, LibraryItem, NewPair } from '../src/engine/types';

const { values: opts } = cliArgs(
  "npm run soak [-- --quick] [--queries 1000] [--steps 200] [--chunk 20] [--settings 'backend=wasm&collection=48&preset=tiny&tokens=12'] [--out FILE]",
  {
    quick: { type: 'boolean', help: '≈ 100 queries and 20 steps' },
    queries: { type: 'string', value: 'N', help: 'queries in all (default 1000, 100 with --quick)' },
    steps: { type: 'string', value: 'N', help: 'fine-tune steps in all (default 200, 20 with --quick)' },
    chunk: { type: 'string', value: 'N', help: 'fine-tune steps per run (default 20, 10 with --quick)' },
    settings: {
      type: 'string',
      default: 'backend=wasm&collection=48&preset=tiny&tokens=12',
      value: 'URL_SETTINGS',
      help: "the app's URL settings",
    },
    out: {
      type: 'string',
      value: 'FILE',
      help: 'the JSON result (default bench-results/soak.json, soak-quick.json with --quick)',
    },
    port: { type: 'string', default: '4176', value: 'PORT', help: 'the preview server port' },
  },
);
const quick = opts.quick;
const totalQueries = Number(opts.queries ?? (quick ? 100 : 1000));
const totalSteps = Number(opts.steps ?? (quick ? 20 : 200));
const chunk = Number(opts.chunk ?? (quick ? 10 : 20)); // fine-tune steps per run
const settings = opts.settings;
const out = opts.out ?? `bench-results/soak${quick ? '-quick' : ''}.json`;
const port = Number(opts.port);
const WARMUP = Math.min(20, Math.floor(totalQueries / 5)); // queries (and the first fine-tune run) before the baseline sample
const USER_FILES = ['e2e/fixtures/red.webp', 'e2e/fixtures/red.bmp', 'e2e/fixtures/two-frames.gif'];

type Win = { embedRL: { engine: Engine } };
const engineCall = <T>(page: Page, fn: string, ...args: unknown[]) =>
  page.evaluate(
    async ([fn, args]) => {
      const engine = (globalThis as unknown as Win).embedRL.engine as unknown as Record<
        string,
        (...a: unknown[]) => Promise<unknown>
      >;
      return engine[fn]!(...args);
    },
    [fn, args] as const,
  ) as Promise<T>;

interface Sample {
  queries: number;
  steps: number;
  tensors: number;
  tensorMB: number;
  heapMB: number;
  s: number;
}

const nav = (page: Page, view: 'Explore' | 'Library' | 'Fine-tune') =>
  page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: view, exact: true });
const pageErrors: string[] = [];
const t0 = Date.now();
const log = (line: string) =>
  process.stderr.write(`[${((Date.now() - t0) / 1000).toFixed(0).padStart(5)} s] ${line}\n`);

const { base, stop } = await startPreview(port);
const browser = await chromium.launch(chromiumLaunchOptions());
let exitCode = 0;
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && pageErrors.push(`console: ${m.text()}`));
  // tsx (esbuild) names functions with a __name helper, which the page lacks: functions passed to evaluate need it.
  await page.addInitScript('globalThis.__name = (f) => f');
  const cdp = await page.context().newCDPSession(page);
  const sample = async (queries: number, steps: number): Promise<Sample> => {
    await cdp.send('HeapProfiler.collectGarbage');
    const heap = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number };
    const mem = await engineCall<EngineMemory>(page, 'memory');
    return {
      queries,
      steps,
      tensors: mem.numTensors,
      tensorMB: mem.numBytes / 2 ** 20,
      heapMB: heap.usedSize / 2 ** 20,
      s: (Date.now() - t0) / 1000,
    };
  };

  // ---- set up: the collection, three user files, labelled pairs ----
  await page.goto(`${base}/?view=library&${settings}`);
  await page.getByTestId('library-ready').waitFor({ timeout: 10 * 60_000 });
  await page.getByTestId('library-drop-input').setInputFiles(USER_FILES);
  for (const f of USER_FILES)
    await page
      .locator(`[data-testid="add-result"][data-name="${f.split('/').pop()}"][data-ok="true"]`)
      .waitFor({ timeout: 5 * 60_000 });
  const items = await engineCall<LibraryItem[]>(page, 'listItems');
  const images = items.filter((i) => i.kind === 'image' && i.caption);
  const clips = items.filter((i) => i.kind === 'clip');
  if (images.length < 8 || clips.length < 1)
    throw new Error(
      `the collection is too small for the soak (${images.length} captioned images, ${clips.length} clips): raise collection= in --settings`,
    );
  const pairs: NewPair[] = images.slice(0, 10).map((it, i) => ({
    query: { kind: 'text', text: it.caption! },
    targetId: (i % 5 === 4 ? images[i + 1]! : it).id,
    match: i % 5 !== 4,
  }));
  await engineCall(page, 'addPairs', pairs);
  const before = {
    ids: items.map((i) => i.id).sort(),
    pairs: (await engineCall<{ id: string }[]>(page, 'listPairs')).map((p) => p.id).sort(),
    stores: await libraryCounts(page),
  };
  log(`set up: ${items.length} items (${USER_FILES.length} user files), ${before.pairs.length} pairs`);

  // ---- the soak ----
  await nav(page, 'Explore').click();
  const explore = page.locator('.view.explore');
  await explore.waitFor();
  await page.getByTestId('result-filter').selectOption('all');
  const searches = async () => Number(await explore.getAttribute('data-searches'));
  const awaitSearch = async (n: number) => {
    await page.waitForFunction(
      (n) => Number(document.querySelector('.view.explore')?.getAttribute('data-searches')) > n,
      n,
      { timeout: 5 * 60_000 },
    );
    const err = page.getByTestId('search-error');
    if (await err.isVisible()) throw new Error(`a query failed: ${await err.textContent()}`);
  };
  const query = async (i: number) => {
    const n = await searches();
    const kind = i % 3;
    if (kind === 0 || (await page.getByTestId('result').count()) === 0) {
      await page.getByTestId('query-input').fill(images[(i * 7) % images.length]!.caption!);
      await page.getByTestId('query-submit').click();
    } else {
      // "find similar" on a result of the wanted kind (an image, or a clip), else on the first result
      const sel = kind === 1 ? '[data-testid="result"][data-id^="image-"]' : '[data-testid="result"][data-id^="clip-"]';
      const target = (await page.locator(sel).count()) ? page.locator(sel).first() : page.getByTestId('result').first();
      await target.getByRole('button', { name: 'Find similar' }).click();
    }
    await awaitSearch(n);
    await page.getByTestId(i % 2 ? 'rank-plain' : 'rank-tcot').click();
    const second = page.getByTestId('result').nth(1);
    const id = await second.getAttribute('data-id');
    await second.locator('.result-main').click();
    await page
      .locator(`[data-testid="trace-result"]`)
      .filter({ hasText: `Trace of ${id}` })
      .waitFor({ timeout: 60_000 });
  };
  const finetune = async (steps: number, k: number) => {
    await nav(page, 'Fine-tune').click();
    await page.getByTestId('ft-start').waitFor();
    const box = page.getByTestId('ft-settings');
    if (!(await box.evaluate((el) => (el as HTMLDetailsElement).open))) await box.locator('summary').click();
    const values = {
      steps: String(steps),
      n: '2',
      batch: '2',
      maxNewTokens: '12',
      evalEvery: String(steps),
      checkpointEvery: '5',
      lr: '0.001',
      seed: String(k + 1),
    };
    for (const [key, value] of Object.entries(values)) await page.getByTestId(`ft-${key}`).fill(value);
    await page.locator('[data-testid="ft-start"]:not([disabled])').click();
    const phase = page.getByTestId('ft-phase');
    await page.waitForFunction(
      () =>
        ['finished', 'error'].includes(
          document.querySelector('[data-testid="ft-phase"]')?.getAttribute('data-phase') ?? '',
        ),
      undefined,
      { timeout: 60 * 60_000, polling: 1000 },
    );
    if ((await phase.getAttribute('data-phase')) === 'error')
      throw new Error(`fine-tuning failed: ${await page.getByTestId('ft-error').textContent()}`);
    // Apply the fine-tuned Reasoner (the next queries use it), and every other run go back to the built-in one.
    await page.locator('[data-testid="ft-apply"]:not([disabled])').click();
    await page.locator('[data-testid="ft-revert"]:not([disabled])').waitFor();
    if (k % 2) {
      await page.getByTestId('ft-revert').click();
      await page.locator('[data-testid="ft-apply"]:not([disabled])').waitFor();
    }
    await nav(page, 'Explore').click();
    await explore.waitFor();
  };

  const samples: Sample[] = [];
  const runs = Math.ceil(totalSteps / chunk);
  let queries = 0;
  let steps = 0;
  const stepsOfRun = () => Math.min(chunk, totalSteps - steps);
  // Warm-up: queries, the first fine-tune run, and a query of each kind after it, so that what exists while the
  // app is in use exists at the baseline too (kernels and programs, the fine-tuned Reasoner kept for apply /
  // export, the index's device copy, which a re-open after apply or revert frees and the next search uploads).
  // Every sample is taken at the same point: right after a query.
  for (; queries < WARMUP; queries++) await query(queries);
  if (totalSteps > 0) {
    const s = stepsOfRun();
    await finetune(s, 0);
    steps += s;
  }
  for (const end = Math.min(totalQueries, queries + 6); queries < end; queries++) await query(queries);
  samples.push(await sample(queries, steps));
  log(`baseline after warm-up: ${JSON.stringify(samples[0])}`);
  const queriesPerRun = Math.max(1, Math.ceil((totalQueries - queries) / Math.max(1, runs - 1)));
  for (let k = 1; queries < totalQueries || steps < totalSteps; k++) {
    if (steps < totalSteps) {
      const s = stepsOfRun();
      await finetune(s, k);
      steps += s;
    }
    // At least one query after each run, so that each sample is taken right after a query.
    const target = Math.max(queries + 1, Math.min(totalQueries, queries + queriesPerRun));
    for (; queries < target; queries++) await query(queries);
    samples.push(await sample(queries, steps));
    log(`${queries} queries, ${steps} steps: ${JSON.stringify(samples.at(-1))}`);
  }

  // ---- nothing lost: reload, count again ----
  await page.reload();
  await page.getByTestId('library-ready').waitFor({ timeout: 10 * 60_000 });
  const after = {
    ids: (await engineCall<LibraryItem[]>(page, 'listItems')).map((i) => i.id).sort(),
    pairs: (await engineCall<{ id: string }[]>(page, 'listPairs')).map((p) => p.id).sort(),
    stores: await libraryCounts(page),
  };
  const lostItems = before.ids.filter((id) => !after.ids.includes(id));
  const lostPairs = before.pairs.filter((id) => !after.pairs.includes(id));
  const lost = lostItems.length + lostPairs.length;

  const first = samples[0]!;
  const last = samples.at(-1)!;
  const tensors = last.tensors - first.tensors;
  const heap = last.heapMB - first.heapMB;
  const result = {
    settings,
    quick,
    queries,
    steps,
    chunk,
    samples,
    before: before.stores,
    after: after.stores,
    lostItems,
    lostPairs,
    pageErrors,
    minutes: (Date.now() - t0) / 60_000,
    date: new Date().toISOString(),
  };
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, JSON.stringify(result, null, 2));
  log(
    `samples (queries, steps, tensors, tensor MB, heap MB): ${samples.map((s) => `${s.queries}/${s.steps}: ${s.tensors} ${s.tensorMB.toFixed(1)} ${s.heapMB.toFixed(1)}`).join(' · ')}`,
  );
  log(
    `stores before ${JSON.stringify(before.stores)} · after reload ${JSON.stringify(after.stores)}${pageErrors.length ? ` · page errors: ${pageErrors.slice(0, 5).join(' | ')}` : ''} · wrote ${out}`,
  );
  if (lost > 0 || tensors > 0 || pageErrors.length) exitCode = 1;
  console.log(
    `soak: ${queries} queries, ${steps} fine-tune steps, tensors ${tensors >= 0 ? '+' : ''}${tensors}, heap ${heap >= 0 ? '+' : ''}${heap.toFixed(1)} MB, lost ${lost}`,
  );
} finally {
  await browser.close();
  stop();
}
process.exit(exitCode);
