// `npm run train -- --preset quick|full|next|next2|next3|next4|next5|…|next12|short --seed N --out DIR [--resume] [--parallel] [--pointer stem|tokens|none] [--evidence-weight W] [--sft-freeze-vision] [--grpo JSON] [--adapt JSON] [--ship] [--no-eval] [--eval-seed S]`
// `--pointer`: how boxes and key frames are written (below); `--sft-freeze-vision`: the cold start leaves the stem as it is (the shipped presets do).
// `--parallel`: after the vision stage, the Reasoner's cold start runs in a second process (`--only sft`, its own
// state file ckpt/state-sft.json, steps in DIR/steps-sft.jsonl, log in DIR/sft.log) while this one trains the Embedder.
// `npm run train -- --profile [--ops]`: per-step timings of the training passes (src/cli/profile-steps.ts).
// Runs the recipe (src/train/recipe.ts) on the Node WASM backend: one JSON line per step in DIR/steps.jsonl,
// checkpoints in DIR/ckpt (resume with --resume), int8 models in DIR/models/{embedder,reasoner-sft,reasoner}
// (and in public/models/ with --ship), a held-out evaluation in DIR/eval.json and a summary in DIR/run.json.
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatDuration } from '../engine/duration';
import { createEngine } from '../engine/engine';
import { nodePlatform } from '../engine/backend/platform-node';
import type { Embedder } from '../models/embedder';
import type { Reasoner } from '../models/reasoner';
import { saveWeights } from '../models/weights';
import { nodeFileHandler } from '../models/weights-node';
import { plotPng } from './plot';
import { buildSuite } from '../world/suite';
import { diskStore } from '../train/checkpoint-node';
import { evaluateItems, summarize, type TcotSource } from '../train/evaluate';
import { PRESETS } from '../train/presets';
import { shippedPointer, shippedStemPointer } from '../models/shipped';
import { runRecipe, type RecipeState, type StepLog } from '../train/recipe';
import type { EmbedderStepLog } from '../train/embedder-trainer';
import type { GrpoStepLog } from '../train/grpo-trainer';
import type { SftStepLog } from '../train/sft-trainer';
import { trend } from '../train/trend';
import { writeShippedIndex } from './shipped-index-node';
import { cliArgs, text } from './args';

const { values: cli } = cliArgs(
  `npm run train -- --preset quick|full|next|next2|next3|next4|next5|…|next12|short --seed N --out DIR [--resume] [--parallel] [--pointer stem|tokens|none] [--evidence-weight W] [--sft-freeze-vision] [--grpo JSON] [--adapt JSON] [--ship] [--no-eval] [--eval-seed S]
npm run train -- --profile [--ops]`,
  {
    preset: text('NAME', 'the recipe preset: full | next | next2 | next3 | next4 | short | quick | test', 'quick'),
    seed: { type: 'string', default: '1', value: 'N', help: 'training seed' },
    out: { type: 'string', value: 'DIR', help: 'run folder (default runs/PRESET-seedN)' },
    resume: { type: 'boolean', help: 'resume from DIR/ckpt' },
    parallel: { type: 'boolean', help: "run the Reasoner's cold start in a second process beside the Embedder" },
    only: { type: 'string', value: 'sft', help: 'run only the cold start (what --parallel launches)' },
    pointer: text('stem|tokens|none', "how the Reasoner writes boxes and key frames (default: the preset's)"),
    'evidence-weight': text('W', 'the cold start weighs location and frame tokens W× in its loss'),
    'sft-freeze-vision': { type: 'boolean', help: 'the cold start leaves the pre-trained stem as it is' },
    grpo: { type: 'string', value: 'JSON', help: `EG-RL settings over the preset's, e.g. '{"lr":2e-5,"klCoef":0.05}'` },
    adapt: text(
      'JSON',
      `turn the adapt stage on (short's settings where the preset has none) with these overrides, e.g. '{"steps":120,"batch":12}'`,
    ),
    ship: { type: 'boolean', help: 'also write the models and the collection index to public/models' },
    'no-eval': { type: 'boolean', help: 'skip the held-out evaluation' },
    'eval-seed': { type: 'string', default: '7919', value: 'S', help: 'held-out evaluation seed' },
    profile: {
      type: 'boolean',
      help: 'per-step timings of the training passes instead of training (profile-steps.ts)',
    },
    ops: { type: 'boolean', help: 'with --profile: the ten costliest kernels of each backward' },
  },
);

