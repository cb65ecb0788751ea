// The Reasoner: a prefix-LM vision-language decoder. Prefix = [vision tokens][prompt ids][BOS], attended
// bidirectionally; the T-CoT is decoded causally after it with a KV cache. Image: 96×96 → 12×12 patches of
// 8 px (144 tokens, fine enough to localise 10–16 px objects). Clip: 16 frames at 24×24 → 3×3 patches each
// (144 tokens) with a frame-index embedding so key frames can be pointed at. Text inputs go in promptIds.
// The output head is tied to the token embedding.
import * as tf from '@tensorflow/tfjs-core';
import { checkInt, checkThat, checkTransformerConfig, InputError } from './errors';
import { addBlockParams, attentionBias, embedLookup, embedPlan, expandRows, layerNorm, ParamStore, pickColumns, PlanBuilder, transformerBlock, type BlockDims, type LayerKV, type TokenPlan } from './layers';
import { addCopyParams, copyContext, copyMix, copyPositions, validateCopyConfig, type CopyConfig } from './copy';
import { addPointerParams, mapContext, pointerContext, pointerLogits, stemPointerContext, validatePointerConfig, type CellGeometry, type PointerConfig, type PointerContext, type PointerHistory, type TokenGeometry } from './pointer';
import { clipFrame, imagePatches, sampleFrameIndices, type RgbaImage, type VisualInput } from './preprocess';
import { seededRng, type Rng } from './rng';
import { sampleToken } from './sampling';
import { addVisionStem, CELL_PX, checkVisionPatch, STEM_IN, stemInput, visionForward, type VisionConfig } from './vision';

export interface ReasonerConfig {
  vocabSize: number; // 1024 — word + T-CoT token vocabulary (tags, location bins, frame tokens, specials)
  dModel: number; // 192
  nLayers: number; // 4
  nHeads: number; // 6 (head size 32)
  mlpRatio: number; // 4
  maxLen: number; // 320 — prefix (≤ 144 vision + prompt + BOS) plus generated tokens
  patch: number; // 8
  imageSize: number; // 96 — images are resized to imageSize² (144 tokens)
  clipFrames: number; // 16 — frames a clip is sampled to (frame-index rows)
  clipSize: number; // 24 — clip frames are resized to clipSize² (9 tokens each)
  bosId: number; // 1 — ends the prefix; the first T-CoT token is predicted from it
  padId: number; // 0 — fed for finished rows and padding (always masked or ignored)
  lnEps: number; // 1e-5
  seed: number; // 2 — weight init
  vision: VisionConfig | null; // null — linear patches; a config — the shared pre-trained vision stem (patch = 8·merge px per token)
  pointer: PointerConfig | null; // null — location / frame tokens from the tied head alone; a config — plus a pointer over the vision tokens (pointer.ts)
  copy?: CopyConfig | null; // absent / null — no copying; a config — tokens may be copied from the input's text (copy.ts; needs a pointer)
}

export function defaultReasonerConfig(): ReasonerConfig {
  return { vocabSize: 1024, dModel: 192, nLayers: 4, nHeads: 6, mlpRatio: 4, maxLen: 320, patch: 8, imageSize: 96, clipFrames: 16, clipSize: 24, bosId: 1, padId: 0, lnEps: 1e-5, seed: 2, vision: null, pointer: null };
}

