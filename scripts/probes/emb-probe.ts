// `npx tsx scripts/probes/emb-probe.ts OUT STEPS NO_TCOT_PROB LR [FROM_CKPT] [MODELS] [OFFSET]`
// Probe: continue an Embedder (fp32 checkpoint FROM_CKPT, default the 2026-12-02 run's) on fresh pairs (the stream's
// adapt region, which no shipped stage reads, from OFFSET on: a second probe passes one past the first's pairs) with mostly
// no-T-CoT steps; writes OUT/models with MODELS' Reasoners and OUT/ckpt-embedder (float32).
import { cpSync, mkdirSync, appendFileSync } from 'node:fs';
import { createEngine } from '../../src/engine/engine';
import { nodePlatform } from '../../src/engine/backend/platform-node';
import { loadModel, saveWeights } from '../../src/models/weights';
import { nodeFileHandler } from '../../src/models/weights-node';
import type { Embedder } from '../../src/models/embedder';
import { trainEmbedder } from '../../src/train/embedder-trainer';
import { streamSource } from '../../src/train/stream';
import { answerKey } from '../../src/train/data';
import { PRESETS } from '../../src/train/presets';
import { REGIONS } from '../../src/train/recipe';
await createEngine(nodePlatform()).init({ preference: 'wasm' });
const [
  out,
  steps,
  noTcot,
  lr,
  from = 'checkpoints/2026-12-02-full3/ckpt/embedder',
  models = 'public/models',
  offset = '0',
] = process.argv.slice(2);
const embedder = (await loadModel(nodeFileHandler(from))).model as Embedder;
const source = streamSource(1, {
  region: REGIONS.adapt + Number(offset),
  want: 'match',
  sameTask: true,
  distinct: answerKey,
});
const stage = {
  ...PRESETS.full.embedder,
  steps: Number(steps),
  lr: Number(lr),
  warmup: 10,
  noTcotProb: Number(noTcot),
};
mkdirSync(out!, { recursive: true });
await trainEmbedder(embedder, source, stage, 11, {
  onStep: (l) => {
    appendFileSync(`${out}/steps.jsonl`, JSON.stringify(l) + '\n');
    if (l.step % 20 === 0) console.error(l.step, l.task, l.tcot, l.acc.toFixed(2), l.loss.toFixed(3), l.dt.toFixed(1));
  },
});
await saveWeights(embedder, nodeFileHandler(`${out}/ckpt-embedder`), 'float32');
await saveWeights(embedder, nodeFileHandler(`${out}/models/embedder`), 'int8');
for (const r of ['reasoner-sft', 'reasoner']) cpSync(`${models}/${r}`, `${out}/models/${r}`, { recursive: true });
console.error('saved');