if (cli.profile) {
  await createEngine(nodePlatform()).init({ preference: 'wasm' });
  const { profileSteps } = await import('./profile-steps');
  console.log(JSON.stringify(await profileSteps(cli.ops), null, 2));
  process.exit(0);
}

const presetName = cli.preset as keyof typeof PRESETS;
if (!PRESETS[presetName]) throw new Error(`unknown preset ${presetName} (full | next | next2 | short | quick | test)`);
// `--pointer stem|tokens|none`: how the Reasoner writes boxes and key frames (src/models/pointer.ts): the stem pointer
// (the shipped default: the stem's cells, each proposing its detector's box, with the box prior), a pointer over its
// vision tokens with learned offsets, or the tied head alone (the 2026-11 models).
// `--evidence-weight W`: the cold start weighs location and frame tokens W× in its loss (sft-trainer.ts).
// `--sft-freeze-vision`: the cold start trains everything but the pre-trained stem.
// `--grpo JSON`: EG-RL settings over the preset's (e.g. '{"lr":2e-5,"klCoef":0.05}'), for probes; the run's state keeps the preset name.
// `--adapt JSON`: turns the adapt stage on (the Embedder on the cold start's own T-CoTs; `short`'s settings where the
// preset has none) with these overrides, e.g. '{"steps":120,"batch":12}'.
function jsonArg(name: 'grpo' | 'adapt'): Record<string, unknown> {
  const raw = cli[name];
  if (raw === undefined) return {};
  const value: unknown = JSON.parse(raw);
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new Error(`--${name} must be a JSON object`);
  return value as Record<string, unknown>;
}
const POINTERS = { stem: shippedStemPointer, tokens: shippedPointer, none: () => null } as const;
const pointerKind = cli.pointer as keyof typeof POINTERS | undefined;
if (pointerKind !== undefined && !(pointerKind in POINTERS)) throw new Error('--pointer must be stem, tokens or none');
const evidenceWeight = cli['evidence-weight'];
const sftFreeze = cli['sft-freeze-vision'];
const preset = {
  ...PRESETS[presetName],
  ...(pointerKind
    ? { reasonerConfig: { ...PRESETS[presetName].reasonerConfig, pointer: POINTERS[pointerKind]() } }
    : {}),
  sft: {
    ...PRESETS[presetName].sft,
    ...(evidenceWeight ? { evidenceWeight: Number(evidenceWeight) } : {}),
    ...(sftFreeze ? { freezeVision: true } : {}),
  },
  grpo: { ...PRESETS[presetName].grpo, ...jsonArg('grpo') },
  ...(cli.adapt !== undefined
    ? { adapt: { ...(PRESETS[presetName].adapt ?? PRESETS.short.adapt!), ...jsonArg('adapt') } }
    : {}),
};
if (!(preset.sft.evidenceWeight === undefined || preset.sft.evidenceWeight > 0))
  throw new Error('--evidence-weight must be a positive number');
const seed = Number(cli.seed);
const out = cli.out ?? `runs/${presetName}-seed${seed}`;
const evalSeed = Number(cli['eval-seed']); // not a training or tuning seed
const only = cli.only === 'sft' ? 'sft' : undefined;
mkdirSync(out, { recursive: true });
const stepsFile = join(out, only ? 'steps-sft.jsonl' : 'steps.jsonl');
if (!cli.resume) writeFileSync(stepsFile, '');

const status = await createEngine(nodePlatform()).init({ preference: 'wasm' });
if (status.backend !== 'wasm') throw new Error(`the WASM backend failed to initialise: ${status.error ?? ''}`);
console.error(`backend wasm, ${status.details.threads} thread(s) · preset ${preset.name} · seed ${seed} · out ${out}`);

