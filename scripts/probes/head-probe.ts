// Probe: continue a training run's cold start (CKPT/ckpt/reasoner-sft, fp32) on fresh SFT pairs, given a new
// head or not: `copy` the copy head (src/models/copy.ts), `attr` the attribute reader (src/models/attr.ts), `motion`
// the motion features (src/models/motion.ts), `event` the frame-event head (src/models/event-head.ts; its loss at
// weight EVENT_WEIGHT, default 0.5), `event-motion` both, `clip-events` the clip-event detector and reader (src/models/clip-events.ts; its detector
// trained first on the frozen stem), `none` the same steps without one. With an event head it
// ends with the head's held-out frame accuracy on the validation pairs' clips. Writes OUT/steps.jsonl and OUT/models (int8; the Embedder from CKPT/models, or the
// shipped one).
// npx tsx scripts/probes/head-probe.ts CKPT OUT STEPS LR copy|attr|motion|event|event-motion|clip-events|none [EVENT_WEIGHT]
import * as tf from '@tensorflow/tfjs-core';
import { appendFileSync, cpSync, existsSync, mkdirSync } from 'node:fs';
import { createEngine } from '../../src/engine/engine';
import { nodePlatform } from '../../src/engine/platform-node';
import { loadModel, saveWeights } from '../../src/models/weights';
import { nodeFileHandler } from '../../src/models/weights-node';
import { Reasoner } from '../../src/models/reasoner';
import { VOCAB } from '../../src/tcot/default';
import { shippedAttr, shippedClipEvents } from '../../src/train/presets';
import { DEFAULT_CLIP_EVENT_STAGE, scoreClipEvents, trainClipEvents } from '../../src/train/clip-events-trainer';
import { EVENT_CLASSES } from '../../src/train/event-labels';
import { sftExamples, trainSft } from '../../src/train/sft-trainer';
import { streamSource } from '../../src/train/stream';
import { REGIONS, validationPairs } from '../../src/train/recipe';
await createEngine(nodePlatform()).init({ preference: 'wasm' });
const [ckpt, out, steps, lr, mode, eventWeight = '0.5'] = process.argv.slice(2);
const base = (await loadModel(nodeFileHandler(`${ckpt}/ckpt/reasoner-sft`))).model as Reasoner;
const heads = {
  copy: { copy: { dk: 32, sepId: VOCAB.id('<sep>'), gateBias: -2 } },
  attr: { attr: shippedAttr() },
  motion: { motion: true },
  event: { eventHead: { classes: EVENT_CLASSES } },
  'event-motion': { eventHead: { classes: EVENT_CLASSES }, motion: true },
  'clip-events': { clipEvents: shippedClipEvents() },
  none: null,
} as const;
if (!(mode! in heads)) throw new Error(`head must be one of ${Object.keys(heads).join(', ')}, got ${mode}`);
const head = heads[mode as keyof typeof heads];
const model = head ? new Reasoner({ ...base.config, ...head }) : base;
if (model !== base) {
  for (const [name, v] of base.params.vars) model.params.get(name).assign(v);
  base.dispose();
}
if (model.config.clipEvents) {
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
  eventWeight: Number(eventWeight),
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
if (model.config.eventHead) {
  // held-out frames: accuracy on frames where an event happens, on frames where none does, and per clip (the
  // strongest event frame's kind against the clip's first event)
  const clips = val.filter((e) => e.frameEvents);
  const acc = { event: [0, 0], none: [0, 0], clip: [0, 0] };
  for (let i = 0; i < clips.length; i += 12) {
    const chunk = clips.slice(i, i + 12);
    const { pred, prob, classes } = tf.tidy(() => {
      const ev = model.logprobs(
        chunk.map((e) => e.input),
        chunk.map((e) => e.target),
        { groupSize: 1, frameEvents: chunk.map((e) => e.frameEvents!) },
      ).events!;
      const p = tf.softmax(ev.logits);
      return { pred: p.argMax(1).dataSync(), prob: p.arraySync() as number[][], classes: ev.classes };
    });
    const F = model.config.clipFrames;
    classes.forEach((c, k) => {
      const a = c > 0 ? acc.event : acc.none;
      a[0] += pred[k] === c ? 1 : 0;
      a[1]++;
    });
    for (let j = 0; j < classes.length / F; j++) {
      const rows = prob.slice(j * F, (j + 1) * F);
      const want = classes.slice(j * F, (j + 1) * F).find((c) => c > 0);
      if (want === undefined) continue;
      let best = { p: -1, c: 0 };
      for (const r of rows) r.forEach((p, c) => c > 0 && p > best.p && (best = { p, c }));
      acc.clip[0] += best.c === want ? 1 : 0;
      acc.clip[1]++;
    }
  }
  const pc = ([a, n]: number[]) => `${((100 * a!) / Math.max(1, n!)).toFixed(1)} % of ${n}`;
  console.error(
    `event head, held-out: event frames ${pc(acc.event)} · still frames ${pc(acc.none)} · clips' kind ${pc(acc.clip)}`,
  );
}
await saveWeights(model, nodeFileHandler(`${out}/models/reasoner-sft`), 'int8');
await saveWeights(model, nodeFileHandler(`${out}/models/reasoner`), 'int8'); // eval's egrl row reads this one
const embedder = existsSync(`${ckpt}/models/embedder`) ? `${ckpt}/models/embedder` : 'public/models/embedder';
cpSync(embedder, `${out}/models/embedder`, { recursive: true });
console.error('saved');
