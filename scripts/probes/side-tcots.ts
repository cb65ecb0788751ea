// Probe: the Reasoner's greedy T-CoT beside the gold one for each positive and hard-negative candidate of a task's
// held-out items (seed 7919): what the retrieval's candidate sides say.
// `npx tsx scripts/probes/side-tcots.ts MODELS_DIR TASK [perTask]`
import { join } from 'node:path';
import { createEngine } from '../../src/engine/engine';
import { nodePlatform } from '../../src/engine/backend/platform-node';
import { worldReasonerInput } from '../../src/models/inputs';
import type { Reasoner } from '../../src/models/reasoner';
import { loadModel } from '../../src/models/weights';
import { nodeFileHandler } from '../../src/models/weights-node';
import { reasonGreedy } from '../../src/retrieval/pipeline';
import { VOCAB } from '../../src/tcot/default';
import { renderTokens } from '../../src/tcot/render';
import { annotate } from '../../src/world/annotator';
import { buildSuite } from '../../src/world/suite';
const [dir = 'public/models', task = 'video-moment', n = '4'] = process.argv.slice(2);
await createEngine(nodePlatform()).init({ preference: 'wasm' });
const reasoner = (await loadModel(nodeFileHandler(join(dir!, 'reasoner-sft')))).model as Reasoner;
const items = buildSuite({ seed: 7919, split: 'heldout', perTask: Number(n) }).items.filter((it) => it.task === task);
for (const it of items) {
  const ks = it.candidates
    .map((_, k) => k)
    .filter((k) => k === it.positiveIndex || it.hardNegatives.some((h) => h.index === k));
  const ids = await reasonGreedy(
    reasoner,
    ks.map((k) => worldReasonerInput(VOCAB, it.candidates[k]!, it.instruction)),
    { maxNewTokens: 64 },
  );
  console.log('Q:', it.instruction, '|', it.query.modality === 'text' ? it.query.text : it.query.modality);
  ks.forEach((k, j) => {
    const g = annotate(it.candidates[k]!, { mode: 'gold', seed: 0, focus: it.candidateFocus[k] ?? {} });
    console.log(k === it.positiveIndex ? ' +' : ' -', 'got :', renderTokens(VOCAB, ids[j]!));
    console.log('    gold:', JSON.stringify(g));
  });
}
