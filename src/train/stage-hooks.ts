// What every training stage shares: the hooks a recipe passes in (resume point, step log, checkpoints), the
// end of a step (log it, report it, checkpoint on cadence) and the variables a stage trains.
import type * as tf from '@tensorflow/tfjs-core';
import { withoutVision } from '../models/vision';

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
