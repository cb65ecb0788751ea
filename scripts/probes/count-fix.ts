// Probe: which T-CoT the Embedder rewards. For the count lesson's pairs, every query (caption) is ranked among every
// pair's target as the held-out evaluation ranks them, with the Reasoner's greedy T-CoTs, then with the targets'
// T-CoTs edited by hand: counted (one-object targets: "i look at one object", the first box only, the first object
// only), named (the answer is the caption's objects), both, and deduped (the answer's repeated phrase dropped). An
// edit that does not raise Hit@1 is one the reward cannot teach.
// `npx tsx scripts/probes/count-fix.ts MODELS_DIR [seed] [pairs] [reasoner|reasoner-sft]`
import { join } from 'node:path';
import { createEngine } from '../../src/engine/engine';
import { nodePlatform } from '../../src/engine/backend/platform-node';
import type { Embedder } from '../../src/models/embedder';
import { embedItemFor } from '../../src/models/inputs';
import type { Reasoner } from '../../src/models/reasoner';
import { loadModel } from '../../src/models/weights';
import { nodeFileHandler } from '../../src/models/weights-node';
import { greedyTcots, prompted } from '../../src/retrieval/pipeline';
import { VOCAB } from '../../src/tcot/default';
import { collectionInput, collectionItems, lessonById, lessonPairs } from '../../src/train/lesson';
import { targetRanks } from '../../src/train/finetune';
import { similarity } from '../../src/train/rewards';
import { builtinCollection } from '../../src/world/suite';

const [dir = 'public/models', seedArg = '12', pairsArg = '120', which = 'reasoner'] = process.argv.slice(2);
await createEngine(nodePlatform()).init({ preference: 'wasm' });
const load = async <T>(name: string) => (await loadModel(nodeFileHandler(join(dir, name)))).model as T;
const embedder = await load<Embedder>('embedder');
const reasoner = await load<Reasoner>(which);
const collection = builtinCollection({ seed: 1 });
const inputOf = collectionInput(collection);
const items = collectionItems(collection);
const captionOf = new Map(items.map((it) => [it.id, it.caption]));
const pairs = lessonPairs(lessonById('count'), items, { seed: Number(seedArg), count: Number(pairsArg) });
const queries = pairs.map((p) => ({ text: p.query.text, instruction: p.instruction }));
const cands = pairs.map((p) => ({ visual: inputOf(p.targetId) }));
const qT = await greedyTcots(reasoner, queries.map(prompted), 48);
const cT = await greedyTcots(reasoner, cands.map(prompted), 48);
const id = (w: string) => VOCAB.id(w);
/** "i look at two objects . <bbox_2d> b1 b2 … <answer> X and Y" → "i look at one object . <bbox_2d> b1 … <answer> X". */
function oneObject(t: Int32Array): Int32Array {
  const out: number[] = [];
  const a = Array.from(t);
  for (let i = 0; i < a.length; i++) {
    const tok = a[i]!;
    if (tok === id('two') && a[i + 1] === id('objects')) {
      out.push(id('one'), id('object'));
      i++;
    } else if (tok === id('<bbox_2d>')) {
      out.push(tok, ...a.slice(i + 1, i + 5));
      i = a.indexOf(id('<evidence_end>'), i) - 1;
    } else if (tok === id('and') && a.lastIndexOf(id('<answer>'), i) > a.lastIndexOf(id('</answer>'), i)) {
      i = a.indexOf(id('</answer>'), i) - 1;
    } else out.push(tok);
  }
  return Int32Array.from(out);
}
const fixed = cT.map((t, k) => (captionOf.get(pairs[k]!.targetId)!.startsWith('there is one') ? oneObject(t) : t));
/** The answer replaced by the caption's own object words ("X , Y" → "X and Y"): what naming them right would give. */
function captionAnswer(t: Int32Array, caption: string): Int32Array {
  const a = Array.from(t);
  const open = a.indexOf(id('<answer>'));
  const close = a.indexOf(id('</answer>'));
  if (open < 0 || close < 0) return t;
  const words = caption
    .replace(/^there (is|are) \S+ objects? , /, '')
    .replace(/ , /g, ' and ')
    .split(' ');
  const ids = words.map((w) => VOCAB.get(w)).filter((x): x is number => x !== undefined);
  return Int32Array.from([...a.slice(0, open + 1), ...ids, ...a.slice(close)]);
}
const named = cT.map((t, k) => captionAnswer(t, captionOf.get(pairs[k]!.targetId)!));
/** The answer's repeated object phrases dropped ("X and X" → "X"), the T-CoT's own words otherwise. */
function deduped(t: Int32Array): Int32Array {
  const a = Array.from(t);
  const open = a.indexOf(id('<answer>'));
  const close = a.indexOf(id('</answer>'));
  if (open < 0 || close < 0) return t;
  const phrases: number[][] = [[]];
  for (const tok of a.slice(open + 1, close)) tok === id('and') ? phrases.push([]) : phrases.at(-1)!.push(tok);
  const kept = phrases.filter((p, i) => phrases.findIndex((q) => q.join() === p.join()) === i);
  const words = kept.flatMap((p, i) => (i ? [id('and'), ...p] : p));
  return Int32Array.from([...a.slice(0, open + 1), ...words, ...a.slice(close)]);
}
const dedup = cT.map(deduped);
const both = fixed.map((t, k) => captionAnswer(t, captionOf.get(pairs[k]!.targetId)!));
const embedQ = await embedder.embedData(queries.map((q, i) => embedItemFor(VOCAB, { ...q, tcotIds: qT[i]! })));
// Candidates are embedded without the instruction, as evaluateHeldOut embeds them (only the query side has it).
const rank = async (tc: Int32Array[]) =>
  targetRanks(
    similarity(embedQ, await embedder.embedData(cands.map((c, i) => embedItemFor(VOCAB, { ...c, tcotIds: tc[i]! })))),
    pairs.map((_, i) => i),
  );
const r0 = await rank(cT);
const r1 = await rank(fixed);
const r2 = await rank(named);
const r3 = await rank(both);
const r4 = await rank(dedup);
const one = pairs.map((p) => p.query.text.startsWith('there is one'));
const hit = (r: number[], sel: (i: number) => boolean) => {
  const idx = r.map((_, i) => i).filter(sel);
  return `${((100 * idx.filter((i) => r[i] === 1).length) / idx.length).toFixed(1)} % of ${idx.length}`;
};
console.log(`example: ${Array.from(fixed.find((t, k) => t !== cT[k]) ?? [], (x) => VOCAB.token(x)).join(' ')}`);
for (const [name, sel] of [
  ['all', () => true],
  ['one-object queries', (i: number) => one[i]!],
  ['two-object queries', (i: number) => !one[i]],
] as const)
  console.log(
    `${name.padEnd(20)} Hit@1 greedy ${hit(r0, sel)} · counted ${hit(r1, sel)} · named ${hit(r2, sel)} · both ${hit(r3, sel)} · deduped ${hit(r4, sel)}`,
  );
