// The Reasoner: a prefix-LM vision-language decoder. Prefix = [vision tokens][prompt ids][BOS], attended
// bidirectionally; the T-CoT is decoded causally after it with a KV cache. Vision tokens are linear patches or
// the shared vision stem's cells (shipped: 96² images → 36 tokens of 16 px, clips 16 frames × 32² → 64) with a
// frame-index embedding so key frames can be pointed at; text inputs go in promptIds. The output head is tied to
// the token embedding, plus an optional pointer over the vision tokens (pointer.ts) and copy head (copy.ts).
// Config, presets and validation: reasoner-config.ts.
import * as tf from '@tensorflow/tfjs-core';
import { InputError } from './errors';
import {
  addTrunkParams,
  attentionBias,
  dense,
  expandRows,
  repeatRows,
  layerNorm,
  ParamStore,
  pickColumns,
  blockDimsOf,
  transformerBlock,
  type BlockDims,
  type LayerKV,
} from './layers';
import { addHeadParams, disposeHeadMaps, headLogits, type HeadMaps } from './reasoner-head';
import { mapContext, type CellGeometry, type PointerContext, type PointerHistory, type TokenGeometry } from './pointer';
import { addPlanParams, embedPlan, patchDimOf, type TokenPlan } from './plan';
import type { VisualInput } from './preprocess';
import { checkIds, N_SEGMENTS, prefixPlan, rowKeyValid, suffixPlan, type ReasonerInput } from './reasoner-plan';
import { seededRng } from './rng';
import { generate, type GenerateOptions, type GenerateResult } from './reasoner-generate';
import { defaultReasonerConfig, validateReasonerConfig, type ReasonerConfig } from './reasoner-config';
import { addMotionParams, withTokenMotion } from './motion';
import { withStemMemo } from './vision';
import { cellGeometry, pointerContextOf, tokenGeometry, visionTokenCount, type PrefixHidden } from './reasoner-pointer';

export {
  defaultReasonerConfig,
  REASONER_PRESETS,
  validateReasonerConfig,
  type ReasonerConfig,
} from './reasoner-config';

export { ReasonSegment, type ReasonerInput } from './reasoner-plan';

export type { GenerateOptions, GenerateResult, TokenEvent } from './reasoner-generate';

/** One forward pass's tidy scope, with the stem's results kept for the pass (each view is read twice). */
const tidyPass = <T extends tf.TensorContainer>(pass: () => T): T => tf.tidy(() => withStemMemo(pass));

export class Reasoner {
  readonly kind = 'reasoner' as const;
  readonly config: ReasonerConfig;
  readonly params: ParamStore;
  private readonly dims: BlockDims;
  private readonly imageCells: number;
  private readonly viewTokens?: (plan: TokenPlan) => tf.Tensor2D; // the stem's token features (with their motion term, when on)
  private readonly maps: HeadMaps; // the reading heads' word maps (reasoner-head.ts)

