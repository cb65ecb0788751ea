// Fine-tune in real Chromium (WebGPU on SwiftShader, ~1 GFLOP/s): pairs made through the UI, a short
// EG-RL run on tiny untrained models with live charts, pause / resume, export → import of the fine-tuned
// Reasoner (identical T-CoTs), a tampered file refused, a reload mid-run offering to resume, a CSV import.
import { readFileSync, writeFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { openReady, pageErrors, shot } from './helpers';

const SMALL = 'backend=webgpu&collection=12&preset=tiny&tokens=12&tcot=teacher'; // WebGPU (SwiftShader) on purpose: a correctness target
const probe = (page: Page) => page.evaluate(async () => (await window.embedRL.engine.probeModels(3)).reasoner);

async function search(page: Page, text: string) {
  await page.getByTestId('query-input').fill(text);
  await page.getByTestId('result-filter').selectOption('all'); // images and clips (the default instruction asks for images)
  await page.getByTestId('query-submit').click();
  await expect(page.getByTestId('results')).toHaveAttribute('data-pending', 'false', { timeout: 60_000 });
  await expect(page.getByTestId('result')).toHaveCount(12);
}

async function settings(page: Page, values: Record<string, string>) {
  const box = page.getByTestId('ft-settings');
  if (!(await box.evaluate((el) => (el as HTMLDetailsElement).open))) await box.locator('summary').click();
  for (const [key, value] of Object.entries(values)) await page.getByTestId(`ft-${key}`).fill(value);
}

const stepOf = async (page: Page) => Number(await page.getByTestId('ft-phase').getAttribute('data-step'));

// The fine-tuning flow as serial steps on one page (a failing step stops the rest, and says which it was).
test.describe.serial('fine-tune through the UI: pairs, a run, export / import, resume (tiny models, WebGPU)', () => {
  let page: Page;
  const errors: string[] = [];
  let builtin: unknown;
  let tuned: unknown;
  const paths: string[] = [];

  test.beforeAll(async ({ browser }, info) => {
    const { baseURL, viewport } = info.project.use;
    page = await browser.newPage({ baseURL, viewport });
    page.on('pageerror', (e) => errors.push(e.message));
  });
  test.afterAll(async () => {
    await page.close();
  });

  test('8 pairs from Explore: four queries, two labelled results each; the marks are counted', async () => {
    test.setTimeout(5 * 60_000);
    await openReady(page, `view=explore&${SMALL}`);
    // Eight pairs from Explore: four queries, two labelled results each (six matches, two not).
    const plan: [string, [number, boolean][]][] = [
      [
        'a red circle',
        [
          [0, true],
          [1, true],
        ],
      ],
      [
        'a blue square',
        [
          [2, true],
          [3, false],
        ],
      ],
      [
        'a green triangle',
        [
          [4, true],
          [5, true],
        ],
      ],
      [
        'a small yellow star',
        [
          [6, true],
          [7, false],
        ],
      ],
    ];
    for (const [text, marks] of plan) {
      await search(page, text);
      for (const [rank, match] of marks) {
        const result = page.getByTestId('result').nth(rank);
        await result.getByTestId(match ? 'mark-match' : 'mark-nomatch').click();
        await expect(result.getByTestId(match ? 'mark-match' : 'mark-nomatch')).toHaveAttribute('aria-pressed', 'true');
      }
    }
    // The last query's marks are counted beside the results (one ✓, one ✗), with the pairs in all.
    await expect(page.getByTestId('mark-count')).toHaveAttribute('data-match', '1');
    await expect(page.getByTestId('mark-count')).toHaveAttribute('data-nomatch', '1');
    await expect(page.getByTestId('mark-count')).toContainText('8 pairs in all');
    await shot(page, 'finetune-explore-marks');
  });

  test('the pairs in Fine-tune, with a stratified split that can be measured', async () => {
    await page.getByRole('button', { name: 'Fine-tune' }).click();
    await expect(page.getByTestId('pair')).toHaveCount(8);
    const split = page.getByTestId('pairs-split');
    const held = Number(await split.getAttribute('data-held'));
    expect(held).toBeGreaterThanOrEqual(1);
    expect(Number(await split.getAttribute('data-train'))).toBe(8 - held);
    // Stratified: with six ✓ pairs one of them is held out, so the run can be measured, and the page says so.
    expect(Number(await split.getAttribute('data-scorable'))).toBeGreaterThanOrEqual(1);
    await expect(page.getByTestId('pairs-measurable')).toContainText('can be scored');
    await expect(page.locator('[data-testid="pair"][data-match="false"]')).toHaveCount(2);
  });

  test('5 EG-RL steps with live charts; pause stays put, resume finishes', async () => {
    test.setTimeout(15 * 60_000);
    // Five steps, tiny: G 2, batch 2, 12-token T-CoTs; evaluation every 2 steps, a checkpoint every step.
    await settings(page, {
      steps: '5',
      n: '2',
      batch: '2',
      maxNewTokens: '12',
      evalEvery: '2',
      checkpointEvery: '1',
      lr: '0.001',
    });
    const t0 = Date.now();
    await page.getByTestId('ft-start').click();
    await expect(page.getByTestId('ft-phase')).toHaveAttribute('data-phase', 'running', { timeout: 120_000 });
    await expect.poll(() => stepOf(page), { timeout: 300_000 }).toBeGreaterThanOrEqual(1);
    const firstStepS = (Date.now() - t0) / 1000;

    // Pause: the run stops after its step and stays put; resume goes on.
    await page.getByTestId('ft-pause').click();
    await expect(page.getByTestId('ft-phase')).toHaveAttribute('data-phase', 'paused', { timeout: 300_000 });
    const pausedAt = await stepOf(page);
    await page.waitForTimeout(2000);
    expect(await stepOf(page)).toBe(pausedAt);
    // The charts received the points so far.
    await expect(page.getByTestId('chart-reward')).toHaveAttribute('data-points', String(pausedAt));
    await expect(page.getByTestId('chart-format')).toHaveAttribute('data-points', String(pausedAt));
    expect(await page.getByTestId('chart-reward').locator('canvas').count()).toBeGreaterThan(0);
    await expect(page.getByTestId('ft-teach')).toContainText('now');
    await shot(page, 'finetune-paused');

    await page.getByTestId('ft-resume').click();
    await expect(page.getByTestId('ft-phase')).toHaveAttribute('data-phase', 'finished', { timeout: 600_000 });
    expect(await stepOf(page)).toBe(5);
    await expect(page.getByTestId('chart-reward')).toHaveAttribute('data-points', '5');
    expect(Number(await page.getByTestId('chart-heldout').getAttribute('data-points'))).toBeGreaterThanOrEqual(1);
    expect(await page.getByTestId('ft-sample').count()).toBeGreaterThanOrEqual(2);
    await expect(page.getByTestId('ft-results')).toBeVisible();
    test.info().annotations.push({
      type: 'EG-RL on SwiftShader (tiny models, G 2, batch 2, 12 tokens)',
      description: `first step ${firstStepS.toFixed(1)} s incl. start-up and the step-0 evaluation; ${(await page.getByTestId('ft-step-time').textContent()) ?? ''}`,
    });
    await page.getByTestId('ft-results').scrollIntoViewIfNeeded();
    await shot(page, 'finetune-finished');
  });

  test('apply, then export: a manifest naming its base model and settings, and the weights', async () => {
    // Apply, then export (two files: manifest + weights).
    builtin = await probe(page);
    await page.getByTestId('ft-apply').click();
    await expect(page.getByTestId('ft-model-note')).toHaveAttribute('data-ok', 'true');
    await expect(page.getByTestId('ft-revert')).toBeEnabled({ timeout: 60_000 });
    // The collection is indexed again behind the index in use: searchable throughout, then replaced.
    await expect(page.getByTestId('library-ready')).toBeVisible();
    await expect(page.getByTestId('reindex-note')).toContainText('Re-indexed', { timeout: 120_000 });
    tuned = await probe(page);
    const downloads: Promise<import('@playwright/test').Download>[] = [];
    const both = new Promise<void>((resolve) => {
      page.on('download', (d) => {
        downloads.push(Promise.resolve(d));
        if (downloads.length === 2) resolve();
      });
    });
    await page.getByTestId('ft-export').click();
    await both;
    for (const d of await Promise.all(downloads)) {
      const path = test.info().outputPath(d.suggestedFilename());
      await d.saveAs(path);
      paths.push(path);
    }
    expect(paths.map((p) => p.split('/').at(-1)).sort()).toEqual([
      'reasoner-finetuned.json',
      'reasoner-finetuned.weights.bin',
    ]);
    const manifest = JSON.parse(
      readFileSync(
        paths.find((p) => p.endsWith('.json'))!,
        'utf8',
      ),
    );
    expect(manifest.modelTopology.fineTune.settings.steps).toBe(5);
    expect(manifest.modelTopology.fineTune.baseKey).toMatch(/\S/);
  });

  test('revert gives the built-in T-CoTs back; importing the export gives the fine-tuned ones, token for token', async () => {
    // Revert: the built-in Reasoner's T-CoTs again. Import the export: the fine-tuned one's, token for token.
    await page.getByTestId('ft-revert').click();
    await expect(page.getByTestId('ft-apply')).toBeEnabled({ timeout: 60_000 });
    expect(await probe(page)).toEqual(builtin);
    await page.getByTestId('ft-import').setInputFiles(paths);
    await expect(page.getByTestId('ft-model-note')).toHaveAttribute('data-ok', 'true', { timeout: 60_000 });
    await expect(page.getByTestId('ft-model-note')).toContainText('Imported');
    expect(await probe(page)).toEqual(tuned);
  });

  test('a tampered weights file is refused with a clear message; the loaded Reasoner stays', async () => {
    // A tampered weights file is refused with a clear message; the loaded Reasoner stays.
    const bin = paths.find((p) => p.endsWith('.bin'))!;
    const bytes = readFileSync(bin);
    bytes[200] = bytes[200]! ^ 0xff;
    const tamperedBin = test.info().outputPath('tampered.weights.bin');
    writeFileSync(tamperedBin, bytes);
    await page.getByTestId('ft-import').setInputFiles([paths.find((p) => p.endsWith('.json'))!, tamperedBin]);
    await expect(page.getByTestId('ft-model-note')).toHaveAttribute('data-ok', 'false', { timeout: 60_000 });
    await expect(page.getByTestId('ft-model-note')).toContainText('corrupt or was changed');
    expect(await probe(page)).toEqual(tuned);
    await shot(page, 'finetune-refused');
  });

  test('a reload mid-run offers to resume, says what a resume redoes, and resumes', async () => {
    test.setTimeout(12 * 60_000);
    // A longer run, reloaded mid-way: the page offers to resume from the last checkpoint, and does.
    await settings(page, { steps: '40' });
    await page.getByTestId('ft-start').click();
    await expect
      .poll(
        async () =>
          (await page.getByTestId('ft-phase').getAttribute('data-phase')) === 'running' && (await stepOf(page)) >= 1,
        { timeout: 300_000 },
      )
      .toBe(true);
    await page.waitForTimeout(500); // the step's checkpoint is written right after it
    await page.goto(`/?view=finetune&${SMALL}`);
    await expect(page.getByTestId('library-ready')).toBeVisible({ timeout: 120_000 });
    const offer = page.getByTestId('ft-resume-offer');
    await expect(offer).toBeVisible({ timeout: 60_000 });
    // It says exactly what a resume redoes: the steps between the checkpoint and the last step the run finished.
    await expect(offer).toContainText(
      /from step \d+ and redoes nothing\.|Resuming keeps everything learned up to step \d+ and redoes (step \d+|steps \d+–\d+ \(\d+ steps\))\./,
    );
    await expect(page.getByTestId('chart-reward')).toBeVisible();
    await shot(page, 'finetune-resume-offer');
    const savedStep = await stepOf(page);
    expect(savedStep).toBeGreaterThanOrEqual(1);
    await page.getByTestId('ft-resume').click();
    await expect.poll(() => stepOf(page), { timeout: 300_000 }).toBeGreaterThan(savedStep);
    await page.getByTestId('ft-pause').click();
    await expect(page.getByTestId('ft-phase')).toHaveAttribute('data-phase', 'paused', { timeout: 300_000 });
  });

  test('pairs from a CSV file: resolved rows are added, the others listed with their errors', async () => {
    // Pairs from a CSV file: the rows that resolve are added, each other row is listed with its error.
    await page.getByTestId('pairs-import').setInputFiles({
      name: 'pairs.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from('query,target,match\na red star,image-0,yes\na blue circle,missing.png,no\n'),
    });
    await expect(page.getByTestId('pairs-import-note')).toContainText('1 pair added, 1 row with errors');
    await expect(page.getByTestId('pairs-import-errors')).toContainText('row 3');
    await expect(page.getByTestId('pair')).toHaveCount(9);
  });

  test('no page errors along the way', () => {
    expect(errors).toEqual([]);
  });
});

test('the built-in lesson: one click loads its pairs and settings, a short run goes through before / during / after, and the page reports held-out figures (tiny models, WASM)', async ({
  page,
}) => {
  test.setTimeout(10 * 60_000);
  const errors = pageErrors(page);
  await page.goto('/?view=finetune&backend=wasm&collection=200&preset=tiny&tokens=12&tcot=teacher');
  await expect(page.getByTestId('library-ready')).toBeVisible({ timeout: 180_000 });
  const lesson = page.getByTestId('ft-lesson');
  await expect(lesson).toHaveAttribute('data-phase', 'none');
  await page.getByTestId('lesson-concept').selectOption('one-object');
  await page.getByTestId('lesson-load').click();
  await expect(lesson).toHaveAttribute('data-phase', 'before');
  await expect(page.getByTestId('lesson-load')).toBeDisabled();
  const pairs = await page.getByTestId('pair').count();
  expect(pairs).toBeGreaterThanOrEqual(10);
  await expect(page.locator('[data-testid="pair"][data-match="false"]')).toHaveCount(0);
  expect(Number(await page.getByTestId('pairs-split').getAttribute('data-scorable'))).toBeGreaterThanOrEqual(1);
  // The lesson's settings are in the form; a short run keeps the test quick.
  await expect(page.getByTestId('ft-batch')).toHaveValue('6');
  await shot(page, 'lesson-before');
  await settings(page, { steps: '3', n: '2', maxNewTokens: '12', evalEvery: '3' });
  await page.getByTestId('ft-start').click();
  await expect(lesson).toHaveAttribute('data-phase', 'during', { timeout: 60_000 });
  await expect.poll(() => stepOf(page), { timeout: 300_000 }).toBeGreaterThanOrEqual(1);
  await shot(page, 'lesson-during');
  await expect(page.getByTestId('ft-phase')).toHaveAttribute('data-phase', 'finished', { timeout: 480_000 });
  await expect(lesson).toHaveAttribute('data-phase', 'after');
  // The lesson card states the outcome itself, in words that match the figures (untrained models here: any verdict).
  const outcome = page.getByTestId('lesson-outcome');
  await expect(outcome).toContainText('Before → after: Hit@1');
  const verdict = await outcome.getAttribute('data-verdict');
  expect(['rose', 'fell', 'same']).toContain(verdict);
  await expect(outcome).toContainText(verdict === 'same' ? 'did not change' : `held-out Hit@1 ${verdict}`);
  await expect(page.getByTestId('pairs-fold')).toBeVisible();
  await expect(page.getByTestId('ft-results')).toBeVisible();
  await page.getByTestId('ft-results').scrollIntoViewIfNeeded();
  await shot(page, 'lesson-after');
  // Presentation mode: larger type, the pairs table and settings folded away, charts and outcome kept; Esc leaves.
  await page.getByTestId('ft-present').click();
  await expect(page.locator('.view.finetune')).toHaveAttribute('data-present', 'true');
  await expect(page.getByTestId('ft-present')).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByTestId('ft-settings')).toHaveCount(0);
  await expect(page.getByTestId('chart-reward')).toBeVisible();
  await expect(outcome).toBeVisible();
  await shot(page, 'lesson-presentation');
  await page.keyboard.press('Escape');
  await expect(page.locator('.view.finetune')).toHaveAttribute('data-present', 'false');
  await expect(page.getByTestId('ft-settings')).toBeVisible();
  // After a reload the lesson's pairs are still the lesson's, not taken for the user's own.
  await page.reload();
  await expect(page.getByTestId('library-ready')).toBeVisible({ timeout: 180_000 });
  await expect(lesson).not.toHaveAttribute('data-phase', 'none');
  await expect(lesson).not.toContainText('of yours');
  await expect(page.getByTestId('pairs-fold')).toBeVisible();
  expect(errors).toEqual([]);
});
