// `npm run bench [-- --out FILE] [--quick]`: the model benchmark on the Node WASM backend. Prints a table
// and writes the JSON result (default bench-results/node.json). The measuring code is
// src/models/bench.ts, shared with the browser.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createEngine } from '../engine/engine';
import { nodePlatform } from '../engine/platform-node';
import { formatBenchTable, runModelBench } from '../models/bench';

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const out = argValue('--out') ?? 'bench-results/node.json';
const quick = process.argv.includes('--quick'); // fewer repeats, 16-token no-cache baseline

const status = await createEngine(nodePlatform()).init({ preference: 'wasm' });
if (status.backend !== 'wasm') throw new Error(`the WASM backend failed to initialise: ${status.error ?? status.skipped.map((s) => s.reason).join('; ')}`);
console.log(`backend: wasm, ${status.details.threads} thread(s), SIMD ${status.details.simd}`);
const result = await runModelBench({
  repeats: quick ? 1 : 3,
  recomputeTokens: quick ? 16 : undefined,
  onProgress: (label) => process.stderr.write(`… ${label}\n`),
});
console.log(formatBenchTable(result));
await mkdir(dirname(out), { recursive: true });
await writeFile(out, JSON.stringify(result, null, 2));
console.log(`wrote ${out}`);
