// Benchmark suites, the unbounded training stream and the built-in demo collection.
//
// Train/held-out disjointness: every item's randomness flows from one 32-bit item seed, and the
// split is the seed's top bit (0 = train, 1 = held-out). No train item is ever built from a
// held-out seed and vice versa; a test also checks that no query spec repeats across splits.

import { clipStates, generateClip } from './clip';
import { hashSeed, Rng } from './rng';
import { generateScene } from './scene';
import { BUILDERS, TASK_INSTRUCTIONS, captionScene, captionCore, type Draft } from './tasks';
import { describeEvent, eventPhrase, imageCaptionText } from './text';
import {
  TASKS,
  type ClipSpec,
  type Focus,
  type SceneSpec,
  type Task,
  type TaskItem,
  type WorldInput,
  type Ability,
} from './types';

export type Split = 'train' | 'heldout';

/** The root seed of item `index` of `task` in a split (top bit = split). */
export function itemSeed(seed: number, split: Split, task: string, index: number): number {
  return ((hashSeed(seed, task, index) & 0x7fffffff) | (split === 'heldout' ? 0x80000000 : 0)) >>> 0;
}

export function splitOfSeed(s: number): Split {
  return s >>> 31 === 1 ? 'heldout' : 'train';
}

/** Build one item (retrying a builder's rare rejections on derived sub-streams). */
export function buildItem(task: Task, root: number, id: string): TaskItem {
  const base = new Rng(root);
  let draft: Draft | null = null;
  for (let attempt = 0; !draft; attempt++) {
    if (attempt > 50) throw new Error(`world: builder for ${task} failed 50 times (seed ${root})`);
    draft = BUILDERS[task](attempt === 0 ? base : base.fork(`attempt-${attempt}`));
  }
  const all = [
    { ...draft.positive, differsIn: undefined as string | undefined, positive: true },
    ...draft.hard.map((h) => ({ ...h, positive: false })),
    ...draft.easy.map((e) => ({ ...e, differsIn: undefined, positive: false })),
  ];
  const order = base.fork('order').shuffle(all.map((_, i) => i));
  const candidates = order.map((i) => all[i]!);
  return {
    id,
    task,
    abilities: draft.abilities,
    instruction: base.fork('instruction').pick(TASK_INSTRUCTIONS[task]),
    query: draft.query,
    candidates: candidates.map((c) => c.input),
    positiveIndex: candidates.findIndex((c) => c.positive),
    hardNegatives: candidates.flatMap((c, index) =>
      c.differsIn ? [{ index, differsIn: c.differsIn as TaskItem['hardNegatives'][number]['differsIn'] }] : [],
    ),
    queryFocus: draft.queryFocus,
    candidateFocus: candidates.map((c) => c.focus),
  };
}

export interface SuiteOptions {
  seed: number;
  split: Split;
  /** items per task (default 200). */
  perTask?: number;
  tasks?: readonly Task[];
}

export interface Suite {
  seed: number;
  split: Split;
  perTask: number;
  items: TaskItem[];
}

export function buildSuite(opts: SuiteOptions): Suite {
  const perTask = opts.perTask ?? 200;
  const items: TaskItem[] = [];
  for (const task of opts.tasks ?? TASKS) {
    for (let i = 0; i < perTask; i++)
      items.push(buildItem(task, itemSeed(opts.seed, opts.split, task, i), `${opts.split}-${task}-${i}`));
  }
  return { seed: opts.seed, split: opts.split, perTask, items };
}

/** A (query, positive) pair for contrastive training, with the foci the annotator needs. */
export interface TrainingPair {
  id: string;
  task: Task;
  abilities: Ability[];
  instruction: string;
  query: WorldInput;
  positive: WorldInput;
  queryFocus: Focus;
  positiveFocus: Focus;
}

/**
 * An unbounded stream of training pairs from the train split, tasks in round-robin order (so any
 * window of 11·k pairs is balanced). `tasks` restricts the stream.
 */
export function* trainingStream(opts: {
  seed: number;
  tasks?: readonly Task[];
  start?: number;
}): Generator<TrainingPair> {
  const tasks = opts.tasks ?? TASKS;
  for (let n = opts.start ?? 0; ; n++) {
    const task = tasks[n % tasks.length]!;
    const index = Math.floor(n / tasks.length);
    const item = buildItem(task, itemSeed(opts.seed, 'train', `stream-${task}`, index), `stream-${task}-${index}`);
    yield {
      id: item.id,
      task,
      abilities: item.abilities,
      instruction: item.instruction,
      query: item.query,
      positive: item.candidates[item.positiveIndex]!,
      queryFocus: item.queryFocus,
      positiveFocus: item.candidateFocus[item.positiveIndex]!,
    };
  }
}

export interface CollectionImage {
  id: string;
  scene: SceneSpec;
  caption: string;
}
export interface CollectionClip {
  id: string;
  clip: ClipSpec;
  caption: string;
}

/** A full caption for the library: count, then the caption's core (relation or objects). */
export function libraryCaption(scene: SceneSpec, rng: Rng): string {
  const sc = captionScene(scene, rng, { countProb: 1, noneProb: 0 });
  return sc ? imageCaptionText(sc.caption) : 'there are zero objects';
}

/** All of a clip's events in order: "the red circle stops moving , then the blue star appears". */
export function clipLibraryCaption(clip: ClipSpec): string {
  const states = clipStates(clip);
  return clip.events.length === 0
    ? 'nothing happens'
    : clip.events.map((_, i) => eventPhrase(describeEvent(clip, states, i))).join(' , then ');
}

/** The app's demo library: captioned scenes and clips (from a namespace of the train split). */
export function builtinCollection(opts: { seed: number; images?: number; clips?: number }): {
  images: CollectionImage[];
  clips: CollectionClip[];
} {
  const images: CollectionImage[] = [];
  for (let i = 0; i < (opts.images ?? 1000); i++) {
    const r = new Rng(itemSeed(opts.seed, 'train', 'collection-image', i));
    const scene = generateScene(r.fork('scene'), { count: r.intIn(1, 6) });
    images.push({ id: `image-${i}`, scene, caption: libraryCaption(scene, r.fork('caption')) });
  }
  const clips: CollectionClip[] = [];
  for (let i = 0; i < (opts.clips ?? 300); i++) {
    const r = new Rng(itemSeed(opts.seed, 'train', 'collection-clip', i));
    const clip = generateClip(r.fork('clip'), {});
    clips.push({ id: `clip-${i}`, clip, caption: clipLibraryCaption(clip) });
  }
  return { images, clips };
}

export { captionCore };
