// Training-step profile (Node, WASM), run by `npm run train -- --profile [--ops]`: the teacher-forced
// Reasoner forward and forward+backward for 2 inputs × 4 rollouts × 64 tokens (the GRPO update's shape)
// under the default config and the shipped one, and one Embedder contrastive step of 8 pairs + 8 hard
// negatives with T-CoT and evidence. `--ops` adds the ten costliest kernels of each backward (tf.profile).
import * as tf from '@tensorflow/tfjs-core';
import { Embedder } from '../models/embedder';
import { Reasoner, type ReasonerConfig } from '../models/reasoner';
import { syntheticIds, syntheticImageInput } from '../models/testdata';
import { streamSource } from '../train/stream';
import { sideItem } from '../train/embedder-trainer';
import { paramGrads } from '../train/grad';
import { infoNCE } from '../train/losses';
import { shippedEmbedderConfig, shippedReasonerConfig } from '../models/shipped';

async function timeIt(run: () => void): Promise<number> {
  run(); // warm-up
  const t0 = performance.now();
  run();
  return performance.now() - t0;
}

async function topKernels(run: () => void): Promise<string[]> {
  const prof = await tf.profile(() => run());
  const by = new Map<string, number>();
  for (const k of prof.kernels) {
    const key = k.name.includes('MatMul') ? `${k.name} ${JSON.stringify(k.inputShapes)}` : k.name;
    by.set(key, (by.get(key) ?? 0) + (k.kernelTimeMs as number));
  }
  return [...by.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 10)
    .map(([k, v]) => `${v.toFixed(0)} ms  ${k}`);
}

export async function profileSteps(ops: boolean): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};

  const reasoners: [string, Partial<ReasonerConfig>][] = [
    ['reasoner-default (linear patches, 144 vision tokens)', { vocabSize: shippedReasonerConfig().vocabSize }],
    ['reasoner-shipped (vision stem, 36 image tokens)', shippedReasonerConfig()],
  ];
  for (const [label, config] of reasoners) {
    const model = new Reasoner(config);
    const V = model.config.vocabSize;
    const inputs = [0, 1].map((i) => ({ visual: syntheticImageInput(i, 96), promptIds: syntheticIds(i, 12, 6, V) }));
    const seqs = Array.from({ length: 8 }, (_, i) => syntheticIds(100 + i, 64, 6, V));
    const forward = () => tf.tidy(() => void model.logprobs(inputs, seqs, { groupSize: 4 }).logprobs.dataSync());
    const backward = () =>
      tf.dispose(
        Object.values(
          paramGrads(
            model.params.vars,
            () => tf.neg(tf.mean(model.logprobs(inputs, seqs, { groupSize: 4 }).logprobs)) as tf.Scalar,
          ).grads,
        ),
      );
    out[label] = {
      params: model.params.count(),
      forwardMs: Math.round(await timeIt(forward)),
      forwardBackwardMs: Math.round(await timeIt(backward)),
      ...(ops ? { kernels: await topKernels(backward) } : {}),
    };
    model.dispose();
  }
  const embedder = new Embedder(shippedEmbedderConfig());
  const { items } = streamSource(1, { region: 0, want: 'match', sameTask: true }).batch(2, 8);
  const q = items.map((p) => sideItem(p.query, p.instruction, true));
  const p = items.map((pair) => sideItem(pair.positive, undefined, true));
  const h = items.flatMap((pair) => (pair.hardNegative ? [sideItem(pair.hardNegative, undefined, true)] : []));
  const step = () =>
    tf.dispose(
      Object.values(
        paramGrads(embedder.params.vars, () => infoNCE(embedder.embed(q), embedder.embed(p), 20, embedder.embed(h)))
          .grads,
      ),
    );
  out['embedder-shipped step (8 pairs + hard, T-CoT + evidence)'] = {
    params: embedder.params.count(),
    task: items[0]!.task,
    stepMs: Math.round(await timeIt(step)),
    ...(ops ? { kernels: await topKernels(step) } : {}),
  };
  embedder.dispose();
  return out;
}