// ---- progress bar ----
const fmt = (s: number) => formatDuration(s, { compact: true });
const STAGES = ['vision', 'embedder', 'sft', 'extend', 'adapt', 'grpo', 'polish'] as const;
let stageStart = performance.now();
let stageFirstStep = 0;
const t0 = performance.now();
function bar(log: StepLog): void {
  const done = log.step + 1;
  const total = log.steps;
  const rate = (performance.now() - stageStart) / 1000 / Math.max(1, done - stageFirstStep);
  const eta = rate * (total - done);
  const width = 24;
  const filled = Math.round((done / total) * width);
  const metric =
    log.stage === 'vision'
      ? `loss ${log.loss.toFixed(3)} shape ${log.parts.shape.toFixed(2)}`
      : log.stage === 'embedder' || log.stage === 'adapt' || log.stage === 'polish'
        ? `loss ${log.loss.toFixed(3)} acc ${log.acc.toFixed(2)}`
        : log.stage === 'sft' || log.stage === 'extend'
          ? `loss ${log.loss.toFixed(3)}${log.bestValLoss !== undefined ? ` val* ${log.bestValLoss.toFixed(3)}` : ''}`
          : `reward ${(log as GrpoStepLog).reward.mean.toFixed(3)} fmt ${(log as GrpoStepLog).formatRate.toFixed(2)} kl ${(log as GrpoStepLog).kl.toFixed(4)}`;
  const line = `[${STAGES.indexOf(log.stage) + 1}/${STAGES.length} ${log.stage.padEnd(8)}] ${'█'.repeat(filled)}${'░'.repeat(width - filled)} ${done}/${total} ${metric} · ${rate.toFixed(2)} s/step · ETA ${fmt(eta)} (stage) · elapsed ${fmt((performance.now() - t0) / 1000)}`;
  process.stderr.write(`\r${line.padEnd(150)}`);
}

/** The cold start in a second process on the same checkpoint folder; resolves with its final state. */
function sftElsewhere(): Promise<RecipeState> {
  const logFd = openSync(join(out, 'sft.log'), 'a');
  const args = [
    ...process.execArgv,
    process.argv[1]!,
    '--preset',
    presetName,
    '--seed',
    String(seed),
    '--out',
    out,
    '--only',
    'sft',
    ...(cli.resume ? ['--resume'] : []),
    ...(pointerKind ? ['--pointer', pointerKind] : []),
    ...(evidenceWeight ? ['--evidence-weight', evidenceWeight] : []),
    ...(sftFreeze ? ['--sft-freeze-vision'] : []),
  ];
  const child = spawn(process.execPath, args, { stdio: ['ignore', logFd, logFd] });
  const stop = () => child.kill('SIGTERM'); // the child dies with this process
  process.on('exit', stop);
  return new Promise((resolve, reject) => {
    child.on('exit', (code) => {
      process.off('exit', stop);
      const stateFile = join(out, 'ckpt', 'state-sft.json');
      if (code !== 0 || !existsSync(stateFile))
        reject(new Error(`the cold-start process exited with ${code} (see ${join(out, 'sft.log')})`));
      else resolve(JSON.parse(readFileSync(stateFile, 'utf8')) as RecipeState);
    });
  });
}

const result = await runRecipe({
  preset,
  seed,
  store: diskStore(out, only ? `state-${only}.json` : 'state.json'),
  resume: cli.resume,
  only,
  sftElsewhere: cli.parallel && !only ? sftElsewhere : undefined,
  onStage: (stage, info) => {
    stageStart = performance.now();
    stageFirstStep = typeof info.startStep === 'number' ? info.startStep : 0;
    process.stderr.write(`\n${stage}: ${JSON.stringify(info).slice(0, 300)}\n`);
  },
  onStep: (log) => {
    appendFileSync(stepsFile, JSON.stringify(log) + '\n');
    bar(log);
  },
});
process.stderr.write('\n');
const trainSeconds = (performance.now() - t0) / 1000;
if (only) {
  console.log(`cold start done in ${fmt(trainSeconds)} · ${join(out, 'ckpt', 'reasoner-sft')}`);
  process.exit(0);
}