/** Override objects on top of defaultReasonerConfig(). `tiny` is for tests and browser smoke runs; `tinyVision` reads a tiny vision stem, `tinyPointer` also points. */
export const REASONER_PRESETS: Record<'default' | 'tiny' | 'tinyVision' | 'tinyPointer' | 'tinyStemPointer', Partial<ReasonerConfig>> = {
  default: {},
  tiny: { vocabSize: 64, dModel: 32, nLayers: 2, nHeads: 2, mlpRatio: 2, maxLen: 96, imageSize: 32, clipFrames: 4, clipSize: 16 },
  tinyVision: { vocabSize: 64, dModel: 32, nLayers: 2, nHeads: 2, mlpRatio: 2, maxLen: 96, patch: 16, imageSize: 32, clipFrames: 4, clipSize: 16, vision: { width4: 8, width8: 16, convs8: 1 } },
  tinyPointer: { vocabSize: 64, dModel: 32, nLayers: 2, nHeads: 2, mlpRatio: 2, maxLen: 96, patch: 16, imageSize: 32, clipFrames: 4, clipSize: 16, vision: { width4: 8, width8: 16, convs8: 1 }, pointer: { locStart: 10, locBins: 11, frameStart: 21, frames: 16, dk: 8, sigma: 60 } },
  tinyStemPointer: { vocabSize: 64, dModel: 32, nLayers: 2, nHeads: 2, mlpRatio: 2, maxLen: 96, patch: 16, imageSize: 32, clipFrames: 4, clipSize: 16, vision: { width4: 8, width8: 16, convs8: 1 }, pointer: { locStart: 10, locBins: 11, frameStart: 21, frames: 16, dk: 8, sigma: 60, source: 'stem', stemHead: { out: 13, slots: 2, slotOut: 6 }, boxPrior: true } },
};

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
  rng: Rng;
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

