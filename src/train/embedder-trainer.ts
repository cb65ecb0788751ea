// Stage 3: the Embedder's contrastive training (SPEC "Training stages"). Symmetric InfoNCE at logit
// scale 50 over same-task batches, with each pair's one-detail hard negative in the query → positive
// direction; inputs carry the annotator's T-CoT and its evidence (crops / key frames cut from the
// full-resolution input), except on a `noTcotProb` share of steps, which train the no-reasoning path.
import * as tf from '@tensorflow/tfjs-core';
import type { Embedder, EmbedItem } from '../models/embedder';
import { worldEmbedItem, worldReasonerInput } from '../models/inputs';
import type { Reasoner } from '../models/reasoner';
import { seededRng } from '../models/rng';
import { VOCAB } from '../tcot/default';
import { hashSeed, Rng } from '../world/rng';
import type { Task } from '../world/types';
import type { AnnotatedPair, AnnotatedSide } from './data';
import { asSource, type PairSource } from './stream';
import { stepLoop, trainableVars, type StageHooks } from './stage-hooks';
import { paramGrads } from './grad';
import { infoNCE } from './losses';
import type { EmbedderStage } from './presets';
import { cosineLr } from './schedule';

export interface EmbedderStepLog {
  stage: 'embedder' | 'adapt' | 'polish'; // adapt: the second pass, on the cold-start Reasoner's own T-CoTs; polish: after EG-RL
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

/** Embed items for one side; `withTcot` false gives the no-reasoning baseline item; `tcotIds` replaces the annotator's. */
export function sideItem(
  side: AnnotatedSide,
  instruction: string | undefined,
  withTcot: boolean,
  tcotIds?: Int32Array,
): EmbedItem {
  return worldEmbedItem(VOCAB, side.input, { instruction, tcotIds: withTcot ? (tcotIds ?? side.tcotIds) : null });
}

/**
 * The Reasoner's own greedy T-CoTs for a share of the sides (the rest keep the annotator's), so the Embedder
 * learns from evidence as the Reasoner really points at it — and to lean on the global view when it misses.
 * Every side of the pair is prompted with the task instruction, as in the cold start.
 */
export interface ReasonerTcots {
  reasoner: Reasoner;
  prob: number; // share of sides whose T-CoT the Reasoner writes
  maxNewTokens: number;
}

async function reasonerSides(
  sides: { side: AnnotatedSide; instruction: string }[],
  use: boolean[],
  cfg: ReasonerTcots,
): Promise<(Int32Array | undefined)[]> {
  const picked = sides.filter((_, i) => use[i]);
  if (picked.length === 0) return sides.map(() => undefined);
  const gen = await cfg.reasoner.generate(
    picked.map((s) => worldReasonerInput(VOCAB, s.side.input, s.instruction)),
    { n: 1, maxNewTokens: cfg.maxNewTokens, temperature: 0, rng: seededRng(0), stopId: VOCAB.id('<eos>') },
  );
  let k = 0;
  return sides.map((_, i) => (use[i] ? gen.tokens[k++] : undefined));
}

export async function trainEmbedder(
  embedder: Embedder,
  pairs: AnnotatedPair[] | PairSource,
  stage: EmbedderStage,
  seed: number,
  hooks: StageHooks<EmbedderStepLog> & {
    reasonerTcots?: ReasonerTcots;
    stageName?: 'embedder' | 'adapt' | 'polish';
    drawsAs?: string; // the name its random draws are keyed by (default: stageName)
  } = {},
): Promise<EmbedderStepLog[]> {
  const source = asSource(pairs, seed, 'embedder-batch');
  const vars = trainableVars(embedder, stage.freezeVision);
  const schedule = cosineLr(stage.lr, stage.steps, stage.warmup);
  return stepLoop(stage.steps, stage.lr, hooks, async (step, optimizer) => {
    const { task, items } = source.batch(step, stage.batch);
    const rng = new Rng(hashSeed(seed, hooks.drawsAs ?? hooks.stageName ?? 'embedder', 'tcot', step));
    const withTcot = !rng.chance(stage.noTcotProb);
    const sides = [
      ...items.map((p) => ({ side: p.query, instruction: p.instruction })),
      ...items.map((p) => ({ side: p.positive, instruction: p.instruction })),
      ...(stage.hardNegatives
        ? items.flatMap((p) => (p.hardNegative ? [{ side: p.hardNegative, instruction: p.instruction }] : []))
        : []),
    ];
    const fromReasoner =
      hooks.reasonerTcots && withTcot
        ? await reasonerSides(
            sides,
            sides.map(() => rng.chance(hooks.reasonerTcots!.prob)),
            hooks.reasonerTcots,
          )
        : sides.map(() => undefined);
    const embedSides = sides.map((s, i) =>
      sideItem(s.side, i < items.length ? s.instruction : undefined, withTcot, fromReasoner[i]),
    );
    const queries = embedSides.slice(0, items.length);
    const positives = embedSides.slice(items.length, 2 * items.length);
    const hard = embedSides.slice(2 * items.length);
    let acc = 0;
    const { value, grads } = paramGrads(vars, () => {
      const q = embedder.embed(queries);
      const all = embedder.embed([...positives, ...hard]);
      const p = tf.slice(all, [0, 0], [positives.length, -1]) as tf.Tensor2D;
      const h = hard.length > 0 ? (tf.slice(all, [positives.length, 0], [hard.length, -1]) as tf.Tensor2D) : undefined;
      acc = tf.tidy(
        () =>
          tf
            .mean(
              tf.cast(
                tf.equal(tf.argMax(tf.matMul(q, p, false, true), 1), tf.range(0, items.length, 1, 'int32')),
                'float32',
              ),
            )
            .dataSync()[0]!,
      );
      return infoNCE(q, p, stage.logitScale, h);
    });
    const lr = schedule(step);
    const gradNorm = optimizer.applyClipped(grads, vars, lr, 1);
    const log: EmbedderStepLog = {
      stage: hooks.stageName ?? 'embedder',
      step,
      steps: stage.steps,
      task,
      tcot: withTcot,
      loss: value,
      acc,
      gradNorm,
      lr,
      pairs: items.length,
      seen: source.seen(),
      dt: 0,
    };
    return { log };
  });
}
