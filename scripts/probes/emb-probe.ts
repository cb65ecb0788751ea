// `npx tsx scripts/probes/emb-probe.ts OUT STEPS NO_TCOT_PROB LR`
// Probe: continue the shipped Embedder (fp32 checkpoint) on fresh pairs with mostly no-T-CoT steps.
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
const [out, steps, noTcot, lr] = process.argv.slice(2);
const embedder = (await loadModel(nodeFileHandler('checkpoints/2026-12-02-full3/ckpt/embedder'))).model as Embedder;
const source = streamSource(1, { region: REGIONS.adapt, want: 'match', sameTask: true, distinct: answerKey });
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
await saveWeights(embedder, nodeFileHandler(`${out}/models/embedder`), 'int8');
for (const r of ['reasoner-sft', 'reasoner']) cpSync(`public/models/${r}`, `${out}/models/${r}`, { recursive: true });
console.error('saved');
