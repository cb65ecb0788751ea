// `npx tsx scripts/probes/grpo-probe.ts MODELS_DIR OUT [GRPO_JSON]`
// Probe: the full preset's EG-RL stage (src/train/presets.ts, region grpo, seed 1) from a models folder's Embedder and
// cold start (e.g. a probe's output), writing OUT/models/{embedder,reasoner-sft,reasoner} (int8) and OUT/steps.jsonl.
import { cpSync, mkdirSync, appendFileSync, writeFileSync } from 'node:fs';
import { createEngine } from '../../src/engine/engine';
import { nodePlatform } from '../../src/engine/backend/platform-node';
import type { Embedder } from '../../src/models/embedder';
import { Reasoner } from '../../src/models/reasoner';
import { loadModel, saveWeights } from '../../src/models/weights';
import { nodeFileHandler } from '../../src/models/weights-node';
import { answerKey } from '../../src/train/data';
import { trainGrpo } from '../../src/train/grpo-trainer';
import { PRESETS } from '../../src/train/presets';
import { REGIONS } from '../../src/train/recipe';
import { streamSource } from '../../src/train/stream';
import { trend } from '../../src/train/trend';
await createEngine(nodePlatform()).init({ preference: 'wasm' });
const [dir, out, extra] = process.argv.slice(2);
const embedder = (await loadModel(nodeFileHandler(`${dir}/embedder`))).model as Embedder;
const sft = (await loadModel(nodeFileHandler(`${dir}/reasoner-sft`))).model as Reasoner;
const egrl = new Reasoner(sft.config);
for (const [name, v] of sft.params.vars) egrl.params.get(name).assign(v);
const stage = { ...PRESETS.full.grpo, ...(extra ? JSON.parse(extra) : {}) };
const source = streamSource(1, {
  region: REGIONS.grpo,
  want: stage.want ?? 'mismatch',
  sameTask: true,
  distinct: answerKey,
});
mkdirSync(out!, { recursive: true });
const t0 = performance.now();
const logs = await trainGrpo(egrl, sft, embedder, source, stage, 1, {
  onStep: (l) => {
    appendFileSync(`${out}/steps.jsonl`, JSON.stringify(l) + '\n');
    console.error(l.step, l.task, l.reward.mean.toFixed(3), l.acc.toFixed(2), l.kl.toFixed(4), l.dt.toFixed(1));
  },
});
const rewardTrend = trend(
  logs.map((l) => [l.step, l.reward.mean]),
  { groups: logs.map((l) => l.task) },
);
writeFileSync(
  `${out}/grpo.json`,
  JSON.stringify({ stage, seconds: (performance.now() - t0) / 1000, rewardTrend }, null, 2),
);
await saveWeights(egrl, nodeFileHandler(`${out}/models/reasoner`), 'int8');
for (const r of ['embedder', 'reasoner-sft']) cpSync(`${dir}/${r}`, `${out}/models/${r}`, { recursive: true });
console.error('saved', JSON.stringify(rewardTrend));