// ---- quantise and write the models ----
const shipTo = [join(out, 'models'), ...(cli.ship ? ['public/models'] : [])];
const sizes: Record<string, number> = {};
for (const dir of shipTo) {
  for (const [name, model] of [
    ['embedder', result.embedder],
    ['reasoner-sft', result.sft],
    ['reasoner', result.egrl],
  ] as [string, Embedder | Reasoner][]) {
    const manifest = await saveWeights(model, nodeFileHandler(join(dir, name)), 'int8');
    sizes[name] = manifest.payloadBytes;
  }
}
// The built-in collection's index ships with the models it was made by (src/engine/shipped-index.ts).
if (cli.ship) {
  const index = await writeShippedIndex('public/models', (done, total) =>
    process.stderr.write(`\rindexing the built-in collection ${done} / ${total}   `),
  );
  process.stderr.write(`\nshipped index: ${index.items} items, ${(index.bytes / 1024).toFixed(0)} KiB\n`);
  writeFileSync(join('public/models', 'collection-index.json'), JSON.stringify(index, null, 2) + '\n');
}

// ---- held-out evaluation (fp32 models in memory; `npm run eval` scores the int8 files) ----
let evaluation: Record<string, unknown> | null = null;
if (!cli['no-eval'] && preset.evalPerTask > 0) {
  const suite = buildSuite({ seed: evalSeed, split: 'heldout', perTask: preset.evalPerTask });
  evaluation = { seed: evalSeed, perTask: preset.evalPerTask };
  const rows: [string, TcotSource][] = [
    ['none', { kind: 'none' }],
    ['sft', { kind: 'reasoner', reasoner: result.sft }],
    ['egrl', { kind: 'reasoner', reasoner: result.egrl }],
  ];
  for (const [name, source] of rows) {
    const res = await evaluateItems(suite.items, result.embedder, source, {
      onProgress: (d, t) => process.stderr.write(`\reval ${name} ${d}/${t}   `),
    });
    const summary = summarize(res);
    evaluation[name] = summary;
    process.stderr.write(
      `\reval ${name}: Hit@1 ${(summary.overall.hit1.mean * 100).toFixed(1)} [${(summary.overall.hit1.lo * 100).toFixed(1)}, ${(summary.overall.hit1.hi * 100).toFixed(1)}]\n`,
    );
  }
  writeFileSync(join(out, 'eval.json'), JSON.stringify(evaluation, null, 2));
}

// ---- curves: one PNG per stage from this run's step log ----
const stepFiles = [stepsFile, join(out, 'steps-sft.jsonl')].filter((f) => existsSync(f));
const logs = stepFiles.flatMap((f) =>
  readFileSync(f, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as StepLog),
);
type LogOf<S extends StepLog['stage']> = S extends 'embedder' | 'adapt' | 'polish'
  ? EmbedderStepLog
  : S extends 'sft' | 'extend'
    ? SftStepLog
    : Extract<StepLog, { stage: S }>;
const pts = <S extends StepLog['stage']>(stage: S, f: (l: LogOf<S>) => number | undefined): [number, number][] =>
  logs.flatMap((l) => {
    if (l.stage !== stage) return [];
    const v = f(l as LogOf<S>);
    return v === undefined ? [] : [[l.step, v] as [number, number]];
  });
writeFileSync(
  join(out, 'curve-vision.png'),
  plotPng('vision stem: dense loss', [
    { label: 'loss', points: pts('vision', (l) => l.loss), color: [200, 60, 40] },
    { label: 'shape ce', points: pts('vision', (l) => l.parts.shape), color: [40, 90, 200] },
  ]),
);
// The Embedder's two passes: InfoNCE on its T-CoT steps and on its no-T-CoT steps.
const infonceCurve = (stage: 'embedder' | 'adapt' | 'polish', title: string) =>
  plotPng(title, [
    { label: 'loss (t-cot steps)', points: pts(stage, (l) => (l.tcot ? l.loss : undefined)), color: [200, 60, 40] },
    { label: 'loss (no t-cot steps)', points: pts(stage, (l) => (l.tcot ? undefined : l.loss)), color: [40, 90, 200] },
  ]);
