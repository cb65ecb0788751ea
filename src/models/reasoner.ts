// The Reasoner: a prefix-LM vision-language decoder. Prefix = [vision tokens][prompt ids][BOS], attended
// bidirectionally; the T-CoT is decoded causally after it with a KV cache. Vision tokens are linear patches or
// the shared vision stem's cells (shipped: 96² images → 36 tokens of 16 px, clips 16 frames × 32² → 64) with a
// frame-index embedding so key frames can be pointed at; text inputs go in promptIds. The output head is tied to
// the token embedding, plus an optional pointer over the vision tokens (pointer.ts) and copy head (copy.ts).
// Config, presets and validation: reasoner-config.ts.
import * as tf from '@tensorflow/tfjs-core';
import { InputError } from './errors';
import {
  addBlockParams,
  attentionBias,
  expandRows,
  layerNorm,
  ParamStore,
  pickColumns,
  blockDimsOf,
  transformerBlock,
  type BlockDims,
  type LayerKV,
} from './layers';
import { addCopyParams, copyMix } from './copy';
import {
  addPointerParams,
  mapContext,
  pointerLogits,
  type CellGeometry,
  type PointerContext,
  type PointerHistory,
  type TokenGeometry,
} from './pointer';
import { embedPlan, PlanBuilder, type TokenPlan } from './plan';
import { clipFrame, imagePatches, sampleFrameIndices, type RgbaImage, type VisualInput } from './preprocess';
import { seededRng, type RandomSource } from './rng';
import { sampleToken } from './sampling';
import { defaultReasonerConfig, validateReasonerConfig, type ReasonerConfig } from './reasoner-config';
import { cellGeometry, pointerContextOf, tokenGeometry, visionTokenCount, type PrefixHidden } from './reasoner-pointer';
import { addVisionStem, stemInput } from './vision';

export {
  defaultReasonerConfig,
  REASONER_PRESETS,
  validateReasonerConfig,
  type ReasonerConfig,
} from './reasoner-config';

/** Segment type ids (rows of type_emb). */
export const ReasonSegment = { pad: 0, image: 1, clip: 2, prompt: 3, bos: 4, generated: 5 } as const;
const N_SEGMENTS = 6;

/** One input to condition on: an optional image or clip, and the prompt (instruction and/or input text). */
export interface ReasonerInput {
  visual?: VisualInput;
  promptIds: Int32Array;
}

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

export class Reasoner {
  readonly kind = 'reasoner' as const;
  readonly config: ReasonerConfig;
  readonly params: ParamStore;
  private readonly dims: BlockDims;
  private readonly patchDim: number;
  private readonly imageCells: number;
  private readonly viewTokens?: (plan: TokenPlan) => tf.Tensor2D;

  constructor(overrides: Partial<ReasonerConfig> = {}) {
    this.config = { ...defaultReasonerConfig(), ...overrides };
    validateReasonerConfig(this.config);
    const c = this.config;
    this.dims = blockDimsOf(c);
    this.patchDim = c.patch * c.patch * 3;
    this.imageCells = (c.imageSize / c.patch) ** 2;
    const std = 0.02;
    const store = new ParamStore(seededRng(c.seed));
    store.add('tok_emb', [c.vocabSize, c.dModel], { kind: 'normal', std }, 0);
    store.add('type_emb', [N_SEGMENTS, c.dModel], { kind: 'normal', std }, 0);
    store.add('pos_emb', [c.maxLen, c.dModel], { kind: 'normal', std }, 0);
    if (c.vision) this.viewTokens = addVisionStem(store, c.vision, c.patch, c.dModel);
    else store.add('patch_proj_w', [this.patchDim, c.dModel], { kind: 'normal', std });
    store.add(
      'patch_pos_emb',
      [1 + this.imageCells + (c.clipSize / c.patch) ** 2, c.dModel],
      { kind: 'normal', std },
      0,
    );
    store.add('frame_emb', [1 + c.clipFrames, c.dModel], { kind: 'normal', std }, 0);
    for (let layer = 0; layer < c.nLayers; layer++) addBlockParams(store, layer, this.dims);
    store.add('ln_f_g', [c.dModel], { kind: 'ones' });
    store.add('ln_f_b', [c.dModel], { kind: 'zeros' });
    if (c.pointer) addPointerParams(store, c.dModel, c.pointer, c.vision?.width8);
    if (c.copy) addCopyParams(store, c.dModel, c.copy);
    this.params = store;
  }

  /** Where each vision token of an input's prefix sits (same order as prefixPlan adds them). */
  geometryOf(input: ReasonerInput): TokenGeometry {
    return tokenGeometry(this.config, input);
  }

