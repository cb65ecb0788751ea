// The Embedder: a bidirectional transformer over
//   [<emb>] [global view of the input] [input text] [instruction] [T-CoT ⟨thinking⟩ text] [evidence] [T-CoT tail]
// pooled at the <emb> slot → LN → linear → L2 norm. Its global view is deliberately cheap (32×32, 4 clip
// frames) while evidence crops / key frames are taken from the full-resolution input, so evidence adds
// detail the global view lacks (SPEC "Evidence → Embedder").
import * as tf from '@tensorflow/tfjs-core';
import { checkInt, checkThat, checkTransformerConfig, InputError } from './errors';
import {
  addTrunkParams,
  attentionBias,
  dense,
  layerNorm,
  ParamStore,
  TINY_TRANSFORMER,
  blockDimsOf,
  transformerBlock,
  type BlockDims,
} from './layers';
import { addPlanParams, embedPlan, patchDimOf, PlanBuilder, type TokenPlan } from './plan';
import {
  clipFrame,
  imagePatches,
  sampleFrameIndices,
  type Region,
  type RgbaImage,
  type VisualInput,
} from './preprocess';
import { seededRng } from './rng';
import { checkVisionPatch, stemInput, type VisionConfig } from './vision';

export interface EmbedderConfig {
  vocabSize: number; // 1024 — word + T-CoT token vocabulary; every id must be < vocabSize
  dModel: number; // 128
  nLayers: number; // 4
  nHeads: number; // 4 (head size 32)
  mlpRatio: number; // 4
  outDim: number; // 128 — embedding dimension (≤ 256)
  maxLen: number; // 320 — tokens per item: 1 + 64 (clip view) + text + T-CoT ≤ 96 + 4 × 16 evidence
  patch: number; // 8 — patch side in pixels, for the global view and evidence alike
  globalSize: number; // 32 — global view side (image, and each sampled clip frame): 16 tokens
  globalFrames: number; // 4 — clip frames in the global view (64 tokens)
  evidenceSize: number; // 32 — crop / key-frame side: 16 tokens each
  maxEvidence: number; // 4 — evidence items used per input (extra ones are dropped)
  maxFrames: number; // 16 — frame-index embedding rows (frames per clip)
  lnEps: number; // 1e-5
  seed: number; // 1 — weight init
  pool: 'emb' | 'emb+mean'; // 'emb' — the <emb> slot's state (the paper); 'emb+mean' adds the masked mean of all token states (trains faster from scratch)
  globalClipSize: number; // 32 — side of each sampled clip frame in the global view
  vision: VisionConfig | null; // null — linear patches; a config — the shared pre-trained vision stem (patch = 8·merge px per token)
}

export function defaultEmbedderConfig(): EmbedderConfig {
  return {
    vocabSize: 1024,
    dModel: 128,
    nLayers: 4,
    nHeads: 4,
    mlpRatio: 4,
    outDim: 128,
    maxLen: 320,
    patch: 8,
    globalSize: 32,
    globalFrames: 4,
    evidenceSize: 32,
    maxEvidence: 4,
    maxFrames: 16,
    lnEps: 1e-5,
    seed: 1,
    pool: 'emb',
    globalClipSize: 32,
    vision: null,
  };
}

const TINY: Partial<EmbedderConfig> = {
  ...TINY_TRANSFORMER,
  outDim: 16,
  maxLen: 160,
  globalSize: 16,
  globalClipSize: 16,
  evidenceSize: 16,
  globalFrames: 2,
  maxEvidence: 3,
};

/** Override objects on top of defaultEmbedderConfig(). `tiny` is for tests and browser smoke runs; `tinyVision` reads a tiny vision stem. */
export const EMBEDDER_PRESETS: Record<'default' | 'tiny' | 'tinyVision', Partial<EmbedderConfig>> = {
  default: {},
  tiny: TINY,
  tinyVision: { ...TINY, globalSize: 24, vision: { width4: 8, width8: 16, convs8: 1 } },
};

/** Segment type ids (rows of type_emb). */
export const EmbedSegment = {
  pad: 0,
  emb: 1,
  globalImage: 2,
  globalClip: 3,
  text: 4,
  instruction: 5,
  tcot: 6,
  crop: 7,
  keyFrame: 8,
} as const;
const N_SEGMENTS = 9;

/** One piece of evidence a T-CoT points at, cut from the original full-resolution input. */
export type Evidence =
  | { kind: 'crop'; image: RgbaImage; region?: Region } // region in pixels of `image`
  | { kind: 'frame'; image: RgbaImage; frameIndex: number }; // 0-based index in the clip

