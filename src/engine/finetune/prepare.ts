// A run's inputs from the user's pairs: the loop's training pairs, the held-out queries, the candidate pool
// (every pair's target) and the pair the sample strip follows.
import type { PairRecord } from '../../media/finetune-store';
import { heldOutIds } from '../../media/pairs';
import { reasoningInstruction } from '../../models/inputs';
import type { Reasoner } from '../../models/reasoner';
import { greedyTcots } from '../../retrieval/pipeline';
import type { EvalQuery, FinetuneSettings, TrainPair } from '../../train/finetune';
import type { GrpoPair, SideParts } from '../../train/grpo-trainer';
import type { Library } from '../library';
import type { PairBook } from './pairs';
import { SPLIT_SEED } from './records';
import type { FinetuneSample, FinetuneSnapshot } from './types';

export interface Prepared {
  train: TrainPair[];
  heldQueries: EvalQuery[];
  candidates: SideParts[];
  sample: { pair: TrainPair; label: string; queryItemId: string | null; targetName: string } | null;
}

async function sideOf(library: Library, query: PairRecord['query']): Promise<SideParts> {
  return query.kind === 'text' ? { text: query.text } : { visual: await library.inputOf(query.itemId) };
}

/** `trainIds` (a resumed run's): exactly those pairs train, or the run cannot continue. */
export async function preparePairs(
  book: PairBook,
  library: Library,
  settings: FinetuneSettings,
  trainIds?: string[],
): Promise<Prepared> {
  const all = await book.list();
  const pairs = all.filter((p) => !p.problem);
  const heldIds = heldOutIds(
    all.map((p) => p.id),
    SPLIT_SEED,
    settings.heldOut,
    new Set(all.filter((p) => p.match).map((p) => p.id)),
  );
  const usable = trainIds
    ? pairs.filter((p) => trainIds.includes(p.id))
    : pairs.filter((p) => p.match && !heldIds.has(p.id));
  if (trainIds && usable.length < trainIds.length)
    throw new Error(
      `${trainIds.length - usable.length} of the run's training pairs were deleted or lost their items; start a new run`,
    );
  const train: TrainPair[] = [];
  for (const p of usable) {
    const positive = { visual: await library.inputOf(p.targetId) };
    // The Reasoner was trained with an instruction on both sides: a pair without one gets the caption task's.
    const pair: GrpoPair = {
      query: await sideOf(library, p.query),
      positive,
      instruction: p.instruction || reasoningInstruction(positive.visual),
    };
    train.push({
      id: p.id,
      queryKey: p.query.kind === 'text' ? `t:${p.query.text}` : `i:${p.query.itemId}`,
      targetId: p.targetId,
      pair,
    });
  }
  const targets = [...new Set(pairs.map((p) => p.targetId))];
  const candidates: SideParts[] = [];
  for (const id of targets) candidates.push({ visual: await library.inputOf(id) });
  const heldQueries: EvalQuery[] = [];
  for (const p of pairs.filter((q) => q.match && heldIds.has(q.id))) {
    heldQueries.push({
      id: p.id,
      query: await sideOf(library, p.query),
      instruction: p.instruction,
      target: targets.indexOf(p.targetId),
    });
  }
  const first = usable[0];
  const sample =
    first && train[0]
      ? {
          pair: train[0],
          label: first.queryLabel,
          queryItemId: first.query.kind === 'item' ? first.query.itemId : null,
          targetName: first.targetName,
        }
      : null;
  return { train, heldQueries, candidates, sample };
}

/** The sample strip at `step`: the policy's greedy T-CoTs for the sample pair's query and target. */
export async function sampleStrip(
  prepared: Prepared,
  policy: Reasoner,
  maxNewTokens: number,
  step: number,
): Promise<FinetuneSample | null> {
  const s = prepared.sample;
  if (!s) return null;
  const sides = [
    { ...s.pair.pair.query, instruction: s.pair.pair.instruction },
    { ...s.pair.pair.positive, instruction: s.pair.pair.instruction },
  ];
  const [query, target] = await greedyTcots(policy, sides, maxNewTokens);
  return { step, query: Array.from(query!), target: Array.from(target!) };
}

/** What the view shows of a prepared run: how many pairs train and are held out, and the sample strip's pair. */
export function preparedView(p: Prepared): Pick<FinetuneSnapshot, 'trainPairs' | 'heldOutPairs' | 'samplePair'> {
  return {
    trainPairs: p.train.length,
    heldOutPairs: p.heldQueries.length,
    samplePair: p.sample
      ? {
          queryLabel: p.sample.label,
          queryItemId: p.sample.queryItemId,
          targetId: p.sample.pair.targetId,
          targetName: p.sample.targetName,
        }
      : null,
  };
}
