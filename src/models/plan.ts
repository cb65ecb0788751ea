// Token plans: how a batch of items becomes one [B·L, d] embedding — text ids, patch pixels or vision-stem views,
// and type / position / patch-position / frame ids per row (PlanBuilder), embedded by embedPlan.
import * as tf from '@tensorflow/tfjs-core';
import { dense, embedLookup, type ParamStore } from './layers';
import { addVisionStem, type VisionConfig } from './vision';

/** A batch of token sequences, flattened [B·L], as plain arrays (padding rows have keyValid 0). */
export interface TokenPlan {
  batch: number;
  length: number;
  lengths: Int32Array; // [B] real tokens per item
  tokenIds: Int32Array; // text token id, 0 where not text
  textMask: Float32Array; // 1 for text rows
  typeIds: Int32Array; // segment type (0 = padding)
  posIds: Int32Array; // position within the item's own sequence
  keyValid: Uint8Array; // 1 = real token
  // vision rows (absent when no item has pixels)
  pixels?: Float32Array; // [B·L, patchDim], zero where not vision
  visionMask?: Float32Array; // 1 for vision rows
  patchPosIds?: Int32Array; // 1 + grid cell (0 = none)
  frameIds?: Int32Array; // 1 + frame index (0 = none)
  // vision-stem views (models with a `vision` config): each view's tokens are consecutive plan rows
  views?: PlanView[];
}

/** One image the vision stem encodes: its stem input, side in pixels, and the plan row of its first token. */
export interface PlanView {
  size: number;
  stem: Float32Array; // stemInput rows [(size/4)², STEM_IN]
  row: number;
}

const VISION = -1; // tokenIds sentinel for a patch row
const MARKER = -2; // tokenIds sentinel for a marker row

interface PlanItem {
  tokenIds: number[];
  types: number[];
  patchPos: number[];
  frames: number[];
  pixels: { at: number; rows: Float32Array }[];
  views: { at: number; size: number; stem: Float32Array }[];
}

/** Accumulates items token by token, then pads them into one TokenPlan. */
/** How many values an RGB patch of `patch`² pixels holds: a pixel-patch row of the plan. */
export const patchDimOf = (patch: number) => patch * patch * 3;

export class PlanBuilder {
  private readonly items: PlanItem[] = [];
  constructor(private readonly patchDim: number) {}

  startItem(): this {
    this.items.push({ tokenIds: [], types: [], patchPos: [], frames: [], pixels: [], views: [] });
    return this;
  }

  private get current(): PlanItem {
    const item = this.items[this.items.length - 1];
    if (!item) throw new Error('PlanBuilder: call startItem() first');
    return item;
  }

  text(ids: ArrayLike<number>, type: number): this {
    const item = this.current;
    for (let i = 0; i < ids.length; i++) {
      item.tokenIds.push(ids[i]!);
      item.types.push(type);
      item.patchPos.push(0);
      item.frames.push(0);
    }
    return this;
  }

  /** rows: [nPatches, patchDim]; patch i gets patch-position id posOffset + i + 1. */
  patches(rows: Float32Array, type: number, posOffset: number, frameIndex: number | null): this {
    const item = this.current;
    const n = rows.length / this.patchDim;
    item.pixels.push({ at: item.tokenIds.length, rows });
    return this.visionTokens(n, type, posOffset, frameIndex);
  }

  /** A vision-stem view of `tokens` tokens (cells after merging), with patch-position ids posOffset + i + 1. */
  view(
    stem: Float32Array,
    size: number,
    tokens: number,
    type: number,
    posOffset: number,
    frameIndex: number | null,
  ): this {
    const item = this.current;
    item.views.push({ at: item.tokenIds.length, size, stem });
    return this.visionTokens(tokens, type, posOffset, frameIndex);
  }

  /** `n` vision tokens: token i gets patch-position id posOffset + i + 1 and the frame's id (0: not a clip frame). */
  private visionTokens(n: number, type: number, posOffset: number, frameIndex: number | null): this {
    const item = this.current;
    for (let i = 0; i < n; i++) {
      item.tokenIds.push(VISION);
      item.types.push(type);
      item.patchPos.push(posOffset + i + 1);
      item.frames.push(frameIndex === null ? 0 : frameIndex + 1);
    }
    return this;
  }

  /** A token with no text id and no pixels (e.g. the Embedder's <emb> slot): type + position only. */
  marker(type: number): this {
    const item = this.current;
    item.tokenIds.push(MARKER);
    item.types.push(type);
    item.patchPos.push(0);
    item.frames.push(0);
    return this;
  }

  itemLength(): number {
    return this.current.tokenIds.length;
  }