  /** Where each stem cell of an input sits (pointer source 'stem'): its view's cells in the order the stem emits them. */
  cellGeometryOf(input: ReasonerInput): CellGeometry {
    return cellGeometry(this.config, input);
  }

  private pointerFrom(h: PrefixHidden): PointerContext {
    return pointerContextOf(this.params, this.config, h);
  }

  /** Left-padded prefix plan, so every row's BOS sits at index P − 1. */
  prefixPlan(inputs: ReasonerInput[]): TokenPlan {
    const c = this.config;
    const builder = new PlanBuilder(this.patchDim);
    for (const input of inputs) {
      builder.startItem();
      if (input.visual?.kind === 'image') {
        this.addView(builder, input.visual, c.imageSize, ReasonSegment.image, 0, null);
      } else if (input.visual?.kind === 'clip') {
        const clip = input.visual;
        sampleFrameIndices(clip.frames.length, c.clipFrames).forEach((f, slot) => {
          this.addView(builder, clipFrame(clip, f), c.clipSize, ReasonSegment.clip, this.imageCells, slot);
        });
      }
      builder.text(this.checkIds(input.promptIds), ReasonSegment.prompt).text([c.bosId], ReasonSegment.bos);
    }
    return builder.build(true);
  }

  /** Tokens before the first generated one: vision tokens, the prompt and <bos>. */
  prefixLength(input: ReasonerInput): number {
    return this.visionTokens(input.visual) + input.promptIds.length + 1;
  }

  /** Vision tokens of the prefix for `visual`. */
  visionTokens(visual: VisualInput | undefined): number {
    return visionTokenCount(this.config, visual);
  }

  /** One image at size²: linear patches, or a view for the vision stem. */
  private addView(
    builder: PlanBuilder,
    image: RgbaImage,
    size: number,
    type: number,
    posOffset: number,
    frame: number | null,
  ): void {
    const patch = this.config.patch;
    if (this.config.vision) builder.view(stemInput(image, size), size, (size / patch) ** 2, type, posOffset, frame);
    else builder.patches(imagePatches(image, size, patch), type, posOffset, frame);
  }

  /** Plan of generated tokens following each row's prefix: row b's token t sits at position start[b] + t. */
  private suffixPlan(rows: Int32Array[], start: Int32Array, length: number): TokenPlan {
    const batch = rows.length;
    const n = batch * length;
    const plan: TokenPlan = {
      batch,
      length,
      lengths: new Int32Array(batch),
      tokenIds: new Int32Array(n),
      textMask: new Float32Array(n).fill(1),
      typeIds: new Int32Array(n).fill(ReasonSegment.generated),
      posIds: new Int32Array(n),
      keyValid: new Uint8Array(n),
    };
    rows.forEach((ids, b) => {
      plan.lengths[b] = Math.min(ids.length, length);
      for (let t = 0; t < length; t++) {
        const r = b * length + t;
        plan.tokenIds[r] = t < ids.length ? ids[t]! : this.config.padId;
        plan.posIds[r] = Math.min(start[b]! + t, this.config.maxLen - 1);
        plan.keyValid[r] = t < ids.length ? 1 : 0;
      }
    });
    return plan;
  }

  /** Run all blocks on x [B·T, d]; returns final hidden states and every layer's keys/values. */
  private runBlocks(
    x: tf.Tensor2D,
    batch: number,
    seqLen: number,
    mask: tf.Tensor,
    past?: LayerKV[],
  ): { hidden: tf.Tensor2D; kv: LayerKV[] } {
    const kv: LayerKV[] = [];
    let hidden = x;
    for (let layer = 0; layer < this.config.nLayers; layer++) {
      const block = transformerBlock(this.params, layer, this.dims, hidden, batch, seqLen, mask, past?.[layer]);
      hidden = block.out;
      kv.push(block.kv);
    }
    return { hidden, kv };
  }

  /**
   * Logits [B·T, V] = LN(h) · tok_embᵀ (tied head) for hidden [B·T, d]; with a pointer, plus its location and
   * frame terms from `ctx` (one entry per row b).
   */
  private head(hidden: tf.Tensor2D, ctx?: PointerContext, T = 1, history?: PointerHistory): tf.Tensor2D {
    const normed = layerNorm(hidden, this.params.get('ln_f_g'), this.params.get('ln_f_b'), this.config.lnEps);
    const base = tf.matMul(normed, this.params.get('tok_emb') as tf.Tensor2D, false, true) as tf.Tensor2D;
    if (!this.config.pointer || !ctx) return base;
    const normed3 = tf.reshape(normed, [hidden.shape[0] / T, T, this.config.dModel]) as tf.Tensor3D;
    const logits = pointerLogits(this.params, this.config.pointer, ctx, normed3, base, history);
    return this.config.copy && ctx.copy ? copyMix(this.params, this.config.copy, ctx.copy, normed3, logits) : logits;
  }

