// The browser benchmark page (bench.html): the model benchmark in the engine worker, on the backend the
// query names. `npm run bench:browser` drives it headlessly; people can open it too.
import './bench.css';
import * as Comlink from 'comlink';
import { formatSearchTable } from '../bench/search-bench';
import { formatFinetuneBench } from '../bench/finetune-bench';
import { formatBenchTable } from '../bench/model-bench';
import type { BackendPreference, Progress } from '../engine/types';
import { startEngineWorker } from './engine-client';
import { errorMessage } from '../media/errors';

const params = new URLSearchParams(location.search);
const preference = (params.get('backend') ?? 'auto') as BackendPreference;
const quick = params.get('quick') === '1';
/** `?only=search` / `?only=finetune`: that benchmark alone. `?finetune=1`: add the EG-RL step to the full run. */
const only = params.get('only');
const searchOnly = only === 'search';
const finetuneOnly = only === 'finetune';
const withFinetune = finetuneOnly || params.get('finetune') === '1';
const el = (id: string) => document.getElementById(id)!;

async function main() {
  const { engine } = startEngineWorker();
  const status = await engine.init({ preference });
  if (status.phase !== 'ready') throw new Error(status.error ?? 'engine failed to start');
  el('status').textContent =
    `backend: ${status.backend}${status.adapter ? ` (${status.adapter.vendor} / ${status.adapter.architecture})` : ''}` +
    (status.backend === 'wasm'
      ? ` · ${status.details.threads ?? 1} thread(s) · cross-origin isolated: ${crossOriginIsolated}`
      : '');
  const log = Comlink.proxy((p: Progress) => {
    el('log').textContent += `… ${p.message}\n`;
  });
  const result =
    searchOnly || finetuneOnly ? null : await engine.benchmark(quick ? { repeats: 1, recomputeTokens: 8 } : {}, log);
  const search = finetuneOnly ? [] : await engine.benchmarkSearch({ repeats: quick ? 5 : 20 }, log);
  const finetune = withFinetune ? await engine.benchmarkFinetune({ steps: quick ? 1 : 3 }, log) : null;
  el('result').textContent = [
    result ? formatBenchTable(result) : '',
    search.length ? formatSearchTable(search) : '',
    finetune ? formatFinetuneBench(finetune) : '',
  ]
    .filter(Boolean)
    .join('\n\n');
  el('result').dataset.json = JSON.stringify({ ...(result ?? {}), search, finetune, adapter: status.adapter, quick });
  el('result').dataset.done = '1';
}

main().catch((err: unknown) => {
  el('status').textContent = `failed: ${errorMessage(err)}`;
  el('result').dataset.error = String(err);
  el('result').dataset.done = '1';
});
