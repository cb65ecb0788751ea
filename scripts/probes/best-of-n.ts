// Probe: how much better a T-CoT EG-RL could find by sampling. On a held-out suite, every candidate gets its greedy
// T-CoT; then the query's (or the positive's) T-CoT is replaced by K samples at temperature 1, and each sample's rank
// of the positive is scored. Prints greedy Hit@1, the samples' mean Hit@1 and best-of-K Hit@1 (some sample ranks the
// positive first) — the headroom a policy-gradient step can reach from what the policy already samples.
// `npx tsx scripts/probes/best-of-n.ts MODELS_DIR [seed] [perTask] [K] [reasoner-sft|reasoner]`
import { join } from 'node:path';
import { createEngine } from '../../src/engine/engine';
import { nodePlatform } from '../../src/engine/backend/platform-node';
import type { Embedder } from '../../src/models/embedder';
import { readTcot, worldEmbedItem, worldReasonerInput } from '../../src/models/inputs';
import type { Reasoner } from '../../src/models/reasoner';
import { seededRng } from '../../src/models/rng';
import { loadModel } from '../../src/models/weights';
import { nodeFileHandler } from '../../src/models/weights-node';
import { reasonGreedy } from '../../src/retrieval/pipeline';
import { rankByScores } from '../../src/retrieval/metrics';
import { VOCAB } from '../../src/tcot/default';
import { similarity } from '../../src/train/rewards';
import { buildSuite } from '../../src/world/suite';

const [dir = 'runs/next3/models', seedArg = '7919', perArg = '20', kArg = '4', which = 'reasoner-sft'] =
  process.argv.slice(2);
const K = Number(kArg);
await createEngine(nodePlatform()).init({ preference: 'wasm' });
const embedder = (await loadModel(nodeFileHandler(join(dir, 'embedder')))).model as Embedder;
const reasoner = (await loadModel(nodeFileHandler(join(dir, which)))).model as Reasoner;
const items = buildSuite({ seed: Number(seedArg), split: 'heldout', perTask: Number(perArg) }).items;
const EOS = VOCAB.id('<eos>');
const acc = { greedy: 0, qMean: 0, qBest: 0, pMean: 0, pBest: 0 };
for (const [k, item] of items.entries()) {
  const sides = [item.query, ...item.candidates];
  const inputs = sides.map((s) => worldReasonerInput(VOCAB, s, item.instruction));
  const greedy = await reasonGreedy(reasoner, inputs, { maxNewTokens: 64 });
  const qIn = inputs[0]!;
  const pIn = inputs[1 + item.positiveIndex]!;
  const gen = await reasoner.generate([qIn, pIn], {
    n: K,
    maxNewTokens: 64,
    temperature: 1,
    rng: seededRng(1000 + k),
    stopId: EOS,
  });
  const samples = gen.tokens.map((t) => readTcot(VOCAB, t).ids);
  const embed = (i: number, ids: Int32Array) =>
    worldEmbedItem(VOCAB, sides[i]!, { instruction: i === 0 ? item.instruction : undefined, tcotIds: ids });
  const emb = await embedder.embedData([
    ...sides.map((_, i) => embed(i, greedy[i]!)),
    ...samples.slice(0, K).map((ids) => embed(0, ids)),
    ...samples.slice(K).map((ids) => embed(1 + item.positiveIndex, ids)),
  ]);
  const C = item.candidates.length;
  const first = (q: Float32Array, cands: Float32Array[]): number =>
    rankByScores(similarity([q], cands))[0] === item.positiveIndex ? 1 : 0;
  const cands = emb.slice(1, 1 + C);
  acc.greedy += first(emb[0]!, cands);
  const q = emb.slice(1 + C, 1 + C + K).map((e) => first(e, cands));
  const p = emb.slice(1 + C + K).map((e) =>
    first(
      emb[0]!,
      cands.map((c, j) => (j === item.positiveIndex ? e : c)),
    ),
  );
  acc.qMean += q.reduce((a, b) => a + b, 0) / K;
  acc.qBest += Math.max(...q);
  acc.pMean += p.reduce((a, b) => a + b, 0) / K;
  acc.pBest += Math.max(...p);
  if (k % 20 === 19) process.stderr.write(`\r${k + 1}/${items.length}`);
}
const pct = (v: number) => ((100 * v) / items.length).toFixed(1);
console.log(
  `\n${which} seed ${seedArg}, ${items.length} items, K ${K}: greedy Hit@1 ${pct(acc.greedy)}; query sampled: mean ${pct(acc.qMean)}, best-of-${K} ${pct(acc.qBest)}; positive sampled: mean ${pct(acc.pMean)}, best-of-${K} ${pct(acc.pBest)}`,
);
