// `npm run bench:browser [-- --backend webgpu|webgl|wasm|cpu] [--full] [--only search|finetune] [--finetune] [--threads N] [--out FILE]`: the model benchmark
// in headless Chromium, in the engine worker, on WebGPU (SwiftShader when there is no GPU) unless told
// otherwise. Serves the production build, opens bench.html, prints the table and writes the JSON.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { chromium } from '@playwright/test';
import { chromiumLaunchOptions } from '../e2e/chromium';
import { startPreview } from './preview-server';
import { cliArgs } from '../src/cli/args';

const { values: opts } = cliArgs(
  'npm run bench:browser [-- --backend webgpu|webgl|wasm|cpu] [--full] [--only search|finetune] [--finetune] [--threads N] [--out FILE]',
  {
    backend: {
      type: 'string',
      default: 'webgpu',
      value: 'webgpu|webgl|wasm|cpu',
      help: 'the engine backend in the page',
    },
    full: { type: 'boolean', help: 'the full benchmark (default: quick)' },
    only: { type: 'string', value: 'search|finetune', help: 'run only this part' },
    finetune: { type: 'boolean', help: 'add the EG-RL fine-tuning step' },
    threads: {
      type: 'string',
      value: 'N',
      help: 'WASM threads in the page (default: one per core up to 4; 1: single-threaded)',
    },
    out: { type: 'string', value: 'FILE', help: 'the JSON result (default bench-results/browser-BACKEND.json)' },
    port: { type: 'string', default: '4174', value: 'PORT', help: 'the preview server port' },
  },
);
const backend = opts.backend;
const full = opts.full;
const only = opts.only;
const withFinetune = opts.finetune;
const threads = opts.threads;
if (threads !== undefined && !/^\d+$/.test(threads)) throw new Error(`--threads takes a whole number, not ${threads}`);
const out = opts.out ?? `bench-results/browser-${backend}${threads ? `-t${threads}` : ''}.json`;
const port = Number(opts.port);

const { base, stop } = await startPreview(port, { path: '/bench.html' });
const browser = await chromium.launch(chromiumLaunchOptions());
try {
  const page = await browser.newPage();
  page.on('console', (m) => m.type() === 'error' && console.error(`[page] ${m.text()}`));
  await page.goto(
    `${base}/bench.html?backend=${backend}${full ? '' : '&quick=1'}${only ? `&only=${only}` : ''}${withFinetune ? '&finetune=1' : ''}${threads ? `&threads=${threads}` : ''}`,
  );
  let logged = 0;
  const poll = setInterval(async () => {
    const log =
      (await page
        .locator('#log')
        .textContent()
        .catch(() => '')) ?? '';
    const lines = log.split('\n').filter(Boolean);
    for (const l of lines.slice(logged)) process.stderr.write(`${l}\n`);
    logged = lines.length;
  }, 1000);
  await page.locator('#result[data-done="1"]').waitFor({ state: 'attached', timeout: 30 * 60_000 });
  clearInterval(poll);
  const error = await page.locator('#result').getAttribute('data-error');
  if (error) throw new Error(`benchmark failed in the page: ${error}`);
  console.log((await page.locator('#status').textContent()) ?? '');
  console.log((await page.locator('#result').textContent()) ?? '');
  await mkdir(dirname(out), { recursive: true });
  await writeFile(
    out,
    JSON.stringify(JSON.parse((await page.locator('#result').getAttribute('data-json')) ?? '{}'), null, 2),
  );
  console.log(`wrote ${out}`);
} finally {
  await browser.close();
  stop();
}
