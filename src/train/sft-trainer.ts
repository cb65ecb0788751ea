// The Reasoner's cold start (SPEC "Training stages" 4, as UME-R1 does): teacher-forced cross-entropy on
// the annotator's T-CoTs (matched pairs, both sides), with a held-out validation loss every `evalEvery`
// steps; training stops after `patience` evaluations without a new best and the best weights are kept.
import * as tf from '@tensorflow/tfjs-core';
import { worldReasonerInput } from '../models/inputs';
import type { Reasoner, ReasonerInput } from '../models/reasoner';
import { VOCAB } from '../tcot/default';
import { hashSeed, Rng } from '../world/rng';
import type { Task } from '../world/types';
import type { AnnotatedPair } from './data';
import { paramGrads } from './grad';
import { stepLoop, trainableVars, type StageHooks } from './stage-hooks';
import type { PairSource } from './stream';
import type { SftStage } from './presets';
import { cosineLr } from './schedule';

/** One supervised example: the Reasoner's input (visual + instruction/text prompt) and the teacher T-CoT. */
export interface SftExample {
  task: Task;
  input: ReasonerInput;
  target: Int32Array; // ends in <eos>
}

/**
 * Both sides of every pair: the query with its instruction, the positive with the same instruction — and, with
 * `hardSides`, the pair's hard negative too: the other candidates retrieval reasons about (a clip's still segments,
 * an edited scene), which a Reasoner trained on positives alone never sees; a task list takes only those tasks' hard
 * negatives.
 */
export function sftExamples(pairs: AnnotatedPair[], hardSides: boolean | readonly Task[] = false): SftExample[] {
  const hard = (p: AnnotatedPair) =>
    Boolean(p.hardNegative) && (hardSides === true || (Array.isArray(hardSides) && hardSides.includes(p.task)));
  const example = (p: AnnotatedPair, s: AnnotatedPair['query']): SftExample => ({
    task: p.task,
    input: worldReasonerInput(VOCAB, s.input, p.instruction),
    target: s.tcotIds,
  });
  return pairs.flatMap((p) => [
    example(p, p.query),
    example(p, p.positive),
    ...(hard(p) ? [example(p, p.hardNegative!)] : []),
  ]);
}

/** Sides a stream pair gives (a step takes batch / this many pairs, so its size stays about the same). */
const sidesPerPair = (stage: SftStage) => (stage.hardSides === true ? 3 : 2);

export interface SftStepLog {
  stage: 'sft' | 'extend'; // the cold start, or its second part (a preset's `extend`)
  step: number;
  steps: number;
  loss: number; // token-mean cross-entropy (nats)
  valLoss?: number; // on evaluation steps
  bestValLoss?: number;
  gradNorm: number;
  lr: number;
  seen: number; // distinct examples the stage has drawn from (a stream: so far; fixed examples: all of them)
  dt: number;
}

/**
 * CE = −Σ w · log p(target) / Σ w · mask over a batch (differentiable): w is `evidenceWeight` on location
 * and frame tokens (the boxes and key frames: a few tokens of a long T-CoT, and the ones grounding rests
 * on), 1 elsewhere. With the default 1 it is the token mean.
 */
export function sftLoss(reasoner: Reasoner, batch: SftExample[], evidenceWeight = 1): tf.Scalar {
  const { logprobs, mask } = reasoner.logprobs(
    batch.map((e) => e.input),
    batch.map((e) => e.target),
    { groupSize: 1 },
  );
  if (evidenceWeight === 1) return tf.div(tf.neg(tf.sum(logprobs)), tf.maximum(tf.sum(mask), 1)) as tf.Scalar;
  const [B, T] = logprobs.shape;
  const w = new Float32Array(B * T);
  batch.forEach((e, b) => e.target.forEach((id, t) => (w[b * T + t] = isEvidenceToken(id) ? evidenceWeight : 1)));
  const weights = tf.mul(tf.tensor2d(w, [B, T]), mask);
  return tf.div(tf.neg(tf.sum(tf.mul(logprobs, weights))), tf.maximum(tf.sum(weights), 1)) as tf.Scalar;
}

