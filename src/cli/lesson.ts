// `npm run lesson -- [--lesson one-object] [--seeds 1,2,3] [--pairs 60] [--steps N] [--lr X] [--batch N]
//                    [--models public/models] [--reasoner reasoner|reasoner-sft] [--json FILE]`
// The built-in lesson (src/train/lesson.ts) in Node, one WASM thread: for each lesson seed, the concept's pairs
// from the built-in collection, the Fine-tune view's split, held-out Hit@1 / MRR before, EG-RL steps
// (FinetuneLoop, the Embedder as reward), held-out Hit@1 / MRR after. Ends with one line:
// `lesson: held-out Hit@1 BEFORE → AFTER (+GAIN points [LO, HI])`, the interval a paired bootstrap over the
// held-out queries of every seed.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createEngine } from '../engine/engine';
import { nodePlatform } from '../engine/backend/platform-node';
import type { Embedder } from '../models/embedder';
import type { Reasoner } from '../models/reasoner';
import { loadModel } from '../models/weights';
import { nodeFileHandler } from '../models/weights-node';
import { bootstrap, pairedDifference } from '../train/evaluate';
import { evaluateHeldOut, FinetuneLoop, settingsProblems } from '../train/finetune';
import { timingLine, type GrpoTiming } from '../train/grpo-trainer';
import {
  collectionInput,
  collectionItems,
  LESSON_PAIRS,
  LESSON_SETTINGS,
  lessonById,
  lessonPairs,
  LESSONS,
  splitLesson,
} from '../train/lesson';
import { VOCAB } from '../tcot/default';
import { builtinCollection } from '../world/suite';
import { cliArgs, text } from './args';

const { values } = cliArgs(
  `npm run lesson -- [--lesson ${LESSONS.map((l) => l.id).join('|')}] [--seeds 1,2,3] [--pairs ${LESSON_PAIRS}] [--steps N] [--lr X] [--batch N] [--n G] [--temperature T] [--kl-coef B] [--held-out S] [--models DIR] [--reasoner reasoner|reasoner-sft] [--json FILE]`,
  {
    lesson: text('ID', `the lesson: ${LESSONS.map((l) => l.id).join(' | ')}`, LESSONS[0]!.id),
    seeds: { type: 'string', default: '1,2,3', value: 'LIST', help: 'lesson seeds, comma-separated' },
    pairs: { type: 'string', default: String(LESSON_PAIRS), value: 'N', help: "the concept's pairs per seed" },
    steps: { type: 'string', value: 'N', help: `EG-RL steps (default ${LESSON_SETTINGS.steps})` },
    lr: { type: 'string', value: 'X', help: `learning rate (default ${LESSON_SETTINGS.lr})` },
    batch: { type: 'string', value: 'N', help: `pairs per step (default ${LESSON_SETTINGS.batch})` },
    n: { type: 'string', value: 'G', help: `rollouts per input (default ${LESSON_SETTINGS.n})` },
    temperature: { type: 'string', value: 'T', help: `rollout temperature (default ${LESSON_SETTINGS.temperature})` },
    'kl-coef': { type: 'string', value: 'B', help: `KL coefficient (default ${LESSON_SETTINGS.klCoef})` },
    'held-out': { type: 'string', value: 'S', help: `held-out share (default ${LESSON_SETTINGS.heldOut})` },
    'train-blocks': {
      type: 'string',
      value: 'K',
      help: 'train only the top K transformer blocks and the heads (default all)',
    },
    models: { type: 'string', default: 'public/models', value: 'DIR', help: 'the int8 models' },
    reasoner: text('reasoner|reasoner-sft', 'the Reasoner to fine-tune', 'reasoner'),
    json: { type: 'string', value: 'FILE', help: 'write the results as JSON' },
  },
);
const concept = lessonById(values.lesson);
const num = (v: string | undefined, fallback: number) => (v === undefined ? fallback : Number(v));
const settings = {
  ...LESSON_SETTINGS,
  steps: num(values.steps, LESSON_SETTINGS.steps),
  lr: num(values.lr, LESSON_SETTINGS.lr),
  batch: num(values.batch, LESSON_SETTINGS.batch),
  n: num(values.n, LESSON_SETTINGS.n),
  temperature: num(values.temperature, LESSON_SETTINGS.temperature),
  klCoef: num(values['kl-coef'], LESSON_SETTINGS.klCoef),
  heldOut: num(values['held-out'], LESSON_SETTINGS.heldOut),
  ...(values['train-blocks'] !== undefined && { trainBlocks: Number(values['train-blocks']) }),
};
const problems = settingsProblems(settings);
if (problems.length) throw new Error(problems.join('; '));
const seeds = values.seeds.split(',').map(Number);
if (seeds.some((s) => !Number.isInteger(s))) throw new Error('--seeds must be whole numbers, e.g. 1,2,3');

const status = await createEngine(nodePlatform()).init({ preference: 'wasm' });
if (status.backend !== 'wasm') throw new Error('the WASM backend failed to initialise');
const load = async <T>(name: string) => (await loadModel(nodeFileHandler(join(values.models, name)))).model as T;
const embedder = await load<Embedder>('embedder');
const collection = builtinCollection({ seed: 1 });
const inputOf = collectionInput(collection);
const items = collectionItems(collection);
const captionOf = new Map(items.map((it) => [it.id, it.caption]));
const EOS = VOCAB.id('<eos>');
const tcotText = (ids: Int32Array) =>
  Array.from(ids.subarray(0, ids.indexOf(EOS) < 0 ? ids.length : ids.indexOf(EOS)), (t) => VOCAB.token(t)).join(' ');

