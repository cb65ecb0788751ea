// Where a stage's pairs come from: an unbounded stream of freshly annotated world pairs (every step sees
// pairs no earlier step saw), or a fixed pool (tests, the in-browser fine-tuner's small sets). A source is
// a pure function of (seed, step), so a resumed run draws the same batches.
import { TASKS, type Task } from '../world/types';
import { annotateStreamItem, answerKey, byTask, streamItem, taskBatch, type AnnotatedPair } from './data';

/** Which pairs a stage wants: matched T-CoTs (contrastive data, SFT), unmatched ones (the RL pool), or any. */
export type Want = 'match' | 'mismatch' | 'any';

export interface PairSource {
  /** The batch for `step`: `size` pairs of one task (sameTask) or of consecutive tasks. */
  batch(step: number, size: number): { task: Task; items: AnnotatedPair[] };
  /** Distinct pairs handed out so far (a stream counts what it returned; a pool its size at most). */
  seen(): number;
}

export interface StreamOptions {
  region: number; // a stage's own stretch of the stream (stream positions region·tasks …): stages do not share pairs
  want: Want;
  sameTask: boolean; // one task per step, round-robin (in-batch negatives are same-task); else consecutive tasks
  distinct?: (p: AnnotatedPair) => string; // skip a pair whose key repeats one in the batch (false negatives)
  tasks?: readonly Task[];
  window?: number; // stream positions looked at per pair wanted (default 4: ≈ 80 % of pairs match, ≈ 20 % do not → 6 for mismatch)
}

const wants = (want: Want, p: AnnotatedPair) => want === 'any' || (want === 'match') === p.match;

/**
 * Fresh pairs from `trainingStream(seed)`: step s of a same-task stream reads task s mod T at stream
 * positions of its own window, so no two steps share a pair. Short windows (a task whose pairs rarely
 * match, or all-same answers) give a smaller batch rather than a repeated pair.
 */
export function streamSource(seed: number, opts: StreamOptions): PairSource {
  const tasks = opts.tasks ?? TASKS;
  const T = tasks.length;
  const windowPer = opts.window ?? (opts.want === 'mismatch' ? 8 : 4);
  let seen = 0;
  return {
    batch(step, size) {
      const window = size * windowPer;
      const items: AnnotatedPair[] = [];
      const keys = new Set<string>();
      const taken = new Set<number>();
      let task: Task = tasks[step % T]!;
      // A second pass over the window takes any pair when too few were of the kind wanted (a task whose
      // pairs rarely mismatch still gives a full RL batch); the step's window stays its own either way.
      const passes = opts.want === 'any' ? 1 : 2;
      for (let k = 0; k < passes * window && items.length < size; k++) {
        const pass = k < window ? opts.want : 'any';
        const at = k % window;
        if (k >= window && taken.has(at)) continue; // second pass: skip what the first took
        // Positions n with n mod T = the task's index (sameTask), or consecutive positions (mixed tasks).
        const n = opts.sameTask
          ? (step % T) + T * (opts.region + Math.floor(step / T) * window + at)
          : T * opts.region + step * window + at;
        const pair = annotateStreamItem(streamItem(seed, n, tasks), n, { seed });
        if (!wants(pass, pair)) continue;
        const key = opts.distinct?.(pair);
        if (key !== undefined && keys.has(key)) continue;
        if (key !== undefined) keys.add(key);
        if (items.length === 0) task = pair.task;
        items.push(pair);
        taken.add(at);
      }
      seen += items.length;
      return { task, items };
    },
    seen: () => seen,
  };
}

/** A fixed pool, drawn as before (taskBatch: one task per step, distinct answers). */
export function poolSource(
  pairs: readonly AnnotatedPair[],
  seed: number,
  label: string,
  opts: { minPerTask?: number; distinct?: boolean } = {},
): PairSource {
  const groups = new Map([...byTask(pairs)].filter(([, list]) => list.length >= (opts.minPerTask ?? 1)));
  if (groups.size === 0) throw new Error(`${label}: the pool has no task with ${opts.minPerTask ?? 1} or more pairs`);
  const used = new Set<string>();
  return {
    batch(step, size) {
      const out = taskBatch(groups, step, size, seed, label, opts.distinct === false ? undefined : answerKey);
      for (const p of out.items) used.add(p.id);
      return out;
    },
    seen: () => used.size,
  };
}

/** A pool as a source, or a source as it is. */
export const asSource = (
  pairs: readonly AnnotatedPair[] | PairSource,
  seed: number,
  label: string,
  opts?: { minPerTask?: number },
): PairSource =>
  Array.isArray(pairs) ? poolSource(pairs as AnnotatedPair[], seed, label, opts) : (pairs as PairSource);
