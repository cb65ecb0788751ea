// Training data (SPEC "Training stages" 1–2): pairs from the world's training stream, annotated by the
// simulated teacher (every other pair with the answer visible), split by the matching judge into
// contrastive data (the two T-CoTs agree) and the RL pool (they do not). Each pair also carries one of
// the world's one-detail hard negatives with its own T-CoT, for the Embedder's contrastive loss.
import { encodeTCoT } from '../tcot/encode';
import { VOCAB } from '../tcot/default';
import { annotate, judgeMatch, type AnnotatorNoise } from '../world/annotator';
import { hashSeed, Rng } from '../world/rng';
import { buildItem, itemSeed } from '../world/suite';
import type { TCoT } from '../world/tcot-types';
import { TASKS, type Ability, type Focus, type Task, type TaskItem, type WorldInput } from '../world/types';

/** One side of a pair with its teacher T-CoT (structured and as Reasoner tokens, ending in <eos>). */
export interface AnnotatedSide {
  input: WorldInput;
  focus: Focus;
  tcot: TCoT;
  tcotIds: Int32Array;
}

export interface AnnotatedPair {
  id: string;
  task: Task;
  abilities: Ability[];
  instruction: string;
  query: AnnotatedSide;
  positive: AnnotatedSide;
  hardNegative: AnnotatedSide | null;
  others?: WorldInput[]; // the item's other candidates (all but the positive, in order): what evaluation ranks it among
  answerVisible: boolean;
  match: boolean; // judgeMatch(query T-CoT, positive T-CoT)
}

export interface PreparedData {
  contrastive: AnnotatedPair[]; // matched pairs: Embedder training and the Reasoner's cold start
  rl: AnnotatedPair[]; // unmatched pairs: the EG-RL pool
  stats: {
    pairs: number;
    matched: number;
    matchRate: number;
    perTask: Record<string, { pairs: number; matched: number }>;
  };
}

export interface DataOptions {
  seed: number;
  pairs: number; // stream pairs to annotate (round-robin over tasks)
  start?: number; // first stream index (0)
  tasks?: readonly Task[];
  noise?: Partial<AnnotatorNoise>;
}

/** Stream pair n: the same item trainingStream(seed) yields at n, with its candidates and hard negatives. */
export function streamItem(seed: number, n: number, tasks: readonly Task[] = TASKS): TaskItem {
  const task = tasks[n % tasks.length]!;
  const index = Math.floor(n / tasks.length);
  return buildItem(task, itemSeed(seed, 'train', `stream-${task}`, index), `stream-${task}-${index}`);
}

function side(
  input: WorldInput,
  focus: Focus,
  seed: number,
  answerVisible: boolean,
  noise?: Partial<AnnotatorNoise>,
): AnnotatedSide {
  const tcot = annotate(input, { mode: 'noisy', seed, answerVisible, noise, focus });
  return { input, focus, tcot, tcotIds: Int32Array.from(encodeTCoT(VOCAB, tcot).ids) };
}

/** Annotate one stream item as a pair (answer visible on even stream indices) and judge it. */
export function annotateStreamItem(
  item: TaskItem,
  n: number,
  opts: { seed: number; noise?: Partial<AnnotatorNoise> },
): AnnotatedPair {
  const answerVisible = n % 2 === 0;
  const s = hashSeed(opts.seed, 'annotate', item.id);
  const query = side(item.query, item.queryFocus, hashSeed(s, 'query'), answerVisible, opts.noise);
  const positive = side(
    item.candidates[item.positiveIndex]!,
    item.candidateFocus[item.positiveIndex]!,
    hashSeed(s, 'positive'),
    answerVisible,
    opts.noise,
  );
  let hardNegative: AnnotatedSide | null = null;
  if (item.hardNegatives.length > 0) {
    const hn = new Rng(hashSeed(s, 'hard')).pick(item.hardNegatives);
    hardNegative = side(
      item.candidates[hn.index]!,
      item.candidateFocus[hn.index]!,
      hashSeed(s, 'hard-tcot'),
      false,
      opts.noise,
    );
  }
  return {
    id: item.id,
    task: item.task,
    abilities: item.abilities,
    instruction: item.instruction,
    query,
    positive,
    hardNegative,
    others: item.candidates.filter((_, j) => j !== item.positiveIndex),
    answerVisible,
    match: judgeMatch(query.tcot, positive.tcot),
  };
}

/** Annotate `pairs` stream pairs and split them by the judge. Deterministic in the options. */
export function prepareData(opts: DataOptions): PreparedData {
  const tasks = opts.tasks ?? TASKS;
  const contrastive: AnnotatedPair[] = [];
  const rl: AnnotatedPair[] = [];
  const perTask: PreparedData['stats']['perTask'] = {};
  for (let n = opts.start ?? 0; n < (opts.start ?? 0) + opts.pairs; n++) {
    const pair = annotateStreamItem(streamItem(opts.seed, n, tasks), n, opts);
    (pair.match ? contrastive : rl).push(pair);
    const t = (perTask[pair.task] ??= { pairs: 0, matched: 0 });
    t.pairs++;
    if (pair.match) t.matched++;
  }
  return {
    contrastive,
    rl,
    stats: {
      pairs: opts.pairs,
      matched: contrastive.length,
      matchRate: contrastive.length / Math.max(1, opts.pairs),
      perTask,
    },
  };
}

/** Group pairs by task (tasks with no pairs are absent), in TASKS order. */
export function byTask<T extends { task: Task }>(items: readonly T[]): Map<Task, T[]> {
  const out = new Map<Task, T[]>();
  for (const task of TASKS) {
    const list = items.filter((p) => p.task === task);
    if (list.length > 0) out.set(task, list);
  }
  return out;
}

/**
 * The batch for `step`: a task in round-robin order, then `size` distinct pairs of it drawn with a
 * generator seeded by (seed, step), so a resumed run draws the same batches. With `distinct`, pairs whose
 * key repeats one already drawn are skipped (e.g. two pairs with the label "three objects" would be each
 * other's false in-batch negatives).
 */
export function taskBatch<T extends { task: Task }>(
  groups: Map<Task, T[]>,
  step: number,
  size: number,
  seed: number,
  label: string,
  distinct?: (item: T) => string,
): { task: Task; items: T[] } {
  const tasks = [...groups.keys()];
  const task = tasks[step % tasks.length]!;
  const shuffled = new Rng(hashSeed(seed, label, step)).shuffle(groups.get(task)!);
  if (!distinct) return { task, items: shuffled.slice(0, size) };
  const seen = new Set<string>();
  const items: T[] = [];
  for (const item of shuffled) {
    if (items.length === size) break;
    const key = distinct(item);
    if (seen.has(key)) continue;
    seen.add(key);
    items.push(item);
  }
  return { task, items };
}

/** The key that makes two pairs interchangeable as in-batch negatives: the positive's teacher answer. */
export const answerKey = (p: AnnotatedPair): string => p.positive.tcot.answer;
