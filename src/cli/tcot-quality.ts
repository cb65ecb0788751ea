// `npm run tcot-quality -- --seed N [--per-task K] [--models DIR] [--sources annotator,sft,egrl] [--json FILE]`
// How close each T-CoT source comes to the gold T-CoT on a held-out suite, query and candidate sides: format
// rate (parser), evidence quality (images: mean best IoU of each gold box; clips: key-frame Jaccard; text:
// keyword F1) and answer-word F1. Explains the evaluation table: a Reasoner whose evidence misses helps the
// Embedder less than none. Sources: the noisy annotator, the cold-start Reasoner, the EG-RL Reasoner (greedy).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createEngine } from '../engine/engine';
import { nodePlatform } from '../engine/backend/platform-node';
import { worldReasonerInput } from '../models/inputs';
import type { Reasoner } from '../models/reasoner';
import { reasonGreedy } from '../retrieval/pipeline';
import { loadModel } from '../models/weights';
import { nodeFileHandler } from '../models/weights-node';
import { VOCAB } from '../tcot/default';
import { encodeTCoT } from '../tcot/encode';
import { parseTokens } from '../tcot/parse';
import { annotate } from '../world/annotator';
import { hashSeed } from '../world/rng';
import { boxIoU } from '../world/raster';
import { buildSuite } from '../world/suite';
import type { Evidence } from '../world/tcot-types';
import type { Focus, WorldInput } from '../world/types';
import { cliArgs, text } from './args';

const { values: args } = cliArgs(
  'npm run tcot-quality -- --seed N [--per-task K] [--models DIR] [--sources annotator,sft,egrl] [--json FILE]',
  {
    seed: { type: 'string', default: '7919', value: 'N', help: 'held-out suite seed' },
    'per-task': { type: 'string', default: '10', value: 'K', help: 'held-out items per task' },
    models: text('DIR', 'the Reasoners (DIR/reasoner-sft, DIR/reasoner)', 'public/models'),
    sources: text('LIST', 'T-CoT sources, comma-separated: annotator, sft, egrl', 'annotator,sft,egrl'),
    json: { type: 'string', value: 'FILE', help: 'write the table as JSON' },
  },
);
const seed = Number(args.seed);
const perTask = Number(args['per-task']);
const modelsDir = args.models;
await createEngine(nodePlatform()).init({ preference: 'wasm' });

/** Bag-of-words F1: a word repeated in `got` matches at most as often as it occurs in `want` (so F1 ≤ 1). */
const f1 = (got: string[], want: string[]) => {
  if (got.length === 0 && want.length === 0) return 1;
  const left = new Map<string, number>();
  for (const x of want) left.set(x, (left.get(x) ?? 0) + 1);
  let tp = 0;
  for (const x of got) {
    const n = left.get(x) ?? 0;
    if (n > 0) {
      tp++;
      left.set(x, n - 1);
    }
  }
  return tp === 0 ? 0 : (2 * tp) / (got.length + want.length);
};
const words = (s: string) =>
  s
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);

/** Evidence quality in [0, 1] against the gold evidence (0 when the evidence is missing or of another key). */
function evidenceScore(got: Evidence | null, gold: Evidence): number {
  if (!got || got.key !== gold.key) return 0;
  if (gold.key === 'bbox_2d' && got.key === 'bbox_2d') {
    if (gold.boxes.length === 0) return got.boxes.length === 0 ? 1 : 0;
    return gold.boxes.reduce((s, g) => s + Math.max(0, ...got.boxes.map((b) => boxIoU(b, g))), 0) / gold.boxes.length;
  }
  if (gold.key === 'key_frames' && got.key === 'key_frames') {
    const a = new Set(got.frames);
    const b = new Set(gold.frames);
    const inter = [...a].filter((x) => b.has(x)).length;
    return a.size + b.size === 0 ? 1 : inter / (a.size + b.size - inter);
  }
  if (gold.key === 'text_keywords' && got.key === 'text_keywords')
    return f1(got.keywords.flatMap(words), gold.keywords.flatMap(words));
  return 0;
}

