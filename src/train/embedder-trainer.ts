// Stage 3: the Embedder's contrastive training (SPEC "Training stages"). Symmetric InfoNCE at logit
// scale 50 over same-task batches, with each pair's one-detail hard negative in the query → positive
// direction; inputs carry the annotator's T-CoT and its evidence (crops / key frames cut from the
// full-resolution input), except on a `noTcotProb` share of steps, which train the no-reasoning path.
import * as tf from '@tensorflow/tfjs-core';
import type { Embedder, EmbedItem } from '../models/embedder';
import { worldEmbedItem } from '../models/inputs';
import { VOCAB } from '../tcot/default';
import { hashSeed, Rng } from '../world/rng';
import type { Task } from '../world/types';
import type { AnnotatedPair, AnnotatedSide } from './data';
import { asSource, type PairSource } from './stream';
import { withoutVision } from '../models/vision';
import { paramGrads, ScheduledAdam } from './grad';
import { infoNCE } from './losses';
import type { EmbedderStage } from './presets';
import { cosineLr } from './schedule';

export interface EmbedderStepLog {
  stage: 'embedder';
  step: number;
  steps: number;
  task: Task;
  tcot: boolean;
  loss: number;
  acc: number; // in-batch query → positive top-1 accuracy
  gradNorm: number;
  lr: number;
  pairs: number; // pairs in this step's batch
  seen: number; // distinct pairs the stage has seen so far
  dt: number; // seconds
}

export interface StageHooks<L> {
  startStep?: number; // resume point
  onStep?: (log: L) => void;
  checkpoint?: (nextStep: number) => Promise<void>; // called every `checkpointEvery` steps
  checkpointEvery?: number;
}

/** Checkpoint after `done` steps when the cadence says so and the stage is not finished (its end is saved anyway). */
export async function maybeCheckpoint<L>(hooks: StageHooks<L>, done: number, finished: boolean): Promise<void> {
  if (hooks.checkpoint && hooks.checkpointEvery && done % hooks.checkpointEvery === 0 && !finished) await hooks.checkpoint(done);
}

/** Embed items for one side; `withTcot` false gives the no-reasoning baseline item. */
export function sideItem(side: AnnotatedSide, instruction: string | undefined, withTcot: boolean): EmbedItem {
  return worldEmbedItem(VOCAB, side.input, { instruction, tcotIds: withTcot ? side.tcotIds : null });
}

/** The variables a stage trains: all, or all but a frozen vision stem. */
export const trainableVars = (model: { params: { vars: Map<string, tf.Variable> } }, freezeVision: boolean | undefined) => (freezeVision ? withoutVision(model.params.vars) : model.params.vars);

export async function trainEmbedder(embedder: Embedder, pairs: AnnotatedPair[] | PairSource, stage: EmbedderStage, seed: number, hooks: StageHooks<EmbedderStepLog> = {}): Promise<EmbedderStepLog[]> {
  const source = asSource(pairs, seed, 'embedder-batch');
  const vars = trainableVars(embedder, stage.freezeVision);
  const schedule = cosineLr(stage.lr, stage.steps, stage.warmup);
  const optimizer = new ScheduledAdam(stage.lr);
  const logs: EmbedderStepLog[] = [];
  try {
    for (let step = hooks.startStep ?? 0; step < stage.steps; step++) {
      const t0 = performance.now();
      const { task, items } = source.batch(step, stage.batch);
      const withTcot = !new Rng(hashSeed(seed, 'embedder-tcot', step)).chance(stage.noTcotProb);
      const queries = items.map((p) => sideItem(p.query, p.instruction, withTcot));
      const positives = items.map((p) => sideItem(p.positive, undefined, withTcot));
      const hard = stage.hardNegatives ? items.flatMap((p) => (p.hardNegative ? [sideItem(p.hardNegative, undefined, withTcot)] : [])) : [];
      let acc = 0;
      const { value, grads } = paramGrads(vars, () => {
        const q = embedder.embed(queries);
        const all = embedder.embed([...positives, ...hard]);
        const p = tf.slice(all, [0, 0], [positives.length, -1]) as tf.Tensor2D;
        const h = hard.length > 0 ? (tf.slice(all, [positives.length, 0], [hard.length, -1]) as tf.Tensor2D) : undefined;
        acc = tf.tidy(() => tf.mean(tf.cast(tf.equal(tf.argMax(tf.matMul(q, p, false, true), 1), tf.range(0, items.length, 1, 'int32')), 'float32')).dataSync()[0]!);
        return infoNCE(q, p, stage.logitScale, h);
      });
      const lr = schedule(step);
      const gradNorm = optimizer.applyClipped(grads, vars, lr, 1);
      const log: EmbedderStepLog = { stage: 'embedder', step, steps: stage.steps, task, tcot: withTcot, loss: value, acc, gradNorm, lr, pairs: items.length, seen: source.seen(), dt: (performance.now() - t0) / 1000 };
      logs.push(log);
      hooks.onStep?.(log);
      await maybeCheckpoint(hooks, step + 1, step + 1 >= stage.steps);
    }
  } finally {
    optimizer.dispose();
  }
  return logs;
}
