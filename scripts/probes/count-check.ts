// Probe: how often the scene reader's count (src/models/scene.ts: the stem's detections, one per object) equals the
// number of objects, on held-out image-cls count queries and i2t queries.
// npx tsx scripts/probes/count-check.ts MODELS_DIR [seed] [perTask]
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { createEngine } from '../../src/engine/engine';
import { nodePlatform } from '../../src/engine/backend/platform-node';
import { worldReasonerInput } from '../../src/models/inputs';
import { attentionBias } from '../../src/models/layers';
import { Reasoner } from '../../src/models/reasoner';
import { loadModel } from '../../src/models/weights';
import { nodeFileHandler } from '../../src/models/weights-node';
import { shippedScene } from '../../src/models/shipped';
import { VOCAB } from '../../src/tcot/default';
import { buildSuite } from '../../src/world/suite';

const [dir = 'public/models', seedArg = '7919', perArg = '40'] = process.argv.slice(2);
await createEngine(nodePlatform()).init({ preference: 'wasm' });
const base = (await loadModel(nodeFileHandler(join(dir, 'reasoner-sft')))).model as Reasoner;
const model = new Reasoner({ ...base.config, scene: shippedScene() });
for (const [name, v] of base.params.vars) model.params.get(name).assign(v);
const items = buildSuite({ seed: Number(seedArg), split: 'heldout', perTask: Number(perArg) }).items.filter(
  (it) => it.task === 'image-cls' || it.task === 'image-i2t' || it.task === 'image-vqa',
);
const m = model as unknown as Record<string, (...a: unknown[]) => unknown>;
let hit = 0;
let off1 = 0;
const confusion: string[] = [];
for (const it of items) {
  const input = worldReasonerInput(VOCAB, it.query, it.instruction);
  const want = it.query.modality === 'image' ? it.query.scene.objects.length : -1;
  const k = tf.tidy(() => {
    const plan = model.prefixPlan([input]);
    const mask = attentionBias(plan.keyValid, 1, plan.length, plan.length, null);
    const { hidden } = m['runBlocks']!.call(model, m['embed']!.call(model, plan), 1, plan.length, mask) as {
      hidden: tf.Tensor2D;
    };
    const ctx = m['pointerFrom']!.call(model, {
      hidden,
      count: 1,
      L: plan.length,
      P: plan.length,
      lengths: plan.lengths,
      inputs: [input],
    }) as { scene: { count: tf.Tensor } };
    const c = ctx.scene.count.dataSync();
    return c.indexOf(0) + 1;
  });
  if (k === want) hit++;
  else if (Math.abs(k - want) === 1) off1++;
  if (k !== want && confusion.length < 12) confusion.push(`${want}→${k}`);
}
console.log(`count exact ${hit}/${items.length} (${((100 * hit) / items.length).toFixed(1)} %), off by one ${off1}`);
console.log(confusion.join(' '));