  /** Rows [start, start + count) of each item in a [B·L, d] tensor → [B·count, d]. */
  private rowsOf(hidden: tf.Tensor2D, batch: number, length: number, start: number, count: number): tf.Tensor2D {
    const d = this.config.dModel;
    const perItem = tf.reshape(hidden, [batch, length, d]); // [B, L, d]
    return tf.reshape(tf.slice(perItem, [0, start, 0], [batch, count, d]), [batch * count, d]); // [B, count, d] → [B·count, d]
  }

  /**
   * Hidden states of [prefix ; fed suffix] under the prefix-LM mask. prefixRows maps each row to its
   * input. Returns hidden [B·(P+T), d] with P, T.
   */
  private fullForward(
    inputs: ReasonerInput[],
    prefixRows: number[],
    fed: Int32Array[],
    suffixLen: number,
  ): { hidden: tf.Tensor2D; P: number; T: number; ctx?: PointerContext } {
    const prefix = this.prefixPlan(prefixRows.map((i) => inputs[i]!));
    const P = prefix.length;
    const B = prefixRows.length;
    const suffix = this.suffixPlan(fed, prefix.lengths, suffixLen);
    const T = suffixLen;
    if (P + T > this.config.maxLen) throw new InputError(`sequence of ${P + T} tokens > maxLen ${this.config.maxLen}`);
    const d = this.config.dModel;
    const prefixEmb = tf.reshape(embedPlan(this.params, prefix, this.patchDim, this.viewTokens), [B, P, d]); // [B, P, d]
    let x = prefixEmb as tf.Tensor;
    if (T > 0)
      x = tf.concat(
        [prefixEmb, tf.reshape(embedPlan(this.params, suffix, this.patchDim, this.viewTokens), [B, T, d])],
        1,
      ); // [B, P+T, d]
    const keyValid = new Uint8Array(B * (P + T));
    for (let b = 0; b < B; b++) {
      keyValid.set(prefix.keyValid.subarray(b * P, (b + 1) * P), b * (P + T));
      keyValid.set(suffix.keyValid.subarray(b * T, (b + 1) * T), b * (P + T) + P);
    }
    const mask = attentionBias(keyValid, B, P + T, P + T, P);
    const { hidden } = this.runBlocks(tf.reshape(x, [B * (P + T), d]) as tf.Tensor2D, B, P + T, mask); // [B·(P+T), d]
    const ctx = this.config.pointer
      ? this.pointerFrom({
          hidden,
          count: B,
          L: P + T,
          P,
          lengths: prefix.lengths,
          inputs: prefixRows.map((i) => inputs[i]!),
        })
      : undefined;
    return { hidden, P, T, ctx };
  }

