// Probe: how often the Reasoner's greedy answer on a candidate side (positive and hard negatives) equals the gold
// answer for that candidate's focus, per task, with examples of misses. Which side of retrieval loses the points.
// `npx tsx scripts/probes/cand-answers.ts MODELS_DIR [seed] [perTask] [reasoner-sft|reasoner] [task,task…]`
import { join } from 'node:path';
import { createEngine } from '../../src/engine/engine';
import { nodePlatform } from '../../src/engine/platform-node';
import { worldReasonerInput } from '../../src/models/inputs';
import type { Reasoner } from '../../src/models/reasoner';
import { loadModel } from '../../src/models/weights';
import { nodeFileHandler } from '../../src/models/weights-node';
import { reasonGreedy } from '../../src/retrieval/pipeline';
import { VOCAB } from '../../src/tcot/default';
import { parseTokens } from '../../src/tcot/parse';
import { annotate } from '../../src/world/annotator';
import { buildSuite } from '../../src/world/suite';
import type { Focus, WorldInput } from '../../src/world/types';

const [dir = 'public/models', seedArg = '7919', perArg = '10', which = 'reasoner-sft', only = ''] =
  process.argv.slice(2);
await createEngine(nodePlatform()).init({ preference: 'wasm' });
const reasoner = (await loadModel(nodeFileHandler(join(dir, which)))).model as Reasoner;
const items = buildSuite({ seed: Number(seedArg), split: 'heldout', perTask: Number(perArg) }).items.filter(
  (it) => !only || only.split(',').includes(it.task),
);
type Side = { task: string; role: string; input: WorldInput; focus: Focus; instruction: string };
const sides: Side[] = items.flatMap((it) => [
  ...it.candidates
    .map((c, k) => ({
      task: it.task,
      role: k === it.positiveIndex ? 'pos' : it.hardNegatives.some((h) => h.index === k) ? 'hard' : 'easy',
      input: c,
      focus: it.candidateFocus[k] ?? {},
      instruction: it.instruction,
    }))
    .filter((s) => s.role !== 'easy'),
]);
const ok: Record<string, number[]> = {};
const ex: Record<string, string[]> = {};
for (let i = 0; i < sides.length; i += 8) {
  const chunk = sides.slice(i, i + 8);
  const ids = await reasonGreedy(
    reasoner,
    chunk.map((s) => worldReasonerInput(VOCAB, s.input, s.instruction)),
    { maxNewTokens: 64 },
  );
  chunk.forEach((s, k) => {
    const got = parseTokens(VOCAB, ids[k]!);
    const gold = annotate(s.input, { mode: 'gold', seed: 0, focus: s.focus });
    const key = `${s.task}/${s.role}`;
    const hit = got.answer.trim() === gold.answer.trim() ? 1 : 0;
    (ok[key] ??= []).push(hit);
    if (!hit && (ex[key] ??= []).length < 3) ex[key]!.push(`"${got.answer}" ≠ "${gold.answer}"`);
  });
}
for (const key of Object.keys(ok).sort()) {
  const v = ok[key]!;
  const pct = ((100 * v.reduce((a, b) => a + b, 0)) / Math.max(1, v.length)).toFixed(0);
  console.log(`${key.padEnd(22)} ${pct.padStart(4)} % of ${v.length}`);
  for (const e of ex[key] ?? []) console.log(`    ${e}`);
}