  /** Pad every item to the longest (or to `length`), on the right or (for decoding) on the left. */
  build(padLeft: boolean, length?: number): TokenPlan {
    const batch = this.items.length;
    const L = length ?? Math.max(...this.items.map((it) => it.tokenIds.length));
    const n = batch * L;
    const hasPixels = this.items.some((it) => it.pixels.length > 0 || it.views.length > 0);
    const plan: TokenPlan = {
      batch,
      length: L,
      lengths: new Int32Array(batch),
      tokenIds: new Int32Array(n),
      textMask: new Float32Array(n),
      typeIds: new Int32Array(n),
      posIds: new Int32Array(n),
      keyValid: new Uint8Array(n),
    };
    if (hasPixels) {
      if (this.items.some((it) => it.pixels.length > 0)) plan.pixels = new Float32Array(n * this.patchDim);
      if (this.items.some((it) => it.views.length > 0)) plan.views = [];
      plan.visionMask = new Float32Array(n);
      plan.patchPosIds = new Int32Array(n);
      plan.frameIds = new Int32Array(n);
    }
    this.items.forEach((item, b) => {
      const len = item.tokenIds.length;
      if (len > L) throw new Error(`PlanBuilder: item of ${len} tokens exceeds plan length ${L}`);
      plan.lengths[b] = len;
      const offset = b * L + (padLeft ? L - len : 0);
      for (let t = 0; t < len; t++) {
        const r = offset + t;
        const id = item.tokenIds[t]!;
        plan.tokenIds[r] = id < 0 ? 0 : id;
        plan.textMask[r] = id < 0 ? 0 : 1;
        plan.typeIds[r] = item.types[t]!;
        plan.posIds[r] = t;
        plan.keyValid[r] = 1;
        if (hasPixels) {
          plan.visionMask![r] = id === VISION ? 1 : 0;
          plan.patchPosIds![r] = item.patchPos[t]!;
          plan.frameIds![r] = item.frames[t]!;
        }
      }
      for (const chunk of item.pixels) plan.pixels!.set(chunk.rows, (offset + chunk.at) * this.patchDim);
      for (const v of item.views) plan.views!.push({ size: v.size, stem: v.stem, row: offset + v.at });
    });
    return plan;
  }
}

/**
 * Sum of embeddings per plan row → [B·L, d]:
 *   tok[id]·text + type[t] + pos[p] + (pixels·W_patch + patchPos[c] + frame[f])·vision,
 * where a plan of vision-stem views takes its token features from `viewTokens(plan)` instead of pixels·W_patch.
 * The vision term is masked so text rows embed identically with or without pixels in the batch
 * (the KV-cached decode path never uploads pixels).
 */
export function embedPlan(
  store: ParamStore,
  plan: TokenPlan,
  patchDim: number,
  viewTokens?: (plan: TokenPlan) => tf.Tensor2D,
): tf.Tensor2D {
  const n = plan.batch * plan.length;
  const text = tf.mul(embedLookup(store.get('tok_emb'), plan.tokenIds), tf.tensor2d(plan.textMask, [n, 1]));
  const parts = [
    text,
    embedLookup(store.get('type_emb'), plan.typeIds),
    embedLookup(store.get('pos_emb'), plan.posIds),
  ];
  if (plan.pixels || plan.views) {
    const patchTokens = plan.views
      ? viewTokens!(plan)
      : dense(tf.tensor2d(plan.pixels!, [n, patchDim]), store.get('patch_proj_w'));
    const where = tf.addN([
      patchTokens,
      embedLookup(store.get('patch_pos_emb'), plan.patchPosIds!),
      embedLookup(store.get('frame_emb'), plan.frameIds!),
    ]);
    parts.push(tf.mul(where, tf.tensor2d(plan.visionMask!, [n, 1])));
  }
  return tf.addN(parts) as tf.Tensor2D;
}

/**
 * The parameters embedPlan reads, in this order (the order is the seeded initialisation): token, segment-type and
 * position tables, the vision stem (or a linear patch projection), patch-position and frame tables. Returns the
 * stem's view encoder when the model has one.
 */
export function addPlanParams(
  store: ParamStore,
  c: { vocabSize: number; dModel: number; maxLen: number; patch: number; vision?: VisionConfig | null },
  rows: { segments: number; patchPositions: number; frames: number },
): ((plan: TokenPlan) => tf.Tensor2D) | undefined {
  const std = 0.02;
  store.add('tok_emb', [c.vocabSize, c.dModel], { kind: 'normal', std }, 0);
  store.add('type_emb', [rows.segments, c.dModel], { kind: 'normal', std }, 0);
  store.add('pos_emb', [c.maxLen, c.dModel], { kind: 'normal', std }, 0);
  const viewTokens = c.vision ? addVisionStem(store, c.vision, c.patch, c.dModel) : undefined;
  if (!c.vision) store.add('patch_proj_w', [patchDimOf(c.patch), c.dModel], { kind: 'normal', std });
  store.add('patch_pos_emb', [rows.patchPositions, c.dModel], { kind: 'normal', std }, 0);
  store.add('frame_emb', [rows.frames, c.dModel], { kind: 'normal', std }, 0);
  return viewTokens;
}
