// Why the Reasoner's evidence misses (a probe, not a test): for held-out image sides, each greedy box is
// classed as on a gold object (IoU ≥ 0.5), on another object of the scene, or on none; box counts are
// compared; for clip sides, key frames are compared with the gold frames and the clip's event frames.
// `npx tsx scripts/probes/grounding-diag.ts MODELS_DIR [seed] [perTask] [reasoner-sft|reasoner]`
import { join } from 'node:path';
import { createEngine } from '../../src/engine/engine';
import { nodePlatform } from '../../src/engine/backend/platform-node';
import { worldReasonerInput } from '../../src/models/inputs';
import type { Reasoner } from '../../src/models/reasoner';
import { loadModel } from '../../src/models/weights';
import { nodeFileHandler } from '../../src/models/weights-node';
import { reasonGreedy } from '../../src/retrieval/pipeline';
import { VOCAB } from '../../src/tcot/default';
import { parseTokens } from '../../src/tcot/parse';
import { annotate } from '../../src/world/annotator';
import { boxIoU } from '../../src/world/raster';
import { sceneBoxes } from '../../src/world/scene';
import { buildSuite } from '../../src/world/suite';
import { eventFrames } from '../../src/world/clip';

const [dir = 'runs/next3/models', seedArg = '7919', perArg = '4', which = 'reasoner-sft'] = process.argv.slice(2);
await createEngine(nodePlatform()).init({ preference: 'wasm' });
const suite = buildSuite({ seed: Number(seedArg), split: 'heldout', perTask: Number(perArg) });
const sides = suite.items.flatMap((item) =>
  [
    { input: item.query, focus: item.queryFocus, task: item.task, instruction: item.instruction, side: 'q' },
    ...item.candidates.map((c, j) => ({
      input: c,
      focus: item.candidateFocus[j]!,
      task: item.task,
      instruction: item.instruction,
      side: 'c',
    })),
  ].filter((s) => s.input.modality !== 'text'),
);
const reasoner = (await loadModel(nodeFileHandler(join(dir, which)))).model as Reasoner;
const ids = await reasonGreedy(
  reasoner,
  sides.map((s) => worldReasonerInput(VOCAB, s.input, s.instruction)),
  { maxNewTokens: 64, chunk: 48 },
);
const c: Record<string, number> = {};
let side = '';
const inc = (k: string, n = 1) => {
  c[k] = (c[k] ?? 0) + n;
  c[`${side}.${k}`] = (c[`${side}.${k}`] ?? 0) + n;
};
const samples: string[] = [];
sides.forEach((s, i) => {
  side = s.side;
  const gold = annotate(s.input, { mode: 'gold', seed: 0, focus: s.focus });
  const eos = ids[i]!.indexOf(VOCAB.id('<eos>'));
  const p = parseTokens(VOCAB, eos >= 0 ? ids[i]!.subarray(0, eos + 1) : ids[i]!, { expectedKey: gold.evidence.key });
  if (gold.evidence.key === 'bbox_2d') {
    const got = p.evidence?.key === 'bbox_2d' ? p.evidence.boxes : [];
    const want = gold.evidence.boxes;
    inc('img.sides');
    inc(got.length === want.length ? 'img.count=' : got.length < want.length ? 'img.count<' : 'img.count>');
    inc('img.goldBoxes', want.length);
    inc('img.predBoxes', got.length);
    const crop = s.input.modality === 'image' && s.input.crop;
    const all = s.input.modality === 'image' && !crop ? sceneBoxes(s.input.scene) : [];
    for (const b of got) {
      const onGold = Math.max(0, ...want.map((g) => boxIoU(b, g)));
      const onAny = Math.max(0, ...all.map((g) => boxIoU(b, g)));
      if (onGold >= 0.5) inc('box.onGold');
      else if (onGold >= 0.2) inc('box.nearGold');
      else if (!crop && onAny >= 0.5) inc('box.onOther');
      else if (!crop && onAny >= 0.2) inc('box.nearOther');
      else inc(crop ? 'box.offCrop' : 'box.off');
    }
    inc(
      'img.iouSum',
      want.length
        ? want.reduce((t, g) => t + Math.max(0, ...got.map((b) => boxIoU(b, g))), 0) / want.length
        : got.length
          ? 0
          : 1,
    );
    if (samples.length < 12 && !crop)
      samples.push(`${s.task} gold ${JSON.stringify(want)} pred ${JSON.stringify(got)} all ${JSON.stringify(all)}`);
  } else if (gold.evidence.key === 'key_frames') {
    const got = p.evidence?.key === 'key_frames' ? p.evidence.frames : [];
    const want = gold.evidence.frames;
    inc('clip.sides');
    inc(got.length === want.length ? 'clip.count=' : got.length < want.length ? 'clip.count<' : 'clip.count>');
    const evf = s.input.modality === 'video' && !s.input.segment ? s.input.clip.events.flatMap(eventFrames) : [];
    for (const f of got) {
      if (want.includes(f)) inc('frame.gold');
      else if (want.some((g) => Math.abs(g - f) <= 1)) inc('frame.gold±1');
      else if (evf.includes(f)) inc('frame.otherEvent');
      else inc('frame.off');
    }
    if (samples.length < 24 && samples.length >= 12 && !(s.input.modality === 'video' && s.input.segment))
      samples.push(
        `${s.task} gold ${JSON.stringify(want)} pred ${JSON.stringify(got)} events ${JSON.stringify(s.input.modality === 'video' ? s.input.clip.events.map((e) => [e.kind, e.frame]) : [])}`,
      );
  }
});
c['img.meanIoU'] = (c['img.iouSum']! / c['img.sides']!) * 100;
console.log(JSON.stringify(c, null, 1));
for (const s of samples) console.log(s);
