// Probe: how often the Reasoner's greedy answer equals the gold answer (articles ignored), per task, with a few of
// its misses — on the query sides (default), or with `candidates` on each item's positive and hard-negative
// candidates (gold for the candidate's own focus; which side of retrieval loses the points).
// `npx tsx scripts/probes/query-answers.ts MODELS_DIR [seed] [perTask] [reasoner-sft|reasoner] [query|candidates] [task,…]`
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
import { goldAnswer } from '../../src/world/annotator';
import { buildSuite } from '../../src/world/suite';
import type { Focus, WorldInput } from '../../src/world/types';

const [
  dir = 'runs/next3/models',
  seedArg = '7919',
  perArg = '20',
  which = 'reasoner-sft',
  sidesArg = 'query',
  only = '',
] = process.argv.slice(2);
if (sidesArg !== 'query' && sidesArg !== 'candidates') throw new Error('sides must be query or candidates');
await createEngine(nodePlatform()).init({ preference: 'wasm' });
const reasoner = (await loadModel(nodeFileHandler(join(dir, which)))).model as Reasoner;
const items = buildSuite({ seed: Number(seedArg), split: 'heldout', perTask: Number(perArg) }).items.filter(
  (it) => !only || only.split(',').includes(it.task),
);
type Side = { key: string; input: WorldInput; focus: Focus; instruction: string };
const sides: Side[] = items.flatMap((it): Side[] => {
  if (sidesArg === 'query')
    return [{ key: it.task, input: it.query, focus: it.queryFocus, instruction: it.instruction }];
  const role = (k: number) =>
    k === it.positiveIndex ? 'pos' : it.hardNegatives.some((h) => h.index === k) ? 'hard' : null;
  return it.candidates.flatMap((input, k) => {
    const r = role(k);
    return r ? [{ key: `${it.task}/${r}`, input, focus: it.candidateFocus[k] ?? {}, instruction: it.instruction }] : [];
  });
});
const norm = (s: string) =>
  s
    .split(/\s+/)
    .filter((w) => w && w !== 'a' && w !== 'an' && w !== 'the')
    .join(' ');
const ok: Record<string, number[]> = {};
const misses: Record<string, string[]> = {};
for (let i = 0; i < sides.length; i += 8) {
  const chunk = sides.slice(i, i + 8);
  const ids = await reasonGreedy(
    reasoner,
    chunk.map((s) => worldReasonerInput(VOCAB, s.input, s.instruction)),
    { maxNewTokens: 64 },
  );
  chunk.forEach((s, k) => {
    const got = parseTokens(VOCAB, ids[k]!).answer;
    const want = goldAnswer(s.input, s.focus);
    const hit = norm(got) === norm(want) ? 1 : 0;
    (ok[s.key] ??= []).push(hit);
    if (!hit && (misses[s.key] ??= []).length < 3) misses[s.key]!.push(`"${got}" ≠ "${want}"`);
  });
}
for (const key of Object.keys(ok).sort()) {
  const v = ok[key]!;
  const pct = ((100 * v.reduce((a, b) => a + b, 0)) / Math.max(1, v.length)).toFixed(0);
  console.log(`${key.padEnd(22)} ${pct.padStart(4)} % of ${v.length}  ${(misses[key] ?? []).join(' · ')}`);
}
