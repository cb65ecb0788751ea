// Probe: what a lesson's EG-RL can reach by sampling. For the lesson's images, G rollouts each at temperature T
// (and the greedy T-CoT): how the T-CoT counts ("i look at N objects"), how many objects each rollout's answer
// names beside that count, and — for captions that name two objects
// ("there are two objects , X , Y") — how often the answer names both of them. GRPO can only reinforce what its
// rollouts contain.
// `npx tsx scripts/probes/lesson-samples.ts MODELS_DIR [lesson] [count] [T] [reasoner|reasoner-sft] [G]`
import { join } from 'node:path';
import { createEngine } from '../../src/engine/engine';
import { nodePlatform } from '../../src/engine/backend/platform-node';
import { reasonerInputFor } from '../../src/models/inputs';
import type { Reasoner } from '../../src/models/reasoner';
import { seededRng } from '../../src/models/rng';
import { loadModel } from '../../src/models/weights';
import { nodeFileHandler } from '../../src/models/weights-node';
import { VOCAB } from '../../src/tcot/default';
import { parseTokens } from '../../src/tcot/parse';
import { collectionInput, collectionItems, lessonById, lessonPairs } from '../../src/train/lesson';
import { builtinCollection } from '../../src/world/suite';

const [dir = 'public/models', lessonId = 'count', countArg = '40', T = '1', which = 'reasoner', gArg = '8'] =
  process.argv.slice(2);
const G = Number(gArg);
await createEngine(nodePlatform()).init({ preference: 'wasm' });
const reasoner = (await loadModel(nodeFileHandler(join(dir, which)))).model as Reasoner;
const collection = builtinCollection({ seed: 1 });
const inputOf = collectionInput(collection);
const pairs = lessonPairs(lessonById(lessonId), collectionItems(collection), { seed: 1, count: Number(countArg) });
const EOS = VOCAB.id('<eos>');
const text = (ids: Int32Array) => Array.from(ids, (t) => VOCAB.token(t)).join(' ');
const counted = (ids: Int32Array) => /i look at (\S+) objects?/.exec(text(ids))?.[1] ?? '(none)';
const tally = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
/** How many objects the answer names ("X and X" names one object twice: 2). */
const named = (ids: Int32Array) => parseTokens(VOCAB, ids).answer.split(' and ').length;
const count = { greedy: new Map<string, number>(), sampled: new Map<string, number>() };
const both = { images: 0, greedy: 0, sampled: 0, groups: 0 };
const answers = new Map<string, number>();
const rng = seededRng(5);
for (let i = 0; i < pairs.length; i += 4) {
  const chunk = pairs.slice(i, i + 4);
  const inputs = chunk.map((p) => reasonerInputFor(VOCAB, { visual: inputOf(p.targetId), instruction: p.instruction }));
  const opts = { maxNewTokens: 48, rng, stopId: EOS };
  const sampled = await reasoner.generate(inputs, { ...opts, n: G, temperature: Number(T) });
  const greedy = await reasoner.generate(inputs, { ...opts, n: 1, temperature: 0 });
  chunk.forEach((p, k) => {
    const truth = p.query.text.startsWith('there is one') ? 'one' : 'two';
    tally(count.greedy, `${truth} → ${counted(greedy.tokens[k]!)}`);
    const rows = sampled.tokens.slice(k * G, (k + 1) * G);
    rows.forEach((r) => tally(count.sampled, `${truth} → ${counted(r)}`));
    rows.forEach((r) => tally(answers, `${truth} · ${counted(r)} → ${named(r)} named`));
    const objects = / , .* , /.test(p.query.text) ? p.query.text.split(' , ').slice(1) : null;
    if (!objects) return;
    const names = (ids: Int32Array) => {
      const said = new Set(parseTokens(VOCAB, ids).answer.split(' and '));
      return objects.every((o) => said.has(o));
    };
    both.images++;
    both.greedy += +names(greedy.tokens[k]!);
    const hits = rows.filter(names).length;
    both.sampled += hits;
    both.groups += +(hits > 0);
  });
}
const show = (m: Map<string, number>) => [...m.entries()].map(([k, v]) => `${k} ${v}`).join(' · ');
console.log(`${lessonId} · ${dir}/${which} · ${pairs.length} images · G ${G} at T ${T}`);
console.log(`count (caption → T-CoT), greedy: ${show(count.greedy)}`);
console.log(`count (caption → T-CoT), sampled: ${show(count.sampled)}`);
console.log(`objects in the answer, sampled: ${show(answers)}`);
if (both.images)
  console.log(
    `both objects named (of ${both.images} two-object captions): greedy ${both.greedy}, samples ${both.sampled} of ${both.images * G}, groups with one ${both.groups}`,
  );