  /**
   * Autoregressive generation of n rollouts for each input (batched: B = inputs·n rows). With the cache,
   * the prefix is encoded once per input and its keys/values are shared by that input's n rows.
   */
  async generate(inputs: ReasonerInput[], opts: GenerateOptions): Promise<GenerateResult> {
    const { n, maxNewTokens, rng, onToken } = opts;
    const sampling = { temperature: opts.temperature ?? 1, topK: opts.topK ?? 0, topP: opts.topP ?? 1 };
    const stopId = opts.stopId ?? -1;
    const useCache = opts.useCache ?? true;
    const V = this.config.vocabSize;
    if (inputs.length === 0 || n < 1) throw new InputError('generate: need at least one input and n ≥ 1');
    const rowInput = Array.from({ length: inputs.length * n }, (_, r) => Math.floor(r / n));
    const B = rowInput.length;
    const tokens: number[][] = rowInput.map(() => []);
    const logprobs: number[][] = rowInput.map(() => []);
    const done = new Uint8Array(B);
    const t0 = performance.now();

    // Prefill: the prefix of each distinct input once, then its rows share it.
    const prefix = this.prefixPlan(inputs);
    const P = prefix.length;
    if (P + maxNewTokens > this.config.maxLen)
      throw new InputError(`prefix ${P} + maxNewTokens ${maxNewTokens} > maxLen ${this.config.maxLen}`);
    const rowPrefixLen = Int32Array.from(rowInput, (i) => prefix.lengths[i]!);
    const rowKeyValid = (keys: number) => {
      const valid = new Uint8Array(B * keys).fill(1);
      rowInput.forEach((i, r) => valid.set(prefix.keyValid.subarray(i * P, (i + 1) * P), r * keys));
      return valid;
    };
    let cache: LayerKV[] = [];
    let rowCtx: PointerContext | undefined; // the pointer's view of each row's prefix (kept while decoding)
    let logits: tf.Tensor2D;
    if (useCache) {
      const prefill = tf.tidy(() => {
        const mask = attentionBias(prefix.keyValid, inputs.length, P, P, null);
        const { hidden, kv } = this.runBlocks(
          embedPlan(this.params, prefix, this.patchDim, this.viewTokens),
          inputs.length,
          P,
          mask,
        );
        const toRows = tf.tensor1d(rowInput, 'int32');
        const shared = kv.map((layer) => ({
          k: tf.gather(layer.k, toRows) as tf.Tensor4D,
          v: tf.gather(layer.v, toRows) as tf.Tensor4D,
        })); // [B, nh, P, hs]
        const ctx = this.config.pointer
          ? this.pointerFrom({ hidden, count: inputs.length, L: P, P, lengths: prefix.lengths, inputs })
          : undefined;
        const first = this.head(this.rowsOf(hidden, inputs.length, P, P - 1, 1), ctx, 1, {
          tokens: inputs.map(() => []),
          offsets: inputs.map(() => 0),
        });
        return {
          kv: shared,
          logits: tf.gather(first, toRows) as tf.Tensor2D,
          ctx: ctx && mapContext(ctx, (t) => tf.gather(t, toRows)),
        };
      });
      cache = prefill.kv;
      logits = prefill.logits;
      rowCtx = prefill.ctx;
    } else {
      logits = tf.tidy(() => {
        const { hidden, ctx } = this.fullForward(inputs, rowInput, [], 0);
        return this.head(this.rowsOf(hidden, B, P, P - 1, 1), ctx, 1, {
          tokens: tokens.map(() => []),
          offsets: tokens.map(() => 0),
        });
      });
    }
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
          const fed = stepTokens.map((id) => (id < 0 ? this.config.padId : id));
          const next = tf.tidy(() => {
            const plan = this.suffixPlan(
              Array.from(fed, (id) => Int32Array.of(id)),
              Int32Array.from(rowPrefixLen, (len) => len + step),
              1,
            );
            const mask = attentionBias(rowKeyValid(P + step + 1), B, P + step + 1, 1, null);
            const { hidden, kv } = this.runBlocks(
              embedPlan(this.params, plan, this.patchDim, this.viewTokens),
              B,
              1,
              mask,
              cache,
            );
            return { kv, logits: this.head(hidden, rowCtx, 1, { tokens, offsets: tokens.map((row) => row.length) }) };
          });
          tf.dispose(cache);
          cache = next.kv;
          logits = next.logits;
        } else {
          const fed = tokens.map((row) => Int32Array.from(row.slice(0, step + 1), (id) => id));
          logits = tf.tidy(() => {
            const { hidden, P: p, T, ctx } = this.fullForward(inputs, rowInput, fed, step + 1);
            return this.head(this.rowsOf(hidden, B, p + T, p + T - 1, 1), ctx, 1, {
              tokens,
              offsets: tokens.map((row) => row.length),
            });
          });
        }
        previous.dispose();
      }
    } finally {
      tf.dispose(cache);
      if (rowCtx) tf.dispose(Object.values(rowCtx));
      logits.dispose();
    }
    return {
      tokens: tokens.map((row) => Int32Array.from(row)),
      logprobs: logprobs.map((row) => Float32Array.from(row)),
      stats: { prefillMs, decodeMs: performance.now() - t0 - prefillMs, steps },
    };
  }

  /**
   * Teacher-forced log-probs of `sequences` (row b conditioned on inputs[floor(b / groupSize)]),
   * differentiable: returns logprobs [B, T] (0 past each sequence's end) and mask [B, T] (1 = real token),
   * T = longest sequence. log p(seq[t]) uses softmax(logits / temperature), as generate() reports it.
   *
   * The prefix (vision + prompt + BOS) attends only to itself, so it is encoded once per *input* and its
   * keys/values are shared by that input's rows (GRPO: n rollouts per input), exactly as in generate();
   * only the T − 1 fed tokens run per row. Gradients from all rows sum into the shared prefix.
   */
  logprobs(
    inputs: ReasonerInput[],
    sequences: Int32Array[],
    opts: { groupSize?: number; temperature?: number } = {},
  ): { logprobs: tf.Tensor2D; mask: tf.Tensor2D } {
    const groupSize = opts.groupSize ?? Math.max(1, Math.round(sequences.length / inputs.length));
    const temperature = opts.temperature && opts.temperature > 0 ? opts.temperature : 1;
    const B = sequences.length;
    const T = Math.max(1, ...sequences.map((s) => s.length));
    sequences.forEach((s) => this.checkIds(s));
    const targets = new Int32Array(B * T);
    const maskData = new Float32Array(B * T);
    sequences.forEach((s, b) => {
      targets.set(s, b * T);
      maskData.fill(1, b * T, b * T + s.length);
    });
    const rowInput = sequences.map((_, b) => Math.min(inputs.length - 1, Math.floor(b / groupSize)));
    const prefix = this.prefixPlan(inputs);
    const P = prefix.length;
    if (P + T - 1 > this.config.maxLen)
      throw new InputError(`sequence of ${P + T - 1} tokens > maxLen ${this.config.maxLen}`);
    return tf.tidy(() => {
      const d = this.config.dModel;
      const I = inputs.length;
      const prefixMask = attentionBias(prefix.keyValid, I, P, P, null);
      const encoded = this.runBlocks(embedPlan(this.params, prefix, this.patchDim, this.viewTokens), I, P, prefixMask); // [I·P, d]
      const toRows = (x: tf.Tensor) => expandRows(x, rowInput, I);
      const bosHidden = toRows(this.rowsOf(encoded.hidden, I, P, P - 1, 1)) as tf.Tensor2D; // [B, d]: predicts token 0
      let hidden: tf.Tensor2D = bosHidden;
      if (T > 1) {
        const fed = sequences.map((s) => s.subarray(0, Math.max(0, Math.min(s.length, T - 1))));
        const suffix = this.suffixPlan(
          fed,
          Int32Array.from(rowInput, (i) => prefix.lengths[i]!),
          T - 1,
        );
        const keyValid = new Uint8Array(B * (P + T - 1));
        rowInput.forEach((i, b) => {
          keyValid.set(prefix.keyValid.subarray(i * P, (i + 1) * P), b * (P + T - 1));
          keyValid.set(suffix.keyValid.subarray(b * (T - 1), (b + 1) * (T - 1)), b * (P + T - 1) + P);
        });
        const mask = attentionBias(keyValid, B, P + T - 1, T - 1, P, P);
        const past = encoded.kv.map((layer) => ({
          k: toRows(layer.k) as tf.Tensor4D,
          v: toRows(layer.v) as tf.Tensor4D,
        })); // [B, nh, P, hs]
        const fedHidden = this.runBlocks(
          embedPlan(this.params, suffix, this.patchDim, this.viewTokens),
          B,
          T - 1,
          mask,
          past,
        ).hidden; // [B·(T−1), d]
        hidden = tf.reshape(tf.concat([tf.reshape(bosHidden, [B, 1, d]), tf.reshape(fedHidden, [B, T - 1, d])], 1), [
          B * T,
          d,
        ]) as tf.Tensor2D; // [B, T, d] → [B·T, d]
      }
      const ctx = this.config.pointer
        ? mapContext(
            this.pointerFrom({ hidden: encoded.hidden, count: I, L: P, P, lengths: prefix.lengths, inputs }),
            toRows,
          )
        : undefined;
      const logp = tf.logSoftmax(
        tf.div(this.head(hidden, ctx, T, { tokens: sequences, offsets: sequences.map(() => 0) }), temperature),
      ) as tf.Tensor2D; // [B·T, V]
      const picked = pickColumns(logp, targets); // [B·T]
      const mask = tf.tensor2d(maskData, [B, T]);
      return { logprobs: tf.mul(tf.reshape(picked, [B, T]), mask) as tf.Tensor2D, mask }; // [B·T] → [B, T]
    });
  }

  /** No-grad logprobs(): one Float32Array per sequence (its own length). */
  async logprobsData(
    inputs: ReasonerInput[],
    sequences: Int32Array[],
    opts: { groupSize?: number; temperature?: number } = {},
  ): Promise<Float32Array[]> {
    const { logprobs, mask } = this.logprobs(inputs, sequences, opts);
    const flat = (await logprobs.data()) as Float32Array;
    const T = logprobs.shape[1];
    tf.dispose([logprobs, mask]);
    return sequences.map((s, b) => flat.slice(b * T, b * T + s.length));
  }

  private checkIds(ids: Int32Array): Int32Array {
    for (let i = 0; i < ids.length; i++) {
      if (ids[i]! < 0 || ids[i]! >= this.config.vocabSize)
        throw new InputError(`token id ${ids[i]} outside vocab [0, ${this.config.vocabSize})`);
    }
    return ids;
  }

  dispose(): void {
    this.params.dispose();
  }
}
