// `npx tsx scripts/probes/grpo-overfit.ts MODELS_DIR TASK STEPS LR [GRPO_JSON]`
// Probe: can GRPO raise the reward of one fixed batch? EG-RL (the full preset's settings) on the same pairs of one
// task at every step, printing each step's rollout reward and, every 5 steps, the greedy T-CoTs' in-batch ORM
// accuracy on those pairs. If this does not rise, the update does not follow the reward.
import { createEngine } from '../../src/engine/engine';
import { nodePlatform } from '../../src/engine/backend/platform-node';
import type { Embedder } from '../../src/models/embedder';
import { Reasoner } from '../../src/models/reasoner';
import { loadModel } from '../../src/models/weights';
import { nodeFileHandler } from '../../src/models/weights-node';
import { reasonGreedy } from '../../src/retrieval/pipeline';
import { answerKey } from '../../src/train/data';
import { ScheduledAdam } from '../../src/train/grad';
import { grpoReasonerInputs, grpoStep, rolloutRewards, worldGrpoPair } from '../../src/train/grpo-trainer';
import { PRESETS } from '../../src/train/presets';
import { REGIONS } from '../../src/train/recipe';
import { streamSource } from '../../src/train/stream';
import { Rng } from '../../src/world/rng';

await createEngine(nodePlatform()).init({ preference: 'wasm' });
const [dir, task, stepsArg, lrArg, extra] = process.argv.slice(2);
const embedder = (await loadModel(nodeFileHandler(`${dir}/embedder`))).model as Embedder;
const sft = (await loadModel(nodeFileHandler(`${dir}/reasoner-sft`))).model as Reasoner;
const policy = new Reasoner(sft.config);
for (const [name, v] of sft.params.vars) policy.params.get(name).assign(v);
const stage = { ...PRESETS.full.grpo, ...(extra ? JSON.parse(extra) : {}) };
const lr = Number(lrArg);
const source = streamSource(1, { region: REGIONS.grpo, want: 'any', sameTask: true, distinct: answerKey });
let batch = source.batch(0, stage.pairs);
for (let k = 1; batch.task !== task; k++) batch = source.batch(k, stage.pairs);
const pairs = batch.items.map(worldGrpoPair);
const inputs = grpoReasonerInputs(pairs);
const optimizer = new ScheduledAdam(lr);
const greedy = async () => {
  const tokens = await reasonGreedy(policy, inputs, { maxNewTokens: stage.maxNewTokens });
  const r = await rolloutRewards(embedder, pairs, tokens, 1, stage, new Rng(7));
  const P = pairs.length;
  return {
    acc: r.acc.slice(0, P).reduce((a, b) => a + b, 0) / P,
    reward: r.total.reduce((a, b) => a + b, 0) / r.total.length,
  };
};
console.log('task', task, 'pairs', pairs.length, 'lr', lr);
for (let step = 0; step < Number(stepsArg); step++) {
  if (step % 5 === 0) {
    const g = await greedy();
    console.log(`greedy@${step} query acc ${g.acc.toFixed(3)} reward ${g.reward.toFixed(3)}`);
  }
  const s = await grpoStep(policy, sft, embedder, optimizer, pairs, stage, lr, {
    rollout: 1000 + step,
    prm: 2000 + step,
  });
  console.log(
    `step ${step} reward ${s.reward.mean.toFixed(3)} acc ${s.acc.toFixed(3)} kl ${s.kl.toFixed(4)} grad ${s.gradNorm.toFixed(2)} zero ${s.zeroVariance.toFixed(2)} ent ${s.entropy.toFixed(3)}`,
  );
}
const g = await greedy();
console.log(`greedy@end query acc ${g.acc.toFixed(3)} reward ${g.reward.toFixed(3)}`);