/** Everything about one input the Embedder can read; all parts optional but at least one needed. */
export interface EmbedItem {
  visual?: VisualInput;
  textIds?: Int32Array; // a text input (e.g. a caption query)
  instructionIds?: Int32Array;
  tcotIds?: Int32Array; // the whole T-CoT; absent for the no-reasoning baseline
  evidence?: Evidence[];
  evidenceAt?: number; // evidence goes after tcotIds[0 .. evidenceAt) (the </thinking>); default: the end
}

export function validateEmbedderConfig(config: EmbedderConfig): void {
  checkTransformerConfig(config);
  checkInt(config, 'outDim', 2, 256);
  checkInt(config, 'globalSize', config.patch, 512);
  checkThat(config.globalSize % config.patch === 0, 'globalSize', `must be a multiple of patch ${config.patch}`);
  checkInt(config, 'evidenceSize', config.patch, 512);
  checkThat(config.evidenceSize % config.patch === 0, 'evidenceSize', `must be a multiple of patch ${config.patch}`);
  checkInt(config, 'globalFrames', 1, 64);
  checkInt(config, 'maxEvidence', 0, 64);
  checkInt(config, 'maxFrames', 1, 1024);
  checkThat(config.pool === 'emb' || config.pool === 'emb+mean', 'pool', "must be 'emb' or 'emb+mean'");
  checkInt(config, 'globalClipSize', config.patch, 512);
  checkThat(
    config.globalClipSize % config.patch === 0,
    'globalClipSize',
    `must be a multiple of patch ${config.patch}`,
  );
  checkVisionPatch(config.vision, config.patch);
}

export class Embedder {
  readonly kind = 'embedder' as const;
  readonly config: EmbedderConfig;
  readonly params: ParamStore;
  private readonly dims: BlockDims;
  private readonly globalCells: number;
  private readonly viewTokens?: (plan: TokenPlan) => tf.Tensor2D;

  constructor(overrides: Partial<EmbedderConfig> = {}) {
    this.config = { ...defaultEmbedderConfig(), ...overrides };
    validateEmbedderConfig(this.config);
    const c = this.config;
    this.dims = blockDimsOf(c);
    this.globalCells = Math.max(c.globalSize, c.globalClipSize) ** 2 / c.patch ** 2;
    const evidenceCells = (c.evidenceSize / c.patch) ** 2;
    const store = new ParamStore(seededRng(c.seed));
    this.viewTokens = addPlanParams(store, c, {
      segments: N_SEGMENTS,
      patchPositions: 1 + this.globalCells + evidenceCells,
      frames: 1 + c.maxFrames,
    });
    addTrunkParams(store, c.nLayers, this.dims);
    const std = 0.02;
    store.add('head_w', [c.dModel, c.outDim], { kind: 'normal', std });
    store.add('head_b', [c.outDim], { kind: 'zeros' });
    this.params = store;
  }

  /** Lay the items out as one right-padded token plan (plain arrays; no tensors yet). */
  plan(items: EmbedItem[]): TokenPlan {
    if (items.length === 0) throw new InputError('embed: no items');
    const c = this.config;
    const builder = new PlanBuilder(patchDimOf(this.config.patch));
    for (const item of items) {
      builder.startItem().marker(EmbedSegment.emb);
      const visual = item.visual;
      if (visual?.kind === 'image') {
        this.addView(builder, visual, c.globalSize, undefined, EmbedSegment.globalImage, 0, null);
      } else if (visual?.kind === 'clip') {
        for (const f of sampleFrameIndices(visual.frames.length, c.globalFrames)) {
          this.addView(
            builder,
            clipFrame(visual, f),
            c.globalClipSize,
            undefined,
            EmbedSegment.globalClip,
            0,
            Math.min(f, c.maxFrames - 1),
          );
        }
      }
      if (item.textIds) builder.text(this.checkIds(item.textIds), EmbedSegment.text);
      if (item.instructionIds) builder.text(this.checkIds(item.instructionIds), EmbedSegment.instruction);
      const tcot = item.tcotIds ? this.checkIds(item.tcotIds) : new Int32Array(0);
      const split = Math.min(tcot.length, Math.max(0, item.evidenceAt ?? tcot.length));
      builder.text(tcot.subarray(0, split), EmbedSegment.tcot);
      for (const ev of (item.evidence ?? []).slice(0, c.maxEvidence)) {
        if (ev.kind === 'crop')
          this.addView(builder, ev.image, c.evidenceSize, ev.region, EmbedSegment.crop, this.globalCells, null);
        else
          this.addView(
            builder,
            ev.image,
            c.evidenceSize,
            undefined,
            EmbedSegment.keyFrame,
            this.globalCells,
            Math.min(Math.max(0, ev.frameIndex), c.maxFrames - 1),
          );
      }
      builder.text(tcot.subarray(split), EmbedSegment.tcot);
      if (builder.itemLength() === 1) throw new InputError('embed: an item has no visual, text or T-CoT');
      if (builder.itemLength() > c.maxLen)
        throw new InputError(`embed: item needs ${builder.itemLength()} tokens > maxLen ${c.maxLen}`);
    }
    return builder.build(false);
  }

