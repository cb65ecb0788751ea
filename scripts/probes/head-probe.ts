// Probe: continue a training run's cold start (CKPT/ckpt/reasoner-sft, fp32) on fresh SFT pairs, given a new
// head or not: `copy` the copy head (src/models/copy.ts), `attr` the attribute reader (src/models/attr.ts), `motion`
// the motion features (src/models/motion.ts), `clip-events` the clip-event detector and reader
// (src/models/clip-events.ts; its detector trained first on the frozen stem), `scene` the scene reader
// (src/models/scene.ts; `scene-named` its named-object prior alone), `none` the same steps without one.
// Writes OUT/steps.jsonl and OUT/models (int8; the Embedder from CKPT/models, or the shipped one).
// npx tsx scripts/probes/head-probe.ts CKPT OUT STEPS LR copy|attr|motion|clip-events|scene|scene-named|none
import { appendFileSync, cpSync, existsSync, mkdirSync } from 'node:fs';
import { createEngine } from '../../src/engine/engine';
import { nodePlatform } from '../../src/engine/backend/platform-node';
import { loadModel, saveWeights } from '../../src/models/weights';
import { nodeFileHandler } from '../../src/models/weights-node';
import { Reasoner } from '../../src/models/reasoner';
import { VOCAB } from '../../src/tcot/default';
import { shippedAttr, shippedClipEvents, shippedScene } from '../../src/models/shipped';
import { DEFAULT_CLIP_EVENT_STAGE, scoreClipEvents, trainClipEvents } from '../../src/train/clip-events-trainer';
import { sftExamples, trainSft } from '../../src/train/sft-trainer';
import { streamSource } from '../../src/train/stream';
import { REGIONS, validationPairs } from '../../src/train/recipe';
await createEngine(nodePlatform()).init({ preference: 'wasm' });
const [ckpt, out, steps, lr, mode] = process.argv.slice(2);
const base = (await loadModel(nodeFileHandler(`${ckpt}/ckpt/reasoner-sft`))).model as Reasoner;
const heads = {
  copy: { copy: { dk: 32, sepId: VOCAB.id('<sep>'), gateBias: -2 } },
  attr: { attr: shippedAttr() },
  motion: { motion: true },
  'clip-events': { clipEvents: shippedClipEvents() },
  scene: { scene: shippedScene() },
  'scene-named': { scene: { ...shippedScene(), numberIds: [] as number[] } },
  none: null,
} as const;
if (!(mode! in heads)) throw new Error(`head must be one of ${Object.keys(heads).join(', ')}, got ${mode}`);
const head = heads[mode as keyof typeof heads];
const hadDetector = Boolean(base.config.clipEvents); // a base that has the detector keeps it as trained
const model = head ? new Reasoner({ ...base.config, ...head }) : base;
if (model !== base) {
  for (const [name, v] of base.params.vars) model.params.get(name).assign(v);
  base.dispose();
}
if (model.config.clipEvents && !hadDetector) {
  // the detector's own stage on the frozen stem, then its held-out scores
  const t0 = performance.now();
  trainClipEvents(model.params, model.config.vision!, model.config.clipSize, DEFAULT_CLIP_EVENT_STAGE, 101, (l) => {
    if (l.step % 100 === 0) console.error('clip-events', l.step, l.loss.toFixed(3));
  });
  const s = scoreClipEvents(model.params, model.config.vision!, model.config.clipSize, 200, 909);
  console.error(`clip-events: ${((performance.now() - t0) / 1000).toFixed(0)} s · held-out ${JSON.stringify(s)}`);
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
const embedder = existsSync(`${ckpt}/models/embedder`) ? `${ckpt}/models/embedder` : 'public/models/embedder';
cpSync(embedder, `${out}/models/embedder`, { recursive: true });
console.error('saved');
