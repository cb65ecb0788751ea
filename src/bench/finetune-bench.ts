// EG-RL step time of the in-browser fine-tuner at its default settings (src/train/finetune.ts
// DEFAULT_FINETUNE: batch 4 pairs, G 4 rollouts per side, T-CoTs up to 64 tokens), with the shipped model
// configs (freshly initialised: speed does not depend on the weights' values beyond T-CoT length, which
// untrained models run to the cap — the worst case). Pairs: built-in collection images and their captions.
// `npm run bench` (Node, WASM) and bench.html / `Engine.benchmarkFinetune` (the browser's backend).
import { Embedder } from '../models/embedder';
import { Reasoner } from '../models/reasoner';
import { worldVisual } from '../models/inputs';
import { DEFAULT_FINETUNE, FinetuneLoop, type FinetuneSettings, type TrainPair } from '../train/finetune';
import { timingLine, type GrpoTiming } from '../train/grpo-trainer';
import { shippedEmbedderConfig, shippedReasonerConfig } from '../models/shipped';
import { builtinCollection } from '../world/suite';

export interface FinetuneBenchOptions {
  /** Steps timed after the warm-up step (3). */
  steps?: number;
  /** Untimed steps first (1): kernel compilation, shader pipelines, allocator warm-up. */
  warmup?: number;
  settings?: Partial<FinetuneSettings>;
  onProgress?: (label: string) => void;
}

export interface FinetuneBenchResult {
  settings: FinetuneSettings;
  pairs: number;
  warmupS: number[];
  stepS: number[];
  meanS: number;
  /** Mean T-CoT length of the timed steps' rollouts (tokens). */
  tokens: number;
  /** Mean ms per timed step in each phase: rollouts, rewards, the reference's log-probs, the update. */
  phases: GrpoTiming;
  parameters: { reasoner: number; embedder: number };
}

const count = (m: { params: { vars: Map<string, { size: number }> } }) =>
  [...m.params.vars.values()].reduce((a, v) => a + v.size, 0);

export async function runFinetuneBench(options: FinetuneBenchOptions = {}): Promise<FinetuneBenchResult> {
  const settings: FinetuneSettings = { ...DEFAULT_FINETUNE, ...options.settings };
  const steps = options.steps ?? 3;
  const warmup = options.warmup ?? 1;
  const { images } = builtinCollection({ seed: 1, images: 8, clips: 0 });
  const pairs: TrainPair[] = images.map((img, i) => ({
    id: `bench-${i}`,
    queryKey: `t:${img.caption}`,
    targetId: img.id,
    pair: {
      query: { text: img.caption },
      positive: { visual: worldVisual({ modality: 'image', scene: img.scene }) },
      instruction: 'find an image that matches the caption',
    },
  }));
  const embedder = new Embedder(shippedEmbedderConfig());
  const policy = new Reasoner(shippedReasonerConfig());
  const ref = new Reasoner(shippedReasonerConfig());
  const parameters = { reasoner: count(policy), embedder: count(embedder) };
  const loop = new FinetuneLoop(policy, ref, embedder, pairs, { ...settings, steps: warmup + steps });
  const warmupS: number[] = [];
  const stepS: number[] = [];
  let tokens = 0;
  const phases: GrpoTiming = { generate: 0, reward: 0, ref: 0, update: 0 };
  try {
    for (let i = 0; i < warmup + steps; i++) {
      options.onProgress?.(`EG-RL step ${i + 1} / ${warmup + steps}${i < warmup ? ' (warm-up)' : ''}`);
      const log = await loop.runStep();
      if (i < warmup) warmupS.push(log.dt);
      else {
        stepS.push(log.dt);
        tokens += log.tokens / steps;
        for (const k of Object.keys(phases) as (keyof GrpoTiming)[]) {
          phases[k] += loop.timing[k] / steps;
          loop.timing[k] = 0;
        }
      }
    }
  } finally {
    loop.dispose();
    [embedder, policy, ref].forEach((m) => m.dispose());
  }
  return {
    settings,
    pairs: pairs.length,
    warmupS,
    stepS,
    meanS: stepS.reduce((a, b) => a + b, 0) / Math.max(1, stepS.length),
    tokens,
    phases,
    parameters,
  };
}

export function formatFinetuneBench(r: FinetuneBenchResult): string {
  const s = r.settings;
  return [
    `EG-RL fine-tuning step (default settings: batch ${s.batch} pairs, G ${s.n} per side, T-CoT ≤ ${s.maxNewTokens} tokens; Reasoner ${(r.parameters.reasoner / 1e6).toFixed(2)} M, Embedder ${(r.parameters.embedder / 1e6).toFixed(2)} M params)`,
    `  warm-up: ${r.warmupS.map((t) => `${t.toFixed(2)} s`).join(', ') || '–'}`,
    `  timed:   ${r.stepS.map((t) => `${t.toFixed(2)} s`).join(', ')}  → mean ${r.meanS.toFixed(2)} s / step (rollouts ${r.tokens.toFixed(1)} tokens on average)`,
    `  phases:  ${timingLine([r.phases])}`,
  ].join('\n');
}
