// `npm run eval -- --seed N [--reasoner none|annotator|sft|egrl|gold-blind|gold|all] [--json FILE] [--models DIR]
//                  [--per-task K] [--fp32 CKPT_DIR]`
// `npm run eval -- --collection [--collection-seed 1] [--queries 100] [--images 1000] [--clips 300] [--seed N]`:
//   what a user sees — the built-in collection searched with N sampled captions, precision@5 (the share of the
//   top 5 the caption is true of, by the world's caption evaluator) without T-CoT and with the EG-RL Reasoner's.
// Builds a fresh held-out suite from the seed (default 7919, not used in training or tuning) and scores the
// shipped int8 models (DIR/embedder, DIR/reasoner-sft, DIR/reasoner; default public/models) on every task
// and ability: Hit@1 with a 95 % bootstrap interval, Recall@5, MRR. `--fp32 DIR` adds an `egrl-fp32` row
// from a training run's float32 checkpoints (DIR/ckpt/{embedder,reasoner-egrl}) for the int8-vs-fp32 check.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createEngine } from '../engine/engine';
import { nodePlatform } from '../engine/backend/platform-node';
import { Embedder } from '../models/embedder';
import { Reasoner } from '../models/reasoner';
import { loadModel } from '../models/weights';
import { nodeFileHandler } from '../models/weights-node';
import { buildSuite, builtinCollection } from '../world/suite';
import {
  collectionChance,
  collectionPrecision,
  sampleCollectionQueries,
  type CollectionResult,
} from '../train/collection-eval';
import { ABILITIES, TASKS } from '../world/types';
import {
  evaluateItems,
  pairedDifference,
  summarize,
  type ItemResult,
  type Summary,
  type TcotSource,
} from '../train/evaluate';
import { cliArgs } from './args';

const { values: args } = cliArgs(
  `npm run eval -- --seed N [--reasoner none|annotator|sft|egrl|gold-blind|gold|all] [--json FILE] [--models DIR]
                 [--per-task K] [--fp32 CKPT_DIR]
npm run eval -- --collection [--collection-seed 1] [--queries 100] [--min-true K] [--images 1000] [--clips 300] [--seed N]`,
  {
    seed: {
      type: 'string',
      default: '7919',
      value: 'N',
      help: 'held-out suite seed (also the caption sample with --collection)',
    },
    reasoner: {
      type: 'string',
      default: 'all',
      value: 'ROWS',
      help: 'T-CoT sources, comma-separated: none | annotator | sft | egrl | gold-blind (candidates annotated without the query) | gold | all',
    },
    models: {
      type: 'string',
      default: 'public/models',
      value: 'DIR',
      help: 'int8 models (DIR/embedder, DIR/reasoner-sft, DIR/reasoner)',
    },
    'per-task': { type: 'string', default: '20', value: 'K', help: 'held-out items per task' },
    fp32: {
      type: 'string',
      value: 'CKPT_DIR',
      help: "adds an egrl-fp32 row from a training run's float32 checkpoints (DIR/ckpt)",
    },
    json: { type: 'string', value: 'FILE', help: 'write the results as JSON' },
    collection: { type: 'boolean', help: 'precision@5 on the built-in collection instead of the held-out suite' },
    'collection-seed': { type: 'string', default: '1', value: 'S', help: '--collection: the collection seed' },
    queries: { type: 'string', default: '100', value: 'N', help: '--collection: sampled captions' },
    'min-true': {
      type: 'string',
      default: '1',
      value: 'K',
      help: '--collection: sample only captions true of at least K items (5: a perfect ranking fills the top 5)',
    },
    images: { type: 'string', default: '1000', value: 'N', help: '--collection: images in the collection' },
    clips: { type: 'string', default: '300', value: 'N', help: '--collection: clips in the collection' },
  },
);

const seed = Number(args.seed);
const which = args.reasoner;
const modelsDir = args.models;
const perTask = Number(args['per-task']);
const fp32Dir = args.fp32;
const ROWS = ['none', 'annotator', 'sft', 'egrl', 'gold-blind', 'gold'] as const;
const rows = which === 'all' ? [...ROWS] : which.split(',');
for (const r of rows)
  if (!(ROWS as readonly string[]).includes(r)) throw new Error(`unknown --reasoner ${r} (${ROWS.join(' | ')} | all)`);

const status = await createEngine(nodePlatform()).init({ preference: 'wasm' });
if (status.backend !== 'wasm') throw new Error('the WASM backend failed to initialise');

async function load<T extends Embedder | Reasoner>(dir: string): Promise<T> {
  return (await loadModel(nodeFileHandler(dir))).model as T;
}
const embedder = await load<Embedder>(join(modelsDir, 'embedder'));