export function validateReasonerConfig(config: ReasonerConfig): void {
  checkTransformerConfig(config);
  checkInt(config, 'imageSize', config.patch, 512);
  checkThat(config.imageSize % config.patch === 0, 'imageSize', `must be a multiple of patch ${config.patch}`);
  checkInt(config, 'clipSize', config.patch, 512);
  checkThat(config.clipSize % config.patch === 0, 'clipSize', `must be a multiple of patch ${config.patch}`);
  checkInt(config, 'clipFrames', 1, 256);
  checkInt(config, 'bosId', 0, config.vocabSize - 1);
  checkInt(config, 'padId', 0, config.vocabSize - 1);
  checkVisionPatch(config.vision, config.patch);
  if (config.pointer !== null) {
    validatePointerConfig(config.pointer, config.vocabSize);
    checkThat(config.pointer.source !== 'stem' || config.vision !== null, 'pointer.source', "'stem' needs a vision stem");
  }
  if (config.copy) {
    checkThat(config.pointer !== null, 'copy', 'the copy head reads the pointer context: it needs a pointer');
    validateCopyConfig(config.copy, config.vocabSize);
  }
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
    this.dims = { dModel: c.dModel, nHeads: c.nHeads, mlpRatio: c.mlpRatio, lnEps: c.lnEps, nLayers: c.nLayers };
    this.patchDim = c.patch * c.patch * 3;
    this.imageCells = (c.imageSize / c.patch) ** 2;
    const std = 0.02;
    const store = new ParamStore(seededRng(c.seed));
    store.add('tok_emb', [c.vocabSize, c.dModel], { kind: 'normal', std }, 0);
    store.add('type_emb', [N_SEGMENTS, c.dModel], { kind: 'normal', std }, 0);
    store.add('pos_emb', [c.maxLen, c.dModel], { kind: 'normal', std }, 0);
    if (c.vision) this.viewTokens = addVisionStem(store, c.vision, c.patch, c.dModel);
    else store.add('patch_proj_w', [this.patchDim, c.dModel], { kind: 'normal', std });
    store.add('patch_pos_emb', [1 + this.imageCells + (c.clipSize / c.patch) ** 2, c.dModel], { kind: 'normal', std }, 0);
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
    const c = this.config;
    const g: TokenGeometry = { cx: [], cy: [], span: [], frame: [] };
    const grid = (size: number, frame: number) => {
      const n = size / c.patch;
      for (let t = 0; t < n * n; t++) {
        g.cx.push((((t % n) + 0.5) / n) * 1000);
        g.cy.push(((Math.floor(t / n) + 0.5) / n) * 1000);
        g.span.push(1000 / n);
        g.frame.push(frame);
      }
    };
    if (input.visual?.kind === 'image') grid(c.imageSize, -1);
    else if (input.visual?.kind === 'clip') for (const f of sampleFrameIndices(input.visual.frames.length, c.clipFrames)) grid(c.clipSize, f);
    return g;
  }

  /** Where each stem cell of an input sits (pointer source 'stem'): its view's cells in the order the stem emits them. */
  cellGeometryOf(input: ReasonerInput): CellGeometry {
    const c = this.config;
    const g: CellGeometry = { left: [], top: [], span: [], frame: [], token: [] };
    const merge = c.patch / CELL_PX;
    const grid = (size: number, frame: number, firstToken: number) => {
      const n = size / CELL_PX;
      const perRow = size / c.patch;
      for (let k = 0; k < n * n; k++) {
        const gx = k % n;
        const gy = Math.floor(k / n);
        g.left.push((gx / n) * 1000);
        g.top.push((gy / n) * 1000);
        g.span.push(1000 / n);
        g.frame.push(frame);
        g.token.push(firstToken + Math.floor(gy / merge) * perRow + Math.floor(gx / merge));
      }
    };
    if (input.visual?.kind === 'image') grid(c.imageSize, -1, 0);
    else if (input.visual?.kind === 'clip') {
      const perFrame = (c.clipSize / c.patch) ** 2;
      sampleFrameIndices(input.visual.frames.length, c.clipFrames).forEach((f, slot) => grid(c.clipSize, f, slot * perFrame));
    }
    return g;
  }

  /** The stem's cell features of each input's views, [count, C, width8] with C the most cells of any input (zeros pad). */
  private stemCells(inputs: ReasonerInput[], C: number): tf.Tensor3D {
    const c = this.config;
    const vision = c.vision!;
    const views: { input: number; first: number; size: number; stem: Float32Array }[] = [];
    inputs.forEach((input, i) => {
      if (input.visual?.kind === 'image') views.push({ input: i, first: 0, size: c.imageSize, stem: stemInput(input.visual, c.imageSize) });
      else if (input.visual?.kind === 'clip') {
        const clip = input.visual;
        const perFrame = (c.clipSize / CELL_PX) ** 2;
        sampleFrameIndices(clip.frames.length, c.clipFrames).forEach((f, slot) => views.push({ input: i, first: slot * perFrame, size: c.clipSize, stem: stemInput(clipFrame(clip, f), c.clipSize) }));
      }
    });
    const rowSource = new Int32Array(inputs.length * C); // 0 = the zero row
    const groups: tf.Tensor2D[] = [];
    let total = 0;
    for (const size of [...new Set(views.map((v) => v.size))]) {
      const members = views.filter((v) => v.size === size);
      const perView = (size / CELL_PX) ** 2;
      const input = new Float32Array(members.length * members[0]!.stem.length);
      members.forEach((m, k) => input.set(m.stem, k * m.stem.length));
      const cells = visionForward(this.params, vision, tf.tensor2d(input, [input.length / STEM_IN, STEM_IN]), members.length, size); // [n, g, g, C]
      members.forEach((m, k) => {
        for (let t = 0; t < perView; t++) rowSource[m.input * C + m.first + t] = total + k * perView + t + 1;
      });
      total += members.length * perView;
      groups.push(tf.reshape(cells, [members.length * perView, vision.width8]) as tf.Tensor2D);
    }
    const table = tf.concat([tf.zeros([1, vision.width8]), ...groups], 0);
    return tf.reshape(embedLookup(table, rowSource), [inputs.length, C, vision.width8]) as tf.Tensor3D;
  }

  /**
   * The pointer context of `count` sequences whose hidden states [count·L, d] start with a left-padded prefix
   * (prefix lengths `lengths`, padded to P): vision tokens are the first rows of each prefix.
   */
  private pointerFrom(hidden: tf.Tensor2D, count: number, L: number, P: number, lengths: Int32Array, inputs: ReasonerInput[]): PointerContext {
    const ctx = this.visionPointerFrom(hidden, count, L, P, lengths, inputs);
    const copy = this.config.copy;
    if (!copy) return ctx;
    // The copy head's keys: the final-normed hidden states of each input's text tokens (prompt after <sep>).
    const rowOf = (b: number, token: number) => b * L + (P - lengths[b]!) + token;
    const texts = inputs.map((x) => copyPositions(x.promptIds, copy.sepId));
    const N = Math.max(1, ...texts.map((t) => t.length));
    const rows = new Int32Array(count * N);
    texts.forEach((t, b) => {
      const first = this.visionTokens(inputs[b]!.visual);
      t.forEach((i, n) => (rows[b * N + n] = rowOf(b, first + i)));
    });
    const picked = layerNorm(embedLookup(hidden, rows), this.params.get('ln_f_g'), this.params.get('ln_f_b'), this.config.lnEps);
    const ids = texts.map((t, b) => t.map((i) => inputs[b]!.promptIds[i]!));
    return { ...ctx, copy: copyContext(this.params, this.config.vocabSize, picked, ids, N) };
  }

  private visionPointerFrom(hidden: tf.Tensor2D, count: number, L: number, P: number, lengths: Int32Array, inputs: ReasonerInput[]): PointerContext {
    const pointer = this.config.pointer!;
    const rowOf = (b: number, token: number) => b * L + (P - lengths[b]!) + token;
    if (pointer.source === 'stem') {
      const geometry = inputs.map((x) => this.cellGeometryOf(x));
      const C = Math.max(1, ...geometry.map((g) => g.left.length));
      const rows = new Int32Array(count * C);
      geometry.forEach((g, b) => g.token.forEach((token, k) => (rows[b * C + k] = rowOf(b, token))));
      const tokens = tf.reshape(embedLookup(hidden, rows), [count, C, this.config.dModel]) as tf.Tensor3D; // [count·C, d] → [count, C, d]
      return stemPointerContext(this.params, pointer, this.stemCells(inputs, C), tokens, geometry, this.config.lnEps);
    }
    const geometry = inputs.map((x) => this.geometryOf(x));
    const N = Math.max(1, ...geometry.map((g) => g.cx.length));
    const rows = new Int32Array(count * N);
    geometry.forEach((g, b) => g.cx.forEach((_, t) => (rows[b * N + t] = rowOf(b, t))));
    const vision = tf.reshape(embedLookup(hidden, rows), [count, N, this.config.dModel]) as tf.Tensor3D; // [count·N, d] → [count, N, d]
    return pointerContext(this.params, pointer, vision, geometry, this.config.lnEps);
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
    const c = this.config;
    if (!visual) return 0;
    return visual.kind === 'image' ? (c.imageSize / c.patch) ** 2 : c.clipFrames * (c.clipSize / c.patch) ** 2;
  }

  /** One image at size²: linear patches, or a view for the vision stem. */
  private addView(builder: PlanBuilder, image: RgbaImage, size: number, type: number, posOffset: number, frame: number | null): void {
    const patch = this.config.patch;
    if (this.config.vision) builder.view(stemInput(image, size), size, (size / patch) ** 2, type, posOffset, frame);
    else builder.patches(imagePatches(image, size, patch), type, posOffset, frame);
  }

  /** Plan of generated tokens following each row's prefix: row b's token t sits at position start[b] + t. */
  private suffixPlan(rows: Int32Array[], start: Int32Array, length: number): TokenPlan {
    const batch = rows.length;
    const n = batch * length;
    const plan: TokenPlan = { batch, length, lengths: new Int32Array(batch), tokenIds: new Int32Array(n), textMask: new Float32Array(n).fill(1), typeIds: new Int32Array(n).fill(ReasonSegment.generated), posIds: new Int32Array(n), keyValid: new Uint8Array(n) };
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
  private runBlocks(x: tf.Tensor2D, batch: number, seqLen: number, mask: tf.Tensor, past?: LayerKV[]): { hidden: tf.Tensor2D; kv: LayerKV[] } {
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
  private fullForward(inputs: ReasonerInput[], prefixRows: number[], fed: Int32Array[], suffixLen: number): { hidden: tf.Tensor2D; P: number; T: number; ctx?: PointerContext } {
    const prefix = this.prefixPlan(prefixRows.map((i) => inputs[i]!));
    const P = prefix.length;
    const B = prefixRows.length;
    const suffix = this.suffixPlan(fed, prefix.lengths, suffixLen);
    const T = suffixLen;
    if (P + T > this.config.maxLen) throw new InputError(`sequence of ${P + T} tokens > maxLen ${this.config.maxLen}`);
    const d = this.config.dModel;
    const prefixEmb = tf.reshape(embedPlan(this.params, prefix, this.patchDim, this.viewTokens), [B, P, d]); // [B, P, d]
    let x = prefixEmb as tf.Tensor;
    if (T > 0) x = tf.concat([prefixEmb, tf.reshape(embedPlan(this.params, suffix, this.patchDim, this.viewTokens), [B, T, d])], 1); // [B, P+T, d]
    const keyValid = new Uint8Array(B * (P + T));
    for (let b = 0; b < B; b++) {
      keyValid.set(prefix.keyValid.subarray(b * P, (b + 1) * P), b * (P + T));
      keyValid.set(suffix.keyValid.subarray(b * T, (b + 1) * T), b * (P + T) + P);
    }
    const mask = attentionBias(keyValid, B, P + T, P + T, P);
    const { hidden } = this.runBlocks(tf.reshape(x, [B * (P + T), d]) as tf.Tensor2D, B, P + T, mask); // [B·(P+T), d]
    const ctx = this.config.pointer ? this.pointerFrom(hidden, B, P + T, P, prefix.lengths, prefixRows.map((i) => inputs[i]!)) : undefined;
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
    if (P + maxNewTokens > this.config.maxLen) throw new InputError(`prefix ${P} + maxNewTokens ${maxNewTokens} > maxLen ${this.config.maxLen}`);
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
        const { hidden, kv } = this.runBlocks(embedPlan(this.params, prefix, this.patchDim, this.viewTokens), inputs.length, P, mask);
        const toRows = tf.tensor1d(rowInput, 'int32');
        const shared = kv.map((layer) => ({ k: tf.gather(layer.k, toRows) as tf.Tensor4D, v: tf.gather(layer.v, toRows) as tf.Tensor4D })); // [B, nh, P, hs]
        const ctx = this.config.pointer ? this.pointerFrom(hidden, inputs.length, P, P, prefix.lengths, inputs) : undefined;
        const first = this.head(this.rowsOf(hidden, inputs.length, P, P - 1, 1), ctx, 1, { tokens: inputs.map(() => []), offsets: inputs.map(() => 0) });
        return { kv: shared, logits: tf.gather(first, toRows) as tf.Tensor2D, ctx: ctx && mapContext(ctx, (t) => tf.gather(t, toRows)) };
      });
      cache = prefill.kv;
      logits = prefill.logits;
      rowCtx = prefill.ctx;
    } else {
      logits = tf.tidy(() => {
        const { hidden, ctx } = this.fullForward(inputs, rowInput, [], 0);
        return this.head(this.rowsOf(hidden, B, P, P - 1, 1), ctx, 1, { tokens: tokens.map(() => []), offsets: tokens.map(() => 0) });
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
            const plan = this.suffixPlan(Array.from(fed, (id) => Int32Array.of(id)), Int32Array.from(rowPrefixLen, (len) => len + step), 1);
            const mask = attentionBias(rowKeyValid(P + step + 1), B, P + step + 1, 1, null);
            const { hidden, kv } = this.runBlocks(embedPlan(this.params, plan, this.patchDim, this.viewTokens), B, 1, mask, cache);
            return { kv, logits: this.head(hidden, rowCtx, 1, { tokens, offsets: tokens.map((row) => row.length) }) };
          });
          tf.dispose(cache);
          cache = next.kv;
          logits = next.logits;
        } else {
          const fed = tokens.map((row) => Int32Array.from(row.slice(0, step + 1), (id) => id));
          logits = tf.tidy(() => {
            const { hidden, P: p, T, ctx } = this.fullForward(inputs, rowInput, fed, step + 1);
            return this.head(this.rowsOf(hidden, B, p + T, p + T - 1, 1), ctx, 1, { tokens, offsets: tokens.map((row) => row.length) });
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
  logprobs(inputs: ReasonerInput[], sequences: Int32Array[], opts: { groupSize?: number; temperature?: number } = {}): { logprobs: tf.Tensor2D; mask: tf.Tensor2D } {
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
    if (P + T - 1 > this.config.maxLen) throw new InputError(`sequence of ${P + T - 1} tokens > maxLen ${this.config.maxLen}`);
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
        const suffix = this.suffixPlan(fed, Int32Array.from(rowInput, (i) => prefix.lengths[i]!), T - 1);
        const keyValid = new Uint8Array(B * (P + T - 1));
        rowInput.forEach((i, b) => {
          keyValid.set(prefix.keyValid.subarray(i * P, (i + 1) * P), b * (P + T - 1));
          keyValid.set(suffix.keyValid.subarray(b * (T - 1), (b + 1) * (T - 1)), b * (P + T - 1) + P);
        });
        const mask = attentionBias(keyValid, B, P + T - 1, T - 1, P, P);
        const past = encoded.kv.map((layer) => ({ k: toRows(layer.k) as tf.Tensor4D, v: toRows(layer.v) as tf.Tensor4D })); // [B, nh, P, hs]
        const fedHidden = this.runBlocks(embedPlan(this.params, suffix, this.patchDim, this.viewTokens), B, T - 1, mask, past).hidden; // [B·(T−1), d]
        hidden = tf.reshape(tf.concat([tf.reshape(bosHidden, [B, 1, d]), tf.reshape(fedHidden, [B, T - 1, d])], 1), [B * T, d]) as tf.Tensor2D; // [B, T, d] → [B·T, d]
      }
      const ctx = this.config.pointer ? mapContext(this.pointerFrom(encoded.hidden, I, P, P, prefix.lengths, inputs), toRows) : undefined;
      const logp = tf.logSoftmax(tf.div(this.head(hidden, ctx, T, { tokens: sequences, offsets: sequences.map(() => 0) }), temperature)) as tf.Tensor2D; // [B·T, V]
      const picked = pickColumns(logp, targets); // [B·T]
      const mask = tf.tensor2d(maskData, [B, T]);
      return { logprobs: tf.mul(tf.reshape(picked, [B, T]), mask) as tf.Tensor2D, mask }; // [B·T] → [B, T]
    });
  }

  /** No-grad logprobs(): one Float32Array per sequence (its own length). */
  async logprobsData(inputs: ReasonerInput[], sequences: Int32Array[], opts: { groupSize?: number; temperature?: number } = {}): Promise<Float32Array[]> {
    const { logprobs, mask } = this.logprobs(inputs, sequences, opts);
    const flat = (await logprobs.data()) as Float32Array;
    const T = logprobs.shape[1];
    tf.dispose([logprobs, mask]);
    return sequences.map((s, b) => flat.slice(b * T, b * T + s.length));
  }

  private checkIds(ids: Int32Array): Int32Array {
    for (let i = 0; i < ids.length; i++) {
      if (ids[i]! < 0 || ids[i]! >= this.config.vocabSize) throw new InputError(`token id ${ids[i]} outside vocab [0, ${this.config.vocabSize})`);
    }
    return ids;
  }

  dispose(): void {
    this.params.dispose();
  }
}
