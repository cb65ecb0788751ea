// The browser benchmark page (bench.html): the model benchmark in the engine worker, on the backend the
// query names. `npm run bench:browser` drives it headlessly; people can open it too.
import * as Comlink from 'comlink';
import { formatSearchTable } from '../engine/search-bench';
import { formatBenchTable } from '../models/bench';
import type { BackendPreference, Progress } from '../engine/types';
import { startEngineWorker } from './engine-client';

const params = new URLSearchParams(location.search);
const preference = (params.get('backend') ?? 'auto') as BackendPreference;
const quick = params.get('quick') === '1';
/** `?only=search`: skip the model benchmark. */
const searchOnly = params.get('only') === 'search';
const el = (id: string) => document.getElementById(id)!;

async function main() {
  const { engine } = startEngineWorker();
  const status = await engine.init({ preference });
  if (status.phase !== 'ready') throw new Error(status.error ?? 'engine failed to start');
  el('status').textContent = `backend: ${status.backend}${status.adapter ? ` (${status.adapter.vendor} / ${status.adapter.architecture})` : ''}`;
  const log = Comlink.proxy((p: Progress) => {
    el('log').textContent += `… ${p.message}\n`;
  });
  const result = searchOnly ? null : await engine.benchmark(quick ? { repeats: 1, recomputeTokens: 8 } : {}, log);
  const search = await engine.benchmarkSearch({ repeats: quick ? 5 : 20 }, log);
  el('result').textContent = [result ? formatBenchTable(result) : '', formatSearchTable(search)].filter(Boolean).join('\n\n');
  el('result').dataset.json = JSON.stringify({ ...(result ?? {}), search, adapter: status.adapter, quick });
  el('result').dataset.done = '1';
}

main().catch((err: unknown) => {
  el('status').textContent = `failed: ${err instanceof Error ? err.message : String(err)}`;
  el('result').dataset.error = String(err);
  el('result').dataset.done = '1';
});
