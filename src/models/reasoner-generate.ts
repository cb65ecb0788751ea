// Sampling from the Reasoner: n rollouts per input, batched (row = input · n + g), each input's prefix encoded
// once and shared by its rows through the KV cache, one token per row per step (greedy, temperature, top-k,
// top-p: sampling.ts), streamed through onToken. The forward passes are the model's (reasoner.ts); this is the
// loop around them.
import type * as tf from '@tensorflow/tfjs-core';
import { dispose } from '@tensorflow/tfjs-core';
import { InputError } from './errors';
import type { LayerKV } from './layers';
import type { PointerContext } from './pointer';
import type { Reasoner } from './reasoner';
import { rowKeyValid, type ReasonerInput } from './reasoner-plan';
import type { RandomSource } from './rng';
import { sampleToken } from './sampling';

export interface TokenEvent {
  step: number;
  tokens: Int32Array; // [rows] token chosen this step, −1 for rows already finished
  logprobs: Float32Array; // [rows]
}

export interface GenerateOptions {
  n: number; // rollouts per input (row = inputIndex · n + g)
  maxNewTokens: number;
  temperature?: number; // 1; 0 = greedy
  topK?: number; // 0 = off
  topP?: number; // 1 = off
  rng: RandomSource;
  stopId?: number; // generation of a row ends after it emits stopId (kept in its tokens)
  onToken?: (event: TokenEvent) => void;
  onLogits?: (step: number, logits: Float32Array) => void; // raw next-token logits [rows · V] (tests, UI)
  useCache?: boolean; // true; false = recompute the whole sequence every step (benchmark baseline)
}

export interface GenerateResult {
  tokens: Int32Array[]; // one per row, up to and including stopId
  logprobs: Float32Array[]; // log-prob of each token under softmax(logits / T) (T = 1 when greedy)
  stats: { prefillMs: number; decodeMs: number; steps: number };
}

/**
 * Autoregressive generation of n rollouts for each input (batched: B = inputs·n rows). With the cache,
 * the prefix is encoded once per input and its keys/values are shared by that input's n rows.
 */
export async function generate(
  model: Reasoner,
  inputs: ReasonerInput[],
  opts: GenerateOptions,
): Promise<GenerateResult> {
  const { n, maxNewTokens, rng, onToken } = opts;
  const sampling = { temperature: opts.temperature ?? 1, topK: opts.topK ?? 0, topP: opts.topP ?? 1 };
  const stopId = opts.stopId ?? -1;
  const useCache = opts.useCache ?? true;
  const c = model.config;
  const V = c.vocabSize;
  if (inputs.length === 0 || n < 1) throw new InputError('generate: need at least one input and n ≥ 1');
  const rowInput = Array.from({ length: inputs.length * n }, (_, r) => Math.floor(r / n));
  const B = rowInput.length;
  const tokens: number[][] = rowInput.map(() => []);
  const logprobs: number[][] = rowInput.map(() => []);
  const done = new Uint8Array(B);
  const history = () => ({ tokens, offsets: tokens.map((row) => row.length) });
  const t0 = performance.now();

  // Prefill: the prefix of each distinct input once, then its rows share it.
  const prefix = model.prefixPlan(inputs);
  const P = prefix.length;
  if (P + maxNewTokens > c.maxLen)
    throw new InputError(`prefix ${P} + maxNewTokens ${maxNewTokens} > maxLen ${c.maxLen}`);
  const rowPrefixLen = Int32Array.from(rowInput, (i) => prefix.lengths[i]!);
  let cache: LayerKV[] = [];
  let rowCtx: PointerContext | undefined; // the pointer's view of each row's prefix (kept while decoding)
  let logits: tf.Tensor2D;
  if (useCache) ({ kv: cache, logits, ctx: rowCtx } = model.prefill(inputs, rowInput, prefix));
  else logits = model.recomputeStep(inputs, rowInput, [], 0, history());
  // GPU backends run asynchronously: wait for the prefill's logits so the prefill/decode split is real
  // (the first decode step reads them anyway, from the CPU copy this leaves).
  await logits.data();
  const prefillMs = performance.now() - t0;

  let steps = 0;
  try {
    for (let step = 0; step < maxNewTokens; step++) {
      const data = (await logits.data()) as Float32Array;
      opts.onLogits?.(step, data);
      const stepTokens = new Int32Array(B).fill(-1);
      const stepLogprobs = new Float32Array(B);
      for (let r = 0; r < B; r++) {
        if (done[r]) continue;
        const pick = sampleToken(data, r * V, V, sampling, rng);
        tokens[r]!.push(pick.id);
        logprobs[r]!.push(pick.logprob);
        stepTokens[r] = pick.id;
        stepLogprobs[r] = pick.logprob;
        if (pick.id === stopId) done[r] = 1;
      }
      steps = step + 1;
      onToken?.({ step, tokens: stepTokens, logprobs: stepLogprobs });
      if (done.every((x) => x === 1) || step === maxNewTokens - 1) break;

      const previous = logits;
      if (useCache) {
        const next = model.decodeStep(
          stepTokens.map((id) => (id < 0 ? c.padId : id)),
          Int32Array.from(rowPrefixLen, (len) => len + step),
          rowKeyValid(prefix, rowInput, P + step + 1),
          cache,
          rowCtx,
          history(),
        );
        dispose(cache);
        cache = next.kv;
        logits = next.logits;
      } else {
        const fed = tokens.map((row) => Int32Array.from(row.slice(0, step + 1), (id) => id));
        logits = model.recomputeStep(inputs, rowInput, fed, step + 1, history());
      }
      previous.dispose();
    }
  } finally {
    dispose(cache);
    if (rowCtx) dispose(Object.values(rowCtx));
    logits.dispose();
  }
  return {
    tokens: tokens.map((row) => Int32Array.from(row)),
    logprobs: logprobs.map((row) => Float32Array.from(row)),
    stats: { prefillMs, decodeMs: performance.now() - t0 - prefillMs, steps },
  };
}
