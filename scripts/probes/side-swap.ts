// Probe: which side's T-CoT limits retrieval? On a held-out suite, the query side and the candidate sides each get
// their T-CoT from one source — none, the Reasoner (greedy), the gold annotator with the task's focus (which, for a
// candidate, follows the query: what the query names), or the gold annotator blind to the query (a candidate described
// by itself, as a Reasoner must). Prints Hit@1 per (query source, candidate source) and per task.
// `npx tsx scripts/probes/side-swap.ts MODELS_DIR [seed] [perTask] [reasoner-sft|reasoner] [pairs]`
// pairs: comma-separated q/c, e.g. gold/gold,gold/blind,sft/sft,gold/sft,sft/gold,none/none
import { join } from 'node:path';
import { createEngine } from '../../src/engine/engine';
import { nodePlatform } from '../../src/engine/backend/platform-node';
import type { Embedder } from '../../src/models/embedder';
import { worldEmbedItem, worldReasonerInput } from '../../src/models/inputs';
import type { Reasoner } from '../../src/models/reasoner';
import { loadModel } from '../../src/models/weights';
import { nodeFileHandler } from '../../src/models/weights-node';
import { reasonGreedy } from '../../src/retrieval/pipeline';
import { hitAt1, rankByScores } from '../../src/retrieval/metrics';
import { VOCAB } from '../../src/tcot/default';
import { encodeTCoT } from '../../src/tcot/encode';
import { similarity } from '../../src/train/rewards';
import { annotate } from '../../src/world/annotator';
import { buildSuite } from '../../src/world/suite';
import { TASKS, type Focus, type WorldInput } from '../../src/world/types';

const [dir = 'runs/next3/models', seedArg = '7919', perArg = '20', which = 'reasoner-sft', pairsArg] =
  process.argv.slice(2);
const combos = (pairsArg ?? 'none/none,sft/sft,gold/gold,gold/blind,blind/blind,gold/sft,sft/gold,sft/blind').split(
  ',',
);
await createEngine(nodePlatform()).init({ preference: 'wasm' });
const embedder = (await loadModel(nodeFileHandler(join(dir, 'embedder')))).model as Embedder;
const reasoner = (await loadModel(nodeFileHandler(join(dir, which)))).model as Reasoner;
const items = buildSuite({ seed: Number(seedArg), split: 'heldout', perTask: Number(perArg) }).items;
const gold = (input: WorldInput, focus: Focus) =>
  Int32Array.from(encodeTCoT(VOCAB, annotate(input, { mode: 'gold', seed: 0, focus })).ids);

const hits: Record<string, Record<string, number[]>> = {};
for (const c of combos) hits[c] = {};
for (const [k, item] of items.entries()) {
  const sides = [item.query, ...item.candidates];
  const foci = [item.queryFocus, ...item.candidateFocus];
  const need = combos.some((c) => c.includes('sft'));
  const model = need
    ? await reasonGreedy(
        reasoner,
        sides.map((s) => worldReasonerInput(VOCAB, s, item.instruction)),
        { maxNewTokens: 64 },
      )
    : [];
  const tcot = (src: string, i: number): Int32Array | null => {
    if (src === 'none') return null;
    if (src === 'sft') return model[i]!;
    if (src === 'gold') return gold(sides[i]!, foci[i]!);
    // blind: the task's focus without what the query contributes — the question and answer kind stay (they come
    // from the side's own text or the instruction), the objects / events to look at do not.
    const { ask, count } = foci[i]!;
    return gold(sides[i]!, i === 0 ? foci[0]! : { ask, count });
  };
  const cache = new Map<string, Float32Array[]>();
  const embed = async (src: string) => {
    if (!cache.has(src))
      cache.set(
        src,
        await embedder.embedData(
          sides.map((s, i) =>
            worldEmbedItem(VOCAB, s, { instruction: i === 0 ? item.instruction : undefined, tcotIds: tcot(src, i) }),
          ),
        ),
      );
    return cache.get(src)!;
  };
  for (const c of combos) {
    const [qs, cs] = c.split('/') as [string, string];
    const q = (await embed(qs))[0]!;
    const cands = (await embed(cs)).slice(1);
    const h = hitAt1(rankByScores(similarity([q], cands)), item.positiveIndex);
    (hits[c]![item.task] ??= []).push(h);
  }
  if (k % 20 === 19) process.stderr.write(`\r${k + 1}/${items.length}`);
}
const mean = (v: number[]) => (100 * v.reduce((a, b) => a + b, 0)) / Math.max(1, v.length);
console.log(`\n| task | ${combos.join(' | ')} |\n|---|${combos.map(() => '---').join('|')}|`);
for (const t of TASKS) console.log(`| ${t} | ${combos.map((c) => mean(hits[c]![t] ?? []).toFixed(1)).join(' | ')} |`);
console.log(`| all | ${combos.map((c) => mean(Object.values(hits[c]!).flat()).toFixed(1)).join(' | ')} |`);
