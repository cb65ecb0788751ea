// What every training stage shares: the hooks a recipe passes in (resume point, step log, checkpoints), the
// end of a step (log it, report it, checkpoint on cadence), the step loop and the variables a stage trains.
import type * as tf from '@tensorflow/tfjs-core';
import { withoutVision } from '../models/vision';
import { ScheduledAdam } from './grad';

export interface StageHooks<L> {
  startStep?: number; // resume point
  onStep?: (log: L) => void;
  checkpoint?: (nextStep: number) => Promise<void>; // called every `checkpointEvery` steps
  checkpointEvery?: number;
}

/** Checkpoint after `done` steps when the cadence says so and the stage is not finished (its end is saved anyway). */
export async function maybeCheckpoint<L>(hooks: StageHooks<L>, done: number, finished: boolean): Promise<void> {
  if (hooks.checkpoint && hooks.checkpointEvery && done % hooks.checkpointEvery === 0 && !finished)
    await hooks.checkpoint(done);
}

/** A step's end: its log kept and reported, then a checkpoint when the cadence says so. */
export async function finishStep<L>(
  hooks: StageHooks<L>,
  logs: L[],
  log: L,
  done: number,
  finished: boolean,
): Promise<void> {
  logs.push(log);
  hooks.onStep?.(log);
  await maybeCheckpoint(hooks, done, finished);
}

/** The variables a stage trains: all, or all but a frozen vision stem. */
export const trainableVars = (
  model: { params: { vars: Map<string, tf.Variable> } },
  freezeVision: boolean | undefined,
) => (freezeVision ? withoutVision(model.params.vars) : model.params.vars);

/** What sits below a decoder's blocks: its input tables and the vision stem's projection. */
const INPUT_TABLE = /^(tok_emb|type_emb|pos_emb|patch_pos_emb|frame_emb|patch_proj_w|vis_proj_[wb]|vis\.)/;

/**
 * Only the top `blocks` of a decoder's `nLayers` transformer blocks (`h<i>.…`) and what reads their output (the
 * final norm and the reading heads); the input tables, the stem and the lower blocks stay as they are. With the
 * lower blocks frozen the backward pass stops at the first trained one. `blocks` ≥ `nLayers`: `vars` unchanged.
 */
export function topBlocks(vars: Map<string, tf.Variable>, nLayers: number, blocks: number): Map<string, tf.Variable> {
  if (blocks >= nLayers) return vars;
  return new Map(
    [...vars].filter(([name]) => {
      const block = /^h(\d+)\./.exec(name);
      if (block) return Number(block[1]) >= nLayers - blocks;
      return !INPUT_TABLE.test(name);
    }),
  );
}

/** What one step of a stage's loop gives back: its log (its `dt` is set by the loop), and whether the stage stops. */
export interface StepOutcome<L> {
  log: L;
  stop?: boolean;
}

/**
 * A stage's step loop: one Adam optimizer (peak rate `peakLr`; each step passes its own rate to it), steps from the
 * resume point to `steps`, each step's log timed, kept, reported and checkpointed on cadence. `step` returns null to
 * skip a step (nothing logged), or `stop` to end the stage early (no checkpoint: its end is saved anyway).
 */
export async function stepLoop<L extends { dt: number }>(
  steps: number,
  peakLr: number,
  hooks: StageHooks<L>,
  step: (step: number, optimizer: ScheduledAdam) => Promise<StepOutcome<L> | null> | StepOutcome<L> | null,
): Promise<L[]> {
  const optimizer = new ScheduledAdam(peakLr);
  const logs: L[] = [];
  try {
    for (let s = hooks.startStep ?? 0; s < steps; s++) {
      const t0 = performance.now();
      const out = await step(s, optimizer);
      if (!out) continue;
      out.log.dt = (performance.now() - t0) / 1000;
      await finishStep(hooks, logs, out.log, s + 1, s + 1 >= steps || !!out.stop);
      if (out.stop) break;
    }
  } finally {
    optimizer.dispose();
  }
  return logs;
}
