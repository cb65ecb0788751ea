// Probe: what the Reasoner writes for a lesson's built-in items — each item's greedy answer against its caption's
// object words (colour, shape, size, texture), so a lesson can be picked where the errors are systematic.
// `npx tsx scripts/probes/lesson-answers.ts MODELS_DIR [lesson] [count] [reasoner|reasoner-sft]`
import { join } from 'node:path';
import { createEngine } from '../../src/engine/engine';
import { nodePlatform } from '../../src/engine/backend/platform-node';
import { reasonerInputFor } from '../../src/models/inputs';
import type { Reasoner } from '../../src/models/reasoner';
import { loadModel } from '../../src/models/weights';
import { nodeFileHandler } from '../../src/models/weights-node';
import { reasonGreedy } from '../../src/retrieval/pipeline';
import { VOCAB } from '../../src/tcot/default';
import { parseTokens } from '../../src/tcot/parse';
import { collectionInput, collectionItems, lessonById, lessonPairs } from '../../src/train/lesson';
import { builtinCollection } from '../../src/world/suite';
import { COLORS, SHAPES, SIZES, TEXTURES } from '../../src/world/types';

const [dir = 'public/models', lessonId = 'one-object', countArg = '60', which = 'reasoner'] = process.argv.slice(2);
await createEngine(nodePlatform()).init({ preference: 'wasm' });
const reasoner = (await loadModel(nodeFileHandler(join(dir, which)))).model as Reasoner;
const collection = builtinCollection({ seed: 1 });
const inputOf = collectionInput(collection);
const concept = lessonById(lessonId);
const pairs = lessonPairs(concept, collectionItems(collection), { seed: 1, count: Number(countArg) });
const groups = { colour: COLORS, shape: SHAPES, size: SIZES, texture: TEXTURES } as const;
// Each object's words once ("X and X" names one object twice: counted under `repeats`).
const words = (s: string, set: readonly string[]) => [...new Set(s.split(/\s+/).filter((w) => set.includes(w)))];
const tally: Record<string, number> = {};
const confusions: Record<string, number> = {};
let shown = 0;
for (let i = 0; i < pairs.length; i += 8) {
  const chunk = pairs.slice(i, i + 8);
  const ids = await reasonGreedy(
    reasoner,
    chunk.map((p) => reasonerInputFor(VOCAB, { visual: inputOf(p.targetId), instruction: p.instruction })),
    { maxNewTokens: 64 },
  );
  chunk.forEach((p, k) => {
    const got = parseTokens(VOCAB, ids[k]!).answer;
    const want = p.query.text;
    for (const [g, set] of Object.entries(groups)) {
      const w = words(want, set);
      const h = words(got, set);
      const same = w.join(' ') === h.join(' ');
      tally[g] = (tally[g] ?? 0) + (same ? 1 : 0);
      const key = `${g}: ${w.join('+') || '-'} → ${h.join('+') || '-'}`;
      if (!same) confusions[key] = (confusions[key] ?? 0) + 1;
    }
    const parts = got.split(' and ');
    if (parts.length > 1 && new Set(parts).size < parts.length) tally.repeats = (tally.repeats ?? 0) + 1;
    if (shown++ < 8) console.log(`"${want}"  →  "${got}"\n    ${Array.from(ids[k]!, (t) => VOCAB.token(t)).join(' ')}`);
  });
}
for (const g of [...Object.keys(groups), 'repeats']) console.log(`${g.padEnd(8)} ${tally[g]} / ${pairs.length}`);
for (const [k, v] of Object.entries(confusions)
  .sort((a, b) => b[1] - a[1])
  .slice(0, 15))
  console.log(`${v}\t${k}`);