if (args.collection) {
  const collection = builtinCollection({
    seed: Number(args['collection-seed']),
    images: Number(args.images),
    clips: Number(args.clips),
  });
  const minTrue = Number(args['min-true']);
  if (!Number.isInteger(minTrue) || minTrue < 1) throw new Error(`--min-true takes a whole number ≥ 1, not ${minTrue}`);
  const queries = sampleCollectionQueries(collection, Number(args.queries), seed, { minTrue });
  console.error(
    `collection seed ${args['collection-seed']}: ${collection.images.length} images + ${collection.clips.length} clips · ${queries.length} captions (seed ${seed}) · models ${modelsDir}`,
  );
  const chance = collectionChance(collection, queries);
  console.error(
    `chance (a random top 5): precision@5 ${(chance.precision * 100).toFixed(1)} · each caption is true of ${chance.meanTrue.toFixed(1)} items on average, so a perfect ranking scores ${(chance.ceiling * 100).toFixed(1)}`,
  );
  const out: Record<string, CollectionResult> = {};
  const rowsC: [string, Reasoner | null][] = [
    ['none', null],
    ['egrl', await load<Reasoner>(join(modelsDir, 'reasoner'))],
  ];
  for (const [name, reasoner] of rowsC) {
    const t0 = performance.now();
    out[name] = await collectionPrecision(embedder, reasoner, collection, queries, {
      seed,
      onProgress: (st, d, t) => process.stderr.write(`\r${name} ${st} ${d}/${t}   `),
    });
    const p = out[name]!.precision;
    const hit = out[name]!.perQuery.filter((x) => x > 0).length / out[name]!.perQuery.length;
    process.stderr.write(
      `\r${name}: precision@5 ${(p.mean * 100).toFixed(1)} [${(p.lo * 100).toFixed(1)}, ${(p.hi * 100).toFixed(1)}] · a true item in the top 5 for ${(hit * 100).toFixed(0)} % of captions (${((performance.now() - t0) / 1000).toFixed(0)} s)\n`,
    );
  }
  const d = pairedDifference(out.egrl!.perQuery, out.none!.perQuery, seed);
  console.log(
    `collection precision@5: none ${(out.none!.precision.mean * 100).toFixed(1)} · egrl ${(out.egrl!.precision.mean * 100).toFixed(1)} · egrl − none ${(d.mean * 100).toFixed(1)} points [${(d.lo * 100).toFixed(1)}, ${(d.hi * 100).toFixed(1)}] · chance ${(chance.precision * 100).toFixed(1)} · ceiling ${(chance.ceiling * 100).toFixed(1)}`,
  );
  const jsonOut = args.json;
  if (jsonOut)
    writeFileSync(
      jsonOut,
      JSON.stringify(
        {
          seed,
          collectionSeed: Number(args['collection-seed']),
          minTrue,
          queries: queries.map((q) => q.text),
          chance,
          rows: out,
          difference: d,
        },
        null,
        2,
      ),
    );
  process.exit(0);
}

const suite = buildSuite({ seed, split: 'heldout', perTask });
console.error(`held-out suite seed ${seed}: ${suite.items.length} items (${perTask} per task) · models ${modelsDir}`);

const results: Record<string, ItemResult[]> = {};
const summaries: Record<string, Summary> = {};
async function score(name: string, emb: Embedder, source: TcotSource): Promise<void> {
  const t0 = performance.now();
  results[name] = await evaluateItems(suite.items, emb, source, {
    onProgress: (d, t) => process.stderr.write(`\r${name} ${d}/${t}   `),
  });
  summaries[name] = summarize(results[name]!, seed);
  process.stderr.write(`\r${name}: ${((performance.now() - t0) / 1000).toFixed(0)} s\n`);
}
for (const row of rows) {
  if (row === 'none') await score(row, embedder, { kind: 'none' });
  else if (row === 'annotator') await score(row, embedder, { kind: 'annotator', seed });
  else if (row === 'gold') await score(row, embedder, { kind: 'gold' });
  else if (row === 'gold-blind') await score(row, embedder, { kind: 'gold', queryBlind: true });
  else
    await score(row, embedder, {
      kind: 'reasoner',
      reasoner: await load<Reasoner>(join(modelsDir, row === 'sft' ? 'reasoner-sft' : 'reasoner')),
    });
}
if (fp32Dir) {
  const emb32 = await load<Embedder>(join(fp32Dir, 'ckpt', 'embedder'));
  await score('egrl-fp32', emb32, {
    kind: 'reasoner',
    reasoner: await load<Reasoner>(join(fp32Dir, 'ckpt', 'reasoner-egrl')),
  });
}

// ---- tables ----
const pct = (x: number) => (x * 100).toFixed(1);
const names = Object.keys(summaries);
console.log(`\n| row | Hit@1 [95% CI] | R@5 | MRR | ${ABILITIES.join(' | ')} |`);
console.log(`|---|---|---|---|${ABILITIES.map(() => '---').join('|')}|`);
for (const n of names) {
  const s = summaries[n]!;
  console.log(
    `| ${n} | ${pct(s.overall.hit1.mean)} [${pct(s.overall.hit1.lo)}, ${pct(s.overall.hit1.hi)}] | ${pct(s.overall.recall5)} | ${pct(s.overall.mrr)} | ${ABILITIES.map((a) => (s.perAbility[a] ? pct(s.perAbility[a]!.hit1) : '–')).join(' | ')} |`,
  );
}
console.log(`\n| task (Hit@1) | ${names.join(' | ')} |`);
console.log(`|---|${names.map(() => '---').join('|')}|`);
for (const t of TASKS)
  console.log(
    `| ${t} | ${names.map((n) => (summaries[n]!.perTask[t] ? pct(summaries[n]!.perTask[t]!.hit1) : '–')).join(' | ')} |`,
  );
const diffs: Record<string, unknown> = {};
const pairs: [string, string][] = [
  ['egrl', 'sft'],
  ['sft', 'none'],
  ['egrl', 'none'],
  ['egrl', 'egrl-fp32'],
];
for (const [a, b] of pairs) {
  if (!results[a] || !results[b]) continue;
  const d = pairedDifference(
    results[a]!.map((r) => r.hit1),
    results[b]!.map((r) => r.hit1),
    seed,
  );
  diffs[`${a}-${b}`] = d;
  console.log(`${a} − ${b}: ${pct(d.mean)} Hit@1 points [${pct(d.lo)}, ${pct(d.hi)}]`);
}
const jsonPath = args.json;
if (jsonPath) {
  writeFileSync(
    jsonPath,
    JSON.stringify({ seed, perTask, models: modelsDir, summaries, differences: diffs, items: results }, null, 2),
  );
  console.error(`wrote ${jsonPath}`);
}
