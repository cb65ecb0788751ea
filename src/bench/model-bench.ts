// Model benchmark, host-agnostic: runModelBench() needs only an active tfjs backend, so the Node CLI
// (src/cli/bench.ts) and a browser page can call the same code and get the same JSON-able result.
import * as tf from '@tensorflow/tfjs-core';
import { Embedder, type EmbedderConfig, type EmbedItem } from '../models/embedder';
import { Reasoner, type ReasonerConfig, type ReasonerInput } from '../models/reasoner';
import { seededRng } from '../models/rng';
import { syntheticClip, syntheticIds, syntheticImage, syntheticImageInput } from '../models/testdata';
import { encodeWeights, loadModel, memoryHandler, saveWeights, type Quantization } from '../models/weights';

export interface ModelBenchOptions {
  embedder?: Partial<EmbedderConfig>;
  reasoner?: Partial<ReasonerConfig>;
  tcotLength?: number; // 64 — generated / teacher-forced T-CoT tokens
  decodeBatches?: number[]; // [1, 8]
  embedBatch?: number; // 8
  repeats?: number; // 3 — timed runs after one warm-up; the median is reported
  recomputeTokens?: number; // tcotLength — tokens for the no-cache baseline (it is O(T²); smaller = faster bench)
  onProgress?: (label: string) => void;
}

export interface DecodeRow {
  batch: number;
  cache: boolean;
  tokens: number;
  prefillMs: number;
  decodeMs: number;
  tokensPerSec: number;
}
export interface EmbedRow {
  input: 'image' | 'clip';
  evidence: boolean;
  batch: number;
  msPerBatch: number;
  itemsPerSec: number;
}
export interface ModelBenchResult {
  backend: string;
  date: string;
  params: { embedder: number; reasoner: number };
  weightBytes: Record<'embedder' | 'reasoner', Record<Quantization, number>>;
  decode: DecodeRow[];
  embed: EmbedRow[];
  teacherForced: { batch: number; tokens: number; forwardMs: number; forwardBackwardMs: number | null };
  load: { model: 'embedder' | 'reasoner'; quantization: Quantization; ms: number }[];
  notes: string[];
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function timed(repeats: number, run: () => Promise<unknown>): Promise<number> {
  await run(); // warm-up: kernel compilation / first-use allocation
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    await run();
    times.push(performance.now() - t0);
  }
  return median(times);
}

/** Inputs shaped like the world's: 96×96 images, 16×64×64 clips, a 64-token T-CoT, 2 pieces of evidence. */
function embedItems(input: 'image' | 'clip', evidence: boolean, batch: number): EmbedItem[] {
  return Array.from({ length: batch }, (_, i) => {
    const visual = input === 'image' ? syntheticImageInput(i) : syntheticClip(i, 16, 64);
    const item: EmbedItem = { visual, instructionIds: syntheticIds(i, 12, 4, 500) };
    if (!evidence) return item;
    item.tcotIds = syntheticIds(100 + i, 64, 4, 500);
    item.evidenceAt = 40;
    item.evidence =
      input === 'image'
        ? [
            { kind: 'crop', image: syntheticImage(i), region: { x: 10, y: 12, w: 16, h: 14 } },
            { kind: 'crop', image: syntheticImage(i), region: { x: 50, y: 40, w: 30, h: 24 } },
          ]
        : visual.kind === 'clip'
          ? [3, 9].map((f) => ({
              kind: 'frame' as const,
              image: { rgba: visual.frames[f]!, width: 64, height: 64 },
              frameIndex: f,
            }))
          : [];
    return item;
  });
}