console.error(
  `lesson "${concept.title}" (${concept.id}) · ${values.models}/${values.reasoner} · seeds ${seeds.join(', ')} · ${values.pairs} pairs · ${settings.steps} steps × ${settings.batch} pairs, G ${settings.n}, T ${settings.temperature}, lr ${settings.lr}, β ${settings.klCoef}`,
);
const perSeed: {
  seed: number;
  train: number;
  held: number;
  candidates: number;
  before: { hit1: number; mrr: number };
  after: { hit1: number; mrr: number };
  seconds: { before: number; train: number; after: number };
  steps: { reward: number; orm: number; acc: number; kl: number; dt: number; phases: GrpoTiming }[];
  /** Each candidate's greedy T-CoT before and after, with its caption (what the class sees change). */
  traces: { id: string; caption: string; before: string; after: string }[];
}[] = [];
const beforeHits: number[] = [];
const afterHits: number[] = [];
const beforeRr: number[] = [];
const afterRr: number[] = [];
for (const seed of seeds) {
  const pairs = lessonPairs(concept, items, { seed, count: Number(values.pairs) });
  const split = splitLesson(pairs, settings.heldOut, inputOf);
  const policy = await load<Reasoner>(values.reasoner);
  const ref = await load<Reasoner>(values.reasoner);
  const loop = new FinetuneLoop(policy, ref, embedder, split.train, { ...settings, seed });
  let t = performance.now();
  const keep = { keepTcots: true };
  const before = await evaluateHeldOut(policy, embedder, split.heldQueries, split.candidates, loop.maxNewTokens, keep);
  const tBefore = (performance.now() - t) / 1000;
  t = performance.now();
  const steps = [];
  while (!loop.done) {
    const log = await loop.runStep();
    steps.push({
      reward: log.reward.mean,
      orm: log.orm,
      acc: log.acc,
      kl: log.kl,
      dt: log.dt,
      phases: { ...loop.timing },
    });
    process.stderr.write(
      `\rseed ${seed} step ${log.step + 1}/${settings.steps} reward ${log.reward.mean.toFixed(3)} acc ${log.acc.toFixed(2)} kl ${log.kl.toFixed(4)} · ${log.dt.toFixed(1)} s   `,
    );
  }
  const tTrain = (performance.now() - t) / 1000;
  t = performance.now();
  const after = await evaluateHeldOut(policy, embedder, split.heldQueries, split.candidates, loop.maxNewTokens, keep);
  const tAfter = (performance.now() - t) / 1000;
  loop.dispose();
  policy.dispose();
  ref.dispose();
  beforeHits.push(...before.ranks.map((r) => (r === 1 ? 1 : 0)));
  afterHits.push(...after.ranks.map((r) => (r === 1 ? 1 : 0)));
  beforeRr.push(...before.ranks.map((r) => 1 / r));
  afterRr.push(...after.ranks.map((r) => 1 / r));
  perSeed.push({
    seed,
    train: split.train.length,
    held: split.heldQueries.length,
    candidates: split.candidates.length,
    before: { hit1: before.hit1, mrr: before.mrr },
    after: { hit1: after.hit1, mrr: after.mrr },
    seconds: { before: tBefore, train: tTrain, after: tAfter },
    steps,
    traces: split.candidateIds.map((id, k) => ({
      id,
      caption: captionOf.get(id) ?? '',
      before: tcotText(before.tcots!.candidates[k]!),
      after: tcotText(after.tcots!.candidates[k]!),
    })),
  });
  const changed = perSeed.at(-1)!.traces.filter((t) => t.before !== t.after).length;
  process.stderr.write(
    `\rseed ${seed}: ${split.train.length} training pairs, ${split.heldQueries.length} held-out queries × ${split.candidates.length} candidates · Hit@1 ${(before.hit1 * 100).toFixed(1)} → ${(after.hit1 * 100).toFixed(1)} · ${changed} of ${split.candidates.length} candidates' T-CoTs changed · MRR ${before.mrr.toFixed(3)} → ${after.mrr.toFixed(3)} · ${(tBefore + tTrain + tAfter).toFixed(0)} s (train ${tTrain.toFixed(0)} s, ${(tTrain / settings.steps).toFixed(1)} s/step: ${timingLine(steps.map((x) => x.phases))})\n`,
  );
}
const gain = pairedDifference(afterHits, beforeHits);
const mrrGain = pairedDifference(afterRr, beforeRr);
const b = bootstrap(beforeHits);
const a = bootstrap(afterHits);
const pts = (v: number) => (v * 100).toFixed(1);
console.log(
  `held-out MRR ${(beforeRr.reduce((x, y) => x + y, 0) / beforeRr.length).toFixed(3)} → ${(afterRr.reduce((x, y) => x + y, 0) / afterRr.length).toFixed(3)} (${mrrGain.mean >= 0 ? '+' : ''}${mrrGain.mean.toFixed(3)} [${mrrGain.lo.toFixed(3)}, ${mrrGain.hi.toFixed(3)}]) over ${beforeHits.length} queries`,
);
if (values.json)
  writeFileSync(
    values.json,
    JSON.stringify(
      {
        lesson: concept.id,
        settings,
        pairs: Number(values.pairs),
        models: values.models,
        reasoner: values.reasoner,
        perSeed,
        hit1: { before: b, after: a, gain },
        mrr: mrrGain,
      },
      null,
      2,
    ),
  );
console.log(
  `lesson: held-out Hit@1 ${pts(b.mean)} → ${pts(a.mean)} (${gain.mean >= 0 ? '+' : ''}${pts(gain.mean)} points [${pts(gain.lo)}, ${pts(gain.hi)}])`,
);
