// Probe: continue a cold start (fp32 checkpoint) on fresh SFT pairs, with or without the attribute reader
// (src/models/attr.ts: answer words read the stem head at the attended object).
// npx tsx scripts/probes/attr-probe.ts CKPT OUT STEPS LR attr|noattr
import { appendFileSync, cpSync, mkdirSync } from 'node:fs';
import { createEngine } from '../../src/engine/engine';
import { nodePlatform } from '../../src/engine/platform-node';
import { loadModel, saveWeights } from '../../src/models/weights';
import { nodeFileHandler } from '../../src/models/weights-node';
import { Reasoner } from '../../src/models/reasoner';
import { shippedAttr } from '../../src/train/presets';
import { sftExamples, trainSft } from '../../src/train/sft-trainer';
import { streamSource } from '../../src/train/stream';
import { REGIONS, validationPairs } from '../../src/train/recipe';
await createEngine(nodePlatform()).init({ preference: 'wasm' });
const [ckpt, out, steps, lr, mode] = process.argv.slice(2);
const base = (await loadModel(nodeFileHandler(`${ckpt}/ckpt/reasoner-sft`))).model as Reasoner;
const model = mode === 'attr' ? new Reasoner({ ...base.config, attr: shippedAttr() }) : base;
if (model !== base) {
  for (const [name, v] of base.params.vars) model.params.get(name).assign(v);
  base.dispose();
}
const source = streamSource(1, { region: REGIONS.sft + 100_000, want: 'match', sameTask: false });
const stage = {
  maxSteps: Number(steps),
  batch: 12,
  lr: Number(lr),
  warmup: 20,
  evalEvery: 50,
  patience: 4,
  valPairs: 110,
  freezeVision: true,
};
mkdirSync(out!, { recursive: true });
const val = sftExamples(validationPairs(1, 110));
const res = await trainSft(model, source, val, stage, 11, {
  onStep: (l) => {
    appendFileSync(`${out}/steps.jsonl`, JSON.stringify(l) + '\n');
    if (l.valLoss !== undefined || l.step % 25 === 0)
      console.error(l.step, l.loss.toFixed(3), l.valLoss?.toFixed(4) ?? '', l.dt.toFixed(1));
  },
});
console.error('result', JSON.stringify({ ...res, logs: undefined }));
await saveWeights(model, nodeFileHandler(`${out}/models/reasoner-sft`), 'int8');
await saveWeights(model, nodeFileHandler(`${out}/models/reasoner`), 'int8'); // eval's egrl row reads this one
cpSync(`${ckpt}/models/embedder`, `${out}/models/embedder`, { recursive: true });
console.error('saved');