const isEvidenceToken = (id: number) => VOCAB.isLoc(id) || VOCAB.isFrame(id);

/** Token-mean validation cross-entropy, no tape. */
export function validationLoss(reasoner: Reasoner, examples: SftExample[], batchSize = 16): number {
  let nll = 0;
  let tokens = 0;
  for (let i = 0; i < examples.length; i += batchSize) {
    const batch = examples.slice(i, i + batchSize);
    const [sum, count] = tf.tidy(() => {
      const { logprobs, mask } = reasoner.logprobs(
        batch.map((e) => e.input),
        batch.map((e) => e.target),
        { groupSize: 1 },
      );
      return [tf.neg(tf.sum(logprobs)).dataSync()[0]!, tf.sum(mask).dataSync()[0]!];
    });
    nll += sum;
    tokens += count;
  }
  return nll / Math.max(1, tokens);
}

/** Weight snapshot as plain arrays (the best-so-far copy for early stopping). */
export function snapshot(params: Map<string, tf.Variable>): Map<string, Float32Array> {
  return new Map([...params].map(([name, v]) => [name, v.dataSync() as Float32Array]));
}
export function restore(params: Map<string, tf.Variable>, values: Map<string, Float32Array>): void {
  for (const [name, v] of params) tf.tidy(() => v.assign(tf.tensor(values.get(name)!, v.shape, 'float32')));
}

export interface SftResult {
  logs: SftStepLog[];
  bestValLoss: number;
  bestStep: number;
  stoppedEarly: boolean;
}

/**
 * `train`: fixed examples (sampled per step), or a stream of matched pairs (each step takes batch / 2 fresh
 * pairs, both sides; with `hardSides` batch / 3 pairs and their hard negatives).
 */
export async function trainSft(
  reasoner: Reasoner,
  train: SftExample[] | PairSource,
  val: SftExample[],
  stage: SftStage,
  seed: number,
  hooks: StageHooks<SftStepLog> & { best?: { loss: number; step: number }; stageName?: 'extend' } = {},
): Promise<SftResult> {
  const vars = trainableVars(reasoner, stage.freezeVision);
  const draw = (step: number): SftExample[] =>
    Array.isArray(train)
      ? new Rng(hashSeed(seed, 'sft-batch', step)).sample(train, stage.batch)
      : sftExamples(train.batch(step, Math.ceil(stage.batch / sidesPerPair(stage))).items, stage.hardSides);
  const schedule = cosineLr(stage.lr, stage.maxSteps, stage.warmup);
  let drawn = 0; // stream examples drawn by this run of the stage (a task list of hard sides varies it per step)
  let best = hooks.best ?? { loss: Infinity, step: -1 };
  let bestWeights: Map<string, Float32Array> | null = null;
  let sinceBest = 0;
  let stoppedEarly = false;
  const logs = await stepLoop(stage.maxSteps, stage.lr, hooks, (step, optimizer) => {
    const batch = draw(step);
    drawn += batch.length;
    const { value, grads } = paramGrads(vars, () => sftLoss(reasoner, batch, stage.evidenceWeight ?? 1));
    const lr = schedule(step);
    const gradNorm = optimizer.applyClipped(grads, vars, lr, 1);
    const seen = Array.isArray(train) ? train.length : drawn;
    const log: SftStepLog = {
      stage: hooks.stageName ?? 'sft',
      step,
      steps: stage.maxSteps,
      loss: value,
      gradNorm,
      lr,
      seen,
      dt: 0,
    };
    if ((step + 1) % stage.evalEvery === 0 || step === stage.maxSteps - 1) {
      log.valLoss = validationLoss(reasoner, val);
      if (log.valLoss < best.loss - 1e-4) {
        best = { loss: log.valLoss, step };
        bestWeights = snapshot(reasoner.params.vars);
        sinceBest = 0;
      } else sinceBest++;
      log.bestValLoss = best.loss;
      if (sinceBest >= stage.patience) stoppedEarly = true;
    }
    return { log, stop: stoppedEarly };
  });
  if (bestWeights) restore(reasoner.params.vars, bestWeights);
  return { logs, bestValLoss: best.loss, bestStep: best.step, stoppedEarly };
}
