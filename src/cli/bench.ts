// `npm run bench [-- --out FILE] [--quick] [--search-only] [--scale] [--finetune-only]`: the model benchmark on
// the Node WASM backend, then the search benchmark (brute-force cosine top-k at 1k / 10k / 100k items), then the
// EG-RL fine-tuning step at its default settings (src/bench/finetune-bench.ts). `--scale` adds the index's
// scale benchmark (build, IndexedDB load through fake-indexeddb, memory, query, append, removal of a tenth) and
// skips the model and fine-tune parts. Prints tables and writes the JSON result (default bench-results/node.json).
// The model measuring code is src/bench/model-bench.ts, shared with the browser; the search parts are
// src/bench/search-bench.ts (the latency table is also run by the browser page).
import * as tf from '@tensorflow/tfjs-core';
import { IDBFactory } from 'fake-indexeddb';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createEngine } from '../engine/engine';
import { nodePlatform } from '../engine/backend/platform-node';
import { formatScaleTable, formatSearchTable, runScaleBench, runSearchBench } from '../bench/search-bench';
import { formatFinetuneBench, runFinetuneBench } from '../bench/finetune-bench';
import { formatBenchTable, runModelBench } from '../bench/model-bench';
import { cliArgs } from './args';

const { values: args } = cliArgs(
  'npm run bench [-- --out FILE] [--quick] [--search-only] [--scale] [--finetune-only]',
  {
    out: { type: 'string', default: 'bench-results/node.json', value: 'FILE', help: 'the JSON result' },
    quick: { type: 'boolean', help: 'fewer repeats, 16-token no-cache baseline' },
    'search-only': { type: 'boolean', help: 'only the search benchmark' },
    scale: { type: 'boolean', help: "the index's scale benchmark (skips the model and fine-tune parts)" },
    'finetune-only': { type: 'boolean', help: 'only the EG-RL fine-tuning step' },
  },
);
const { out, quick, scale } = args;
const searchOnly = args['search-only'] || scale;
const finetuneOnly = args['finetune-only'];

const status = await createEngine(nodePlatform()).init({ preference: 'wasm' });
if (status.backend !== 'wasm')
  throw new Error(
    `the WASM backend failed to initialise: ${status.error ?? status.skipped.map((s) => s.reason).join('; ')}`,
  );
console.log(`backend: wasm, ${status.details.threads} thread(s), SIMD ${status.details.simd}`);

const models =
  searchOnly || finetuneOnly
    ? null
    : await runModelBench({
        repeats: quick ? 1 : 3,
        recomputeTokens: quick ? 16 : undefined,
        onProgress: (label) => process.stderr.write(`… ${label}\n`),
      });
if (models) console.log(formatBenchTable(models));
const search = finetuneOnly
  ? []
  : await runSearchBench({
      repeats: quick ? 5 : 20,
      onProgress: (items) => process.stderr.write(`… search ${items} items\n`),
    });
if (!finetuneOnly) console.log(formatSearchTable(search));
const scaleRows = scale
  ? await runScaleBench({
      repeats: quick ? 5 : 20,
      idbFactory: new IDBFactory(),
      onProgress: (items) => process.stderr.write(`… scale ${items} items\n`),
    })
  : null;
if (scaleRows) console.log(formatScaleTable(scaleRows));
const finetune = searchOnly
  ? null
  : await runFinetuneBench({ steps: quick ? 1 : 3, onProgress: (label) => process.stderr.write(`… ${label}\n`) });
if (finetune) console.log(formatFinetuneBench(finetune));
console.log(`tensors alive after the benchmarks: ${tf.memory().numTensors}`);
await mkdir(dirname(out), { recursive: true });
await writeFile(
  out,
  JSON.stringify({ ...(models ?? {}), search, ...(scaleRows ? { scale: scaleRows } : {}), finetune }, null, 2),
);
console.log(`wrote ${out}`);
