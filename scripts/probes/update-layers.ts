// `npx tsx scripts/probes/update-layers.ts [MODELS] [REPEATS]`
// Probe (#14 step time): the EG-RL update's forward + backward at the lesson's shape (6 pairs × 2 sides × G 4 = 48
// rollouts of 48 tokens; half the inputs images, half text) on the shipped Reasoner, training all but the stem
// (the lesson's setting) against training only the top K blocks and the heads (min over REPEATS; SKIP_LAYERS=1 skips
// them). Then the forward without the images, its costliest kernels (tf.profile) and one stem pass over the images.
import * as tf from '@tensorflow/tfjs-core';
import { createEngine } from '../../src/engine/engine';
import { nodePlatform } from '../../src/engine/backend/platform-node';
import { loadModel } from '../../src/models/weights';
import { nodeFileHandler } from '../../src/models/weights-node';
import type { Reasoner } from '../../src/models/reasoner';
import { syntheticIds, syntheticImageInput } from '../../src/models/testdata';
import { paramGrads } from '../../src/train/grad';
import { withoutVision } from '../../src/models/vision';

await createEngine(nodePlatform()).init({ preference: 'wasm' });
const [models = 'public/models', repeatsArg = '3'] = process.argv.slice(2);
const reasoner = (await loadModel(nodeFileHandler(`${models}/reasoner`))).model as Reasoner;
const c = reasoner.config;
const G = 4;
const inputs = Array.from({ length: 12 }, (_, i) => ({
  visual: i % 2 === 0 ? syntheticImageInput(i) : undefined,
  promptIds: syntheticIds(i, i % 2 === 0 ? 8 : 16, 20, c.vocabSize),
}));
const tokens = Array.from({ length: inputs.length * G }, (_, b) => syntheticIds(100 + b, 48, 20, c.vocabSize));
const all = withoutVision(reasoner.params.vars);
const blocks = c.nLayers;
const top = (k: number) =>
  new Map(
    [...all].filter(([name]) => {
      const m = /^h(\d+)\./.exec(name);
      if (m) return Number(m[1]) >= blocks - k;
      return /^(ln_f|ptr_)/.test(name); // the final norm and the pointer heads; embeddings stay frozen
    }),
  );
const time = (vars: Map<string, tf.Variable>) => {
  let best = Infinity;
  for (let r = 0; r < Number(repeatsArg) + 1; r++) {
    const t0 = performance.now();
    const { grads } = paramGrads(vars, () => {
      const { logprobs, mask } = reasoner.logprobs(inputs, tokens, { groupSize: G });
      return tf.neg(tf.div(tf.sum(tf.mul(logprobs, mask)), tf.sum(mask))) as tf.Scalar;
    });
    tf.dispose(Object.values(grads));
    if (r > 0) best = Math.min(best, performance.now() - t0); // the first is a warm-up
  }
  return best;
};
const fwd = () => {
  const t0 = performance.now();
  tf.tidy(() => reasoner.logprobs(inputs, tokens, { groupSize: G }).logprobs.dataSync());
  return performance.now() - t0;
};
fwd();
console.log(`forward only: ${fwd().toFixed(0)} ms`);
if (!process.env.SKIP_LAYERS) console.log(`all but the stem (${all.size} tensors): fwd+bwd ${time(all).toFixed(0)} ms`);
for (const k of process.env.SKIP_LAYERS ? [] : [2, 1, 0]) {
  const vars = top(k);
  console.log(`top ${k} blocks + heads (${vars.size} tensors): fwd+bwd ${time(vars).toFixed(0)} ms`);
}
// The same forward with the images taken out (their rows keep their prompts): what the stem and the image
// tokens cost.
const textOnly = inputs.map((x) => ({ promptIds: x.promptIds }));
const fwdText = () => {
  const t0 = performance.now();
  tf.tidy(() => reasoner.logprobs(textOnly, tokens, { groupSize: G }).logprobs.dataSync());
  return performance.now() - t0;
};
fwdText();
console.log(`forward, no images: ${fwdText().toFixed(0)} ms`);
const prof = await tf.profile(() =>
  tf.tidy(() => reasoner.logprobs(inputs, tokens, { groupSize: G }).logprobs.dataSync()),
);
const by = new Map<string, number>();
for (const k of prof.kernels) {
  const key = /MatMul|Conv/.test(k.name) ? `${k.name} ${JSON.stringify(k.inputShapes)}` : k.name;
  by.set(key, (by.get(key) ?? 0) + (k.kernelTimeMs as number));
}
for (const [k, ms] of [...by].sort((a, b) => b[1] - a[1]).slice(0, 14))
  console.log(`${ms.toFixed(0).padStart(6)} ms  ${k}`);
{
  const { stemInput, stemOf } = await import('../../src/models/vision');
  const imgs = inputs.filter((x) => x.visual).map((x) => stemInput(x.visual as never, c.imageSize));
  const all6 = new Float32Array(imgs.length * imgs[0]!.length);
  imgs.forEach((a, k) => all6.set(a, k * a.length));
  const run = () => tf.tidy(() => stemOf(reasoner.params, c.vision!, all6, imgs.length, c.imageSize).dataSync());
  run();
  const t0 = performance.now();
  for (let r = 0; r < 5; r++) run();
  console.log(`one stem pass over ${imgs.length} images: ${((performance.now() - t0) / 5).toFixed(1)} ms`);
}
