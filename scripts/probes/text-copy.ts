// `npx tsx scripts/probes/text-copy.ts [REASONER_DIR] [N]`
// Probe: does the Reasoner copy a caption query into its answer? Greedy T-CoTs for the built-in collection's captions.
import { createEngine } from '../../src/engine/engine';
import { nodePlatform } from '../../src/engine/backend/platform-node';
import { loadModel } from '../../src/models/weights';
import { nodeFileHandler } from '../../src/models/weights-node';
import type { Reasoner } from '../../src/models/reasoner';
import { greedyTcots } from '../../src/retrieval/pipeline';
import { VOCAB } from '../../src/tcot/default';
import { parseTokens } from '../../src/tcot/parse';
import { builtinCollection } from '../../src/world/suite';
await createEngine(nodePlatform()).init({ preference: 'wasm' });
const dir = process.argv[2] ?? 'public/models/reasoner';
const n = Number(process.argv[3] ?? 120);
const reasoner = (await loadModel(nodeFileHandler(dir))).model as Reasoner;
const caps = [...new Set(builtinCollection({ seed: 1 }).images.map((i) => i.caption))].slice(0, n);
const words = (s: string) =>
  s
    .toLowerCase()
    .split(/[\s,.]+/)
    .filter((w) => w && !['a', 'an', 'the'].includes(w));
const tc = await greedyTcots(
  reasoner,
  caps.map((text) => ({ text, instruction: 'find an image that matches the caption' })),
  64,
);
let exact = 0,
  f1sum = 0;
const wrong: string[] = [];
tc.forEach((ids, i) => {
  const ans = words(parseTokens(VOCAB, ids).answer),
    ref = words(caps[i]!);
  const common = ans.filter((w) => ref.includes(w)).length;
  const f1 = ans.length + ref.length ? (2 * common) / (ans.length + ref.length) : 1;
  f1sum += f1;
  if (ans.join(' ') === ref.join(' ')) exact++;
  else if (wrong.length < 8) wrong.push(`${caps[i]}  →  ${ans.join(' ')}`);
});
console.log(
  `${dir}: ${caps.length} captions · answer = caption ${((100 * exact) / caps.length).toFixed(1)} % · answer-word F1 ${((100 * f1sum) / caps.length).toFixed(1)}`,
);
for (const w of wrong) console.log('  ' + w);