const suite = buildSuite({ seed, split: 'heldout', perTask });
const sides: { input: WorldInput; focus: Focus; instruction: string; key: string }[] = suite.items.flatMap((item) => [
  { input: item.query, focus: item.queryFocus, instruction: item.instruction, key: `${item.id}/q` },
  ...item.candidates.map((c, j) => ({
    input: c,
    focus: item.candidateFocus[j]!,
    instruction: item.instruction,
    key: `${item.id}/c${j}`,
  })),
]);
const gold = sides.map((s) => annotate(s.input, { mode: 'gold', seed: 0, focus: s.focus }));

async function reasonerIds(dir: string): Promise<Int32Array[]> {
  const reasoner = (await loadModel(nodeFileHandler(join(modelsDir, dir)))).model as Reasoner;
  const out = await reasonGreedy(
    reasoner,
    sides.map((s) => worldReasonerInput(VOCAB, s.input, s.instruction)),
    { maxNewTokens: 64, chunk: 48, onProgress: (done) => process.stderr.write(`\r${dir} ${done}/${sides.length}  `) },
  );
  process.stderr.write('\n');
  return out;
}

const wanted = args.sources.split(',');
const sources: [string, Int32Array[]][] = [];
if (wanted.includes('annotator'))
  sources.push([
    'annotator',
    sides.map((s) =>
      Int32Array.from(
        encodeTCoT(
          VOCAB,
          annotate(s.input, { mode: 'noisy', seed: hashSeed(seed, 'eval-annotate', s.key), focus: s.focus }),
        ).ids,
      ),
    ),
  ]);
if (wanted.includes('sft')) sources.push(['sft', await reasonerIds('reasoner-sft')]);
if (wanted.includes('egrl')) sources.push(['egrl', await reasonerIds('reasoner')]);
const table: Record<string, Record<string, number | null>> = {};
console.log(
  `held-out seed ${seed}, ${suite.items.length} items, ${sides.length} sides (queries and candidates), greedy decoding`,
);
console.log(
  '| source | format ok | evidence: image IoU | evidence: clip frames Jaccard | evidence: text keyword F1 | answer-word F1 |',
);
console.log('|---|---|---|---|---|---|');
for (const [name, ids] of sources) {
  const acc: Record<string, number[]> = { format: [], bbox_2d: [], key_frames: [], text_keywords: [], answer: [] };
  ids.forEach((t, i) => {
    const eos = t.indexOf(VOCAB.id('<eos>'));
    const p = parseTokens(VOCAB, eos >= 0 ? t.subarray(0, eos + 1) : t, { expectedKey: gold[i]!.evidence.key });
    acc.format!.push(p.formatOk ? 1 : 0);
    acc[gold[i]!.evidence.key]!.push(evidenceScore(p.evidence, gold[i]!.evidence));
    acc.answer!.push(f1(words(p.answer), words(gold[i]!.answer)));
  });
  const mean = (k: string) => (acc[k]!.length ? (acc[k]!.reduce((a, b) => a + b, 0) / acc[k]!.length) * 100 : null);
  table[name] = Object.fromEntries(Object.keys(acc).map((k) => [k, mean(k)]));
  const m = (k: string) => mean(k)?.toFixed(1) ?? '–';
  console.log(
    `| ${name} | ${m('format')} | ${m('bbox_2d')} | ${m('key_frames')} | ${m('text_keywords')} | ${m('answer')} |`,
  );
}
const jsonPath = args.json;
if (jsonPath)
  writeFileSync(
    jsonPath,
    JSON.stringify(
      { seed, perTask, items: suite.items.length, sides: sides.length, models: modelsDir, sources: table },
      null,
      2,
    ),
  );
