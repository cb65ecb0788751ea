// Probe: how often the Reasoner's greedy answer on a query side equals the gold answer (articles ignored), per task,
// with a few examples of its misses. `npx tsx scripts/probes/query-answers.ts MODELS_DIR [seed] [perTask] [reasoner-sft|reasoner]`
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
import { goldAnswer } from '../../src/world/annotator';
import { buildSuite } from '../../src/world/suite';
import { TASKS } from '../../src/world/types';

const [dir = 'runs/next3/models', seedArg = '7919', perArg = '20', which = 'reasoner-sft'] = process.argv.slice(2);
await createEngine(nodePlatform()).init({ preference: 'wasm' });
const reasoner = (await loadModel(nodeFileHandler(join(dir, which)))).model as Reasoner;
const items = buildSuite({ seed: Number(seedArg), split: 'heldout', perTask: Number(perArg) }).items;
const norm = (s: string) =>
  s
    .split(/\s+/)
    .filter((w) => w && w !== 'a' && w !== 'an' && w !== 'the')
    .join(' ');
const ok: Record<string, number[]> = {};
const misses: Record<string, string[]> = {};
for (let i = 0; i < items.length; i += 8) {
  const chunk = items.slice(i, i + 8);
  const ids = await reasonGreedy(
    reasoner,
    chunk.map((it) => worldReasonerInput(VOCAB, it.query, it.instruction)),
    { maxNewTokens: 64 },
  );
  chunk.forEach((it, k) => {
    const got = parseTokens(VOCAB, ids[k]!).answer;
    const want = goldAnswer(it.query, it.queryFocus);
    const hit = norm(got) === norm(want) ? 1 : 0;
    (ok[it.task] ??= []).push(hit);
    if (!hit && (misses[it.task] ??= []).length < 3) misses[it.task]!.push(`"${got}" ≠ "${want}"`);
  });
}
for (const t of TASKS) {
  const v = ok[t] ?? [];
  console.log(
    `${t.padEnd(16)} ${((100 * v.reduce((a, b) => a + b, 0)) / Math.max(1, v.length)).toFixed(0).padStart(4)} %  ${(misses[t] ?? []).join(' · ')}`,
  );
}
