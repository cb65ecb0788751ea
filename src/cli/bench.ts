// `npm run bench [-- --out FILE] [--quick] [--search-only] [--finetune-only]`: the model benchmark on the
// Node WASM backend, then the search benchmark (brute-force cosine top-k at 1k / 10k / 100k items), then the
// EG-RL fine-tuning step at its default settings (src/engine/finetune-bench.ts). Prints tables and writes
// the JSON result (default bench-results/node.json). The model measuring code is src/models/bench.ts,
// shared with the browser; the search part is src/engine/search-bench.ts (also run by the browser page).
import * as tf from '@tensorflow/tfjs-core';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createEngine } from '../engine/engine';
import { nodePlatform } from '../engine/platform-node';
import { formatSearchTable, runSearchBench } from '../engine/search-bench';
import { formatFinetuneBench, runFinetuneBench } from '../engine/finetune-bench';
import { formatBenchTable, runModelBench } from '../models/bench';

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const out = argValue('--out') ?? 'bench-results/node.json';
const quick = process.argv.includes('--quick'); // fewer repeats, 16-token no-cache baseline
const searchOnly = process.argv.includes('--search-only');
const finetuneOnly = process.argv.includes('--finetune-only');

const status = await createEngine(nodePlatform()).init({ preference: 'wasm' });
if (status.backend !== 'wasm') throw new Error(`the WASM backend failed to initialise: ${status.error ?? status.skipped.map((s) => s.reason).join('; ')}`);
console.log(`backend: wasm, ${status.details.threads} thread(s), SIMD ${status.details.simd}`);

const models = searchOnly || finetuneOnly
  ? null
  : await runModelBench({
      repeats: quick ? 1 : 3,
      recomputeTokens: quick ? 16 : undefined,
      onProgress: (label) => process.stderr.write(`… ${label}\n`),
    });
if (models) console.log(formatBenchTable(models));
const search = finetuneOnly ? [] : await runSearchBench({ repeats: quick ? 5 : 20, onProgress: (items) => process.stderr.write(`… search ${items} items\n`) });
if (!finetuneOnly) console.log(formatSearchTable(search));
const finetune = searchOnly ? null : await runFinetuneBench({ steps: quick ? 1 : 3, onProgress: (label) => process.stderr.write(`… ${label}\n`) });
if (finetune) console.log(formatFinetuneBench(finetune));
console.log(`tensors alive after the benchmarks: ${tf.memory().numTensors}`);
await mkdir(dirname(out), { recursive: true });
await writeFile(out, JSON.stringify({ ...(models ?? {}), search, finetune }, null, 2));
console.log(`wrote ${out}`);