writeFileSync(join(out, 'curve-embedder.png'), infonceCurve('embedder', 'embedder: infonce loss'));
writeFileSync(join(out, 'curve-adapt.png'), infonceCurve('adapt', "embedder on the reasoner's t-cots: infonce loss"));
if (preset.polish)
  writeFileSync(join(out, 'curve-polish.png'), infonceCurve('polish', 'embedder after eg-rl: infonce loss'));
const sftSteps = Math.max(0, ...pts('sft', (l) => l.loss).map(([x]) => x + 1));
const afterSft = (p: [number, number][]) => p.map(([x, y]): [number, number] => [x + sftSteps, y]);
writeFileSync(
  join(out, 'curve-sft.png'),
  plotPng('reasoner cold start: cross-entropy', [
    { label: 'train', points: pts('sft', (l) => l.loss), color: [200, 60, 40] },
    { label: 'validation', points: pts('sft', (l) => l.valLoss), color: [40, 90, 200], smooth: 1 },
    // the second part (a preset's `extend`), after the first part's last step
    { label: 'train (part 2)', points: afterSft(pts('extend', (l) => l.loss)), color: [230, 140, 40] },
    {
      label: 'validation (part 2)',
      points: afterSft(pts('extend', (l) => l.valLoss)),
      color: [40, 170, 200],
      smooth: 1,
    },
  ]),
);
writeFileSync(
  join(out, 'curve-grpo.png'),
  plotPng('eg-rl: reward', [
    { label: 'reward mean', points: pts('grpo', (l) => l.reward.mean), color: [200, 60, 40] },
    { label: 'format rate', points: pts('grpo', (l) => l.formatRate), color: [40, 160, 60] },
    { label: 'orm', points: pts('grpo', (l) => l.orm), color: [40, 90, 200] },
  ]),
);

// Is EG-RL's reward rising? Within-task least-squares slope (tasks take turns and differ in level) per 100
// steps, with a bootstrap 95 % interval.
const grpoLogs = logs.filter((l): l is GrpoStepLog => l.stage === 'grpo');
const grpoTrend = trend(
  grpoLogs.map((l) => [l.step, l.reward.mean]),
  { groups: grpoLogs.map((l) => l.task) },
);
const per100 = (v: number) => (v * 100).toFixed(4);
console.error(
  `EG-RL reward slope: ${per100(grpoTrend.slope)} per 100 steps [${per100(grpoTrend.lo)}, ${per100(grpoTrend.hi)}] over ${grpoTrend.points} steps`,
);

// A resumed run's own wall time covers only what it ran: the run's is at least its stages' times (the Embedder and
// the cold start (after the clip-event detector, when there is one) counted side by side, as `--parallel` runs them).
const st = result.state.seconds as Record<string, number | undefined>;
const stagesWall =
  (st.vision ?? 0) +
  Math.max(st.embedder ?? 0, (st['clip-events'] ?? 0) + (st.sft ?? 0)) +
  (st.extend ?? 0) +
  (st.adapt ?? 0) +
  (st.grpo ?? 0) +
  (st.polish ?? 0);
const run = {
  preset: preset.name,
  grpoRewardTrend: grpoTrend,
  seed,
  trainSeconds: Math.max(trainSeconds, stagesWall),
  stageSeconds: result.state.seconds,
  sft: result.state.sft,
  extend: result.state.extend,
  seen: result.state.seen,
  vision: result.state.vision,
  clipEvents: result.state.clipEvents,
  valPairs: result.val.length,
  params: { embedder: result.embedder.params.count(), reasoner: result.egrl.params.count() },
  int8Bytes: sizes,
  configs: { embedder: result.embedder.config, reasoner: result.egrl.config },
  presetNumbers: preset,
};
writeFileSync(join(out, 'run.json'), JSON.stringify(run, null, 2));
console.log(`done in ${fmt(trainSeconds)} (training) · models in ${shipTo.join(', ')} · ${join(out, 'run.json')}`);