  constructor(overrides: Partial<ReasonerConfig> = {}) {
    this.config = { ...defaultReasonerConfig(), ...overrides };
    validateReasonerConfig(this.config);
    const c = this.config;
    this.dims = blockDimsOf(c);
    this.imageCells = (c.imageSize / c.patch) ** 2;
    const store = new ParamStore(seededRng(c.seed));
    this.viewTokens = addPlanParams(store, c, {
      segments: N_SEGMENTS,
      patchPositions: 1 + this.imageCells + (c.clipSize / c.patch) ** 2,
      frames: 1 + c.clipFrames,
    });
    addTrunkParams(store, c.nLayers, this.dims);
    this.maps = addHeadParams(store, c);
    if (c.motion) {
      addMotionParams(store, c.dModel, c.vision!.width8, c.pointer?.source === 'stem' ? c.pointer.dk : null);
      const stem = this.viewTokens!;
      const perFrame = (c.clipSize / c.patch) ** 2;
      this.viewTokens = (plan) => withTokenMotion(store, plan, stem(plan), perFrame);
    }
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

  /** Left-padded prefix plan, so every row's BOS sits at index P − 1 (reasoner-plan.ts). */
  prefixPlan(inputs: ReasonerInput[]): TokenPlan {
    return prefixPlan(this.config, inputs);
  }

  /** Tokens before the first generated one: vision tokens, the prompt and <bos>. */
  prefixLength(input: ReasonerInput): number {
    return this.visionTokens(input.visual) + input.promptIds.length + 1;
  }

  /** Vision tokens of the prefix for `visual`. */
  visionTokens(visual: VisualInput | undefined): number {
    return visionTokenCount(this.config, visual);
  }

  private suffixPlan(rows: Int32Array[], start: Int32Array, length: number): TokenPlan {
    return suffixPlan(this.config, rows, start, length);
  }

  private embed(plan: TokenPlan): tf.Tensor2D {
    return embedPlan(this.params, plan, patchDimOf(this.config.patch), this.viewTokens);
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
  private head(hidden: tf.Tensor2D, pctx?: PointerContext, T = 1, history?: PointerHistory): tf.Tensor2D {
    const normed = layerNorm(hidden, this.params.get('ln_f_g'), this.params.get('ln_f_b'), this.config.lnEps);
    // tok_emb transposed explicitly: a 2-D matMul with a transpose flag takes WASM's slow path (dense() says why).
    const base = dense(normed, tf.transpose(this.params.get('tok_emb')));
    if (!this.config.pointer || !pctx) return base;
    return headLogits(this.params, this.config, this.maps, normed, base, pctx, T, history);
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
    const prefixEmb = tf.reshape(this.embed(prefix), [B, P, d]); // [B, P, d]
    let x = prefixEmb as tf.Tensor;
    if (T > 0) x = tf.concat([prefixEmb, tf.reshape(this.embed(suffix), [B, T, d])], 1); // [B, P+T, d]
    const keyValid = rowKeyValid(
      prefix,
      Int32Array.from(prefixRows, (_, b) => b),
      P + T,
      suffix,
    );
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

  /** n rollouts per input, sampled token by token with a KV cache (reasoner-generate.ts). */
  generate(inputs: ReasonerInput[], opts: GenerateOptions): Promise<GenerateResult> {
    return generate(this, inputs, opts);
  }

  /**
   * For generate(): each input's prefix encoded once, its keys/values, pointer context and first logits gathered
   * to the rows (row r reads input rowInput[r]).
   */
  prefill(
    inputs: ReasonerInput[],
    rowInput: number[],
    prefix: TokenPlan,
  ): { kv: LayerKV[]; logits: tf.Tensor2D; ctx?: PointerContext } {
    const P = prefix.length;
    return tidyPass(() => {
      const mask = attentionBias(prefix.keyValid, inputs.length, P, P, null);
      const { hidden, kv } = this.runBlocks(this.embed(prefix), inputs.length, P, mask);
      const toRows = (t: tf.Tensor) => repeatRows(t, rowInput, inputs.length);
      const shared = kv.map((layer) => ({
        k: toRows(layer.k) as tf.Tensor4D,
        v: toRows(layer.v) as tf.Tensor4D,
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
        logits: toRows(first) as tf.Tensor2D,
        ctx: ctx && mapContext(ctx, toRows),
      };
    });
  }

  /** For generate(): one cached step — each row's token `fed` at `positions`, attending to its valid keys. */
  decodeStep(
    fed: Int32Array,
    positions: Int32Array,
    keyValid: Uint8Array,
    cache: LayerKV[],
    ctx: PointerContext | undefined,
    history: PointerHistory,
  ): { kv: LayerKV[]; logits: tf.Tensor2D } {
    const B = fed.length;
    return tidyPass(() => {
      const plan = this.suffixPlan(
        Array.from(fed, (id) => Int32Array.of(id)),
        positions,
        1,
      );
      const mask = attentionBias(keyValid, B, keyValid.length / B, 1, null);
      const { hidden, kv } = this.runBlocks(this.embed(plan), B, 1, mask, cache);
      return { kv, logits: this.head(hidden, ctx, 1, history) };
    });
  }

  /** For generate() without a cache: the next token's logits after `fed`, the whole sequence recomputed. */
  recomputeStep(
    inputs: ReasonerInput[],
    rowInput: number[],
    fed: Int32Array[],
    suffixLen: number,
    history: PointerHistory,
  ): tf.Tensor2D {
    return tidyPass(() => {
      const { hidden, P, T, ctx } = this.fullForward(inputs, rowInput, fed, suffixLen);
      return this.head(this.rowsOf(hidden, rowInput.length, P + T, P + T - 1, 1), ctx, 1, history);
    });
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
    sequences.forEach((s) => checkIds(this.config, s));
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
    return tidyPass(() => {
      const d = this.config.dModel;
      const I = inputs.length;
      const prefixMask = attentionBias(prefix.keyValid, I, P, P, null);
      const encoded = this.runBlocks(this.embed(prefix), I, P, prefixMask); // [I·P, d]
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
        const keyValid = rowKeyValid(prefix, rowInput, P + T - 1, suffix);
        const mask = attentionBias(keyValid, B, P + T - 1, T - 1, P, P);
        const past = encoded.kv.map((layer) => ({
          k: toRows(layer.k) as tf.Tensor4D,
          v: toRows(layer.v) as tf.Tensor4D,
        })); // [B, nh, P, hs]
        const fedHidden = this.runBlocks(this.embed(suffix), B, T - 1, mask, past).hidden; // [B·(T−1), d]
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

  dispose(): void {
    this.params.dispose();
    disposeHeadMaps(this.maps);
  }
}