export async function runModelBench(opts: ModelBenchOptions = {}): Promise<ModelBenchResult> {
  const tcotLength = opts.tcotLength ?? 64;
  const repeats = opts.repeats ?? 3;
  const embedBatch = opts.embedBatch ?? 8;
  const progress = opts.onProgress ?? (() => {});
  const notes: string[] = [];
  const embedder = new Embedder(opts.embedder);
  const reasoner = new Reasoner(opts.reasoner);
  try {
    const result: ModelBenchResult = {
      backend: tf.getBackend(),
      date: new Date().toISOString(),
      params: { embedder: embedder.params.count(), reasoner: reasoner.params.count() },
      weightBytes: { embedder: { float32: 0, int8: 0 }, reasoner: { float32: 0, int8: 0 } },
      decode: [],
      embed: [],
      teacherForced: { batch: 0, tokens: tcotLength, forwardMs: 0, forwardBackwardMs: null },
      load: [],
      notes,
    };
    const prompt = (i: number): ReasonerInput => ({
      visual: syntheticImageInput(i),
      promptIds: syntheticIds(i, 12, 4, 500),
    });

    for (const batch of opts.decodeBatches ?? [1, 8]) {
      for (const cache of [true, false]) {
        const tokens = cache ? tcotLength : (opts.recomputeTokens ?? tcotLength);
        progress(`decode batch ${batch} ${cache ? 'with' : 'without'} KV cache`);
        const runs = cache ? repeats : 1; // the O(T²) baseline is slow: one timed run
        const stats: { prefillMs: number; decodeMs: number }[] = [];
        await reasoner.generate([prompt(0)], {
          n: batch,
          maxNewTokens: cache ? tokens : 2,
          rng: seededRng(1),
          useCache: cache,
        }); // warm-up
        for (let r = 0; r < runs; r++) {
          // stopId −1: every row decodes exactly `tokens` tokens.
          const out = await reasoner.generate([prompt(0)], {
            n: batch,
            maxNewTokens: tokens,
            temperature: 1,
            rng: seededRng(r),
            stopId: -1,
            useCache: cache,
          });
          stats.push(out.stats);
        }
        const decodeMs = median(stats.map((s) => s.decodeMs));
        // Decode rate excludes the prefill; the first token comes with the prefill, so tokens − 1 steps.
        result.decode.push({
          batch,
          cache,
          tokens,
          prefillMs: median(stats.map((s) => s.prefillMs)),
          decodeMs,
          tokensPerSec: (batch * (tokens - 1)) / (decodeMs / 1000),
        });
      }
    }

    for (const input of ['image', 'clip'] as const) {
      for (const evidence of [false, true]) {
        progress(`embed ${input}s ${evidence ? 'with' : 'without'} T-CoT + evidence`);
        const items = embedItems(input, evidence, embedBatch);
        const ms = await timed(repeats, () => embedder.embedData(items, embedBatch));
        result.embed.push({
          input,
          evidence,
          batch: embedBatch,
          msPerBatch: ms,
          itemsPerSec: embedBatch / (ms / 1000),
        });
      }
    }

    progress('teacher-forced log-probs');
    const tfBatch = Math.max(...(opts.decodeBatches ?? [1, 8]));
    const sequences = Array.from({ length: tfBatch }, (_, i) => syntheticIds(200 + i, tcotLength, 4, 500));
    result.teacherForced.batch = tfBatch;
    result.teacherForced.forwardMs = await timed(repeats, () =>
      reasoner.logprobsData([prompt(0)], sequences, { groupSize: tfBatch }),
    );
    if (tf.getGradient('Add') !== undefined) {
      const loss = () =>
        tf.tidy(() => tf.mean(reasoner.logprobs([prompt(0)], sequences, { groupSize: tfBatch }).logprobs) as tf.Scalar);
      result.teacherForced.forwardBackwardMs = await timed(repeats, async () => {
        const { value, grads } = tf.variableGrads(loss, reasoner.params.list());
        await value.data();
        tf.dispose([value, ...Object.values(grads)]);
      });
    } else {
      notes.push(
        'forward+backward not timed: no gradients registered in this host (tfjs-core needs its register_all_gradients side effect)',
      );
    }

    for (const [name, model] of [
      ['embedder', embedder],
      ['reasoner', reasoner],
    ] as const) {
      for (const quantization of ['float32', 'int8'] as const) {
        progress(`save/load ${name} ${quantization}`);
        result.weightBytes[name][quantization] = (await encodeWeights(model, quantization)).manifest.payloadBytes;
        const handler = memoryHandler();
        await saveWeights(model, handler, quantization);
        // Load = parse + SHA-256 check + dequantise + build the model's variables.
        const ms = await timed(repeats, async () => (await loadModel(handler)).model.dispose());
        result.load.push({ model: name, quantization, ms });
      }
    }
    return result;
  } finally {
    embedder.dispose();
    reasoner.dispose();
  }
}

/** A fixed-width text table of a result (what the CLI prints; a page may show the same). */
export function formatBenchTable(r: ModelBenchResult): string {
  const lines: string[] = [];
  const row = (cells: (string | number)[]) =>
    lines.push(cells.map((c, i) => String(c).padEnd(i === 0 ? 44 : 12)).join(''));
  const f = (x: number, digits = 1) => x.toFixed(digits);
  lines.push(`backend: ${r.backend}   ${r.date}`);
  row(['parameters', 'embedder', 'reasoner']);
  row(['  count', r.params.embedder.toLocaleString('en'), r.params.reasoner.toLocaleString('en')]);
  row([
    '  weight bytes fp32',
    r.weightBytes.embedder.float32.toLocaleString('en'),
    r.weightBytes.reasoner.float32.toLocaleString('en'),
  ]);
  row([
    '  weight bytes int8',
    r.weightBytes.embedder.int8.toLocaleString('en'),
    r.weightBytes.reasoner.int8.toLocaleString('en'),
  ]);
  row(['reasoner decode', 'tokens/s', 'prefill ms', 'decode ms']);
  for (const d of r.decode)
    row([
      `  batch ${d.batch}, ${d.cache ? 'KV cache' : 'no cache (recompute)'}, ${d.tokens} tokens`,
      f(d.tokensPerSec),
      f(d.prefillMs),
      f(d.decodeMs),
    ]);
  row(['embedder (batch of ' + (r.embed[0]?.batch ?? 0) + ')', 'items/s', 'ms/batch']);
  for (const e of r.embed)
    row([`  ${e.input}s ${e.evidence ? '+ T-CoT + evidence' : 'only (baseline)'}`, f(e.itemsPerSec), f(e.msPerBatch)]);
  row([
    `teacher-forced log-probs (batch ${r.teacherForced.batch} × ${r.teacherForced.tokens})`,
    'fwd ms',
    'fwd+bwd ms',
  ]);
  row([
    '  reasoner',
    f(r.teacherForced.forwardMs),
    r.teacherForced.forwardBackwardMs === null ? 'n/a' : f(r.teacherForced.forwardBackwardMs),
  ]);
  row(['load (parse + hash + dequantise)', 'fp32 ms', 'int8 ms']);
  for (const name of ['embedder', 'reasoner'] as const) {
    const ms = (q: Quantization) => f(r.load.find((l) => l.model === name && l.quantization === q)?.ms ?? NaN);
    row([`  ${name}`, ms('float32'), ms('int8')]);
  }
  for (const note of r.notes) lines.push(`note: ${note}`);
  return lines.join('\n');
}