  /** Tokens of the global view of `visual` (what the plan gives it). */
  globalTokens(visual: VisualInput | undefined): number {
    const c = this.config;
    if (!visual) return 0;
    return visual.kind === 'image' ? (c.globalSize / c.patch) ** 2 : c.globalFrames * (c.globalClipSize / c.patch) ** 2;
  }

  /** Tokens of one evidence item (a crop or a key frame). */
  get evidenceTokens(): number {
    return (this.config.evidenceSize / this.config.patch) ** 2;
  }

  /** The plan length of an item: <emb>, global view, text, instruction, T-CoT and (at most maxEvidence) evidence. */
  itemLength(item: EmbedItem): number {
    const evidence = Math.min(item.evidence?.length ?? 0, this.config.maxEvidence) * this.evidenceTokens;
    return (
      1 +
      this.globalTokens(item.visual) +
      (item.textIds?.length ?? 0) +
      (item.instructionIds?.length ?? 0) +
      (item.tcotIds?.length ?? 0) +
      evidence
    );
  }

  /** One image (or a region of it) at size²: linear patches, or a view for the vision stem. */
  private addView(
    builder: PlanBuilder,
    image: RgbaImage,
    size: number,
    region: Region | undefined,
    type: number,
    posOffset: number,
    frame: number | null,
  ): void {
    const patch = this.config.patch;
    if (this.config.vision)
      builder.view(stemInput(image, size, region), size, (size / patch) ** 2, type, posOffset, frame);
    else builder.patches(imagePatches(image, size, patch, region), type, posOffset, frame);
  }

  /** Differentiable: L2-normalised embeddings [B, outDim]. Use inside tf.tidy / a gradient tape. */
  embed(items: EmbedItem[]): tf.Tensor2D {
    const plan = this.plan(items);
    return tf.tidy(() => {
      const { batch, length } = plan;
      const d = this.config.dModel;
      const mask = attentionBias(plan.keyValid, batch, length, length, null);
      let hidden = embedPlan(this.params, plan, patchDimOf(this.config.patch), this.viewTokens); // [B·L, d]
      for (let layer = 0; layer < this.config.nLayers; layer++) {
        hidden = transformerBlock(this.params, layer, this.dims, hidden, batch, length, mask).out;
      }
      // The <emb> marker is token 0 of every item (right padding keeps it there).
      const perItem = tf.reshape(hidden, [batch, length, d]); // [B·L, d] → [B, L, d]
      let pooled = tf.reshape(tf.slice(perItem, [0, 0, 0], [batch, 1, d]), [batch, d]) as tf.Tensor2D; // [B, 1, d] → [B, d]
      if (this.config.pool === 'emb+mean') {
        // + Σ_t valid[t]·h[t] / Σ_t valid[t], as one [B, 1, L]·[B, L, d] product per item
        const valid = Float32Array.from(plan.keyValid, (v, i) => v / plan.lengths[Math.floor(i / length)]!);
        const mean = tf.reshape(tf.matMul(tf.tensor3d(valid, [batch, 1, length]), perItem), [batch, d]); // [B, 1, d] → [B, d]
        pooled = tf.add(pooled, mean) as tf.Tensor2D;
      }
      const normed = layerNorm(pooled, this.params.get('ln_f_g'), this.params.get('ln_f_b'), this.config.lnEps);
      const projected = dense(normed, this.params.get('head_w'), this.params.get('head_b'));
      return tf.div(projected, tf.sqrt(tf.add(tf.sum(tf.square(projected), -1, true), 1e-12))) as tf.Tensor2D;
    });
  }

  /** The PRM's text-only path: embed T-CoT token sequences with no input and no evidence. */
  embedTcotText(tcotIds: Int32Array[]): tf.Tensor2D {
    return this.embed(tcotIds.map((ids) => ({ tcotIds: ids })));
  }

  /** No-grad convenience: one Float32Array (length outDim) per item, in chunks of `batchSize`. */
  async embedData(items: EmbedItem[], batchSize = 16): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (let start = 0; start < items.length; start += batchSize) {
      const chunk = items.slice(start, start + batchSize);
      const embeddings = this.embed(chunk);
      const flat = (await embeddings.data()) as Float32Array;
      embeddings.dispose();
      for (let i = 0; i < chunk.length; i++) out.push(flat.slice(i * this.config.outDim, (i + 1) * this.config.outDim));
    }
    return out;
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
