// The shared vision stem: a small convolutional encoder written with ops that have gradients on every
// backend (WASM has no Conv2DBackpropFilter): 4-px space-to-depth with coordinate channels → dense, then
// 3×3 convolutions as shift-and-concat + dense (pad / slice / concat all differentiate on WASM), a 2×2
// space-to-depth to 8-px cells, and two more 3×3 residual convolutions. It turns an S×S view into an
// (S/8)×(S/8) grid of cell features. It is pre-trained once on the world's exact annotations
// (src/train/vision-trainer.ts: a target on every cell) and both models start from it (SPEC: both of the
// paper's models start from one pre-trained VLM).
import * as tf from '@tensorflow/tfjs-core';
import { checkInt, checkThat, InputError } from './errors';
import { seededRng } from './rng';
import { dense, embedLookup, layerNorm, ParamStore, quickGelu } from './layers';
import { type TokenPlan } from './plan';
import { patchify, resizeArea, type Region, type RgbaImage } from './preprocess';

/** The stem's shape. Shipped in each model's config (`vision`), so a weights file names the stem it holds. */
export interface VisionConfig {
  width4: number; // 32 — channels at the 4-px stage
  width8: number; // 96 — channels at the 8-px cell stage (the features the models read)
  convs8: number; // 2 — residual 3×3 convolutions at the 8-px stage (receptive field 8·(3 + 2·convs8) px)
  convs4?: number; // 1 — residual 3×3 convolutions at the 4-px stage (fine edges: shapes of 10–16 px objects)
}

export function defaultVisionConfig(): VisionConfig {
  return { width4: 32, width8: 96, convs8: 2 };
}

export function validateVisionConfig(c: VisionConfig, key = 'vision'): void {
  checkThat(typeof c === 'object' && c !== null, key, 'must be an object');
  checkInt(c, 'width4', 4, 256);
  checkInt(c, 'width8', 8, 512);
  checkInt(c, 'convs8', 0, 8);
  checkInt({ convs4: c.convs4 ?? 1 }, 'convs4', 1, 8);
}

/** Input side of the first stage: a 4×4 RGB patch plus the cell centre's (x, y) in [−1, 1]. */
export const STEM_IN = 4 * 4 * 3 + 2;
/** Pixels per feature cell. */
export const CELL_PX = 8;

const LN_EPS = 1e-5;

/** Parameters under `prefix` (e.g. `vis.`): the same names in every model and in the vision checkpoint. */
export function addVisionParams(store: ParamStore, c: VisionConfig, prefix = 'vis.'): void {
  const std = (fanIn: number) => ({ kind: 'normal' as const, std: Math.sqrt(2 / fanIn) });
  store.add(prefix + 'in_w', [STEM_IN, c.width4], std(STEM_IN));
  store.add(prefix + 'in_b', [c.width4], { kind: 'zeros' });
  for (let i = 0; i < (c.convs4 ?? 1); i++) {
    const suffix = i === 0 ? '' : `_${i}`;
    store.add(`${prefix}c4${suffix}_w`, [9 * c.width4, c.width4], std(9 * c.width4));
    store.add(`${prefix}c4${suffix}_b`, [c.width4], { kind: 'zeros' });
  }
  store.add(prefix + 'down_w', [4 * c.width4, c.width8], std(4 * c.width4));
  store.add(prefix + 'down_b', [c.width8], { kind: 'zeros' });
  for (let i = 0; i < c.convs8; i++) {
    store.add(`${prefix}ln${i}_g`, [c.width8], { kind: 'ones' });
    store.add(`${prefix}ln${i}_b`, [c.width8], { kind: 'zeros' });
    store.add(`${prefix}c8_${i}_w`, [9 * c.width8, c.width8], { kind: 'normal', std: Math.sqrt(1 / (9 * c.width8)) });
    store.add(`${prefix}c8_${i}_b`, [c.width8], { kind: 'zeros' });
  }
  store.add(prefix + 'lnf_g', [c.width8], { kind: 'ones' });
  store.add(prefix + 'lnf_b', [c.width8], { kind: 'zeros' });
}

/** A model that reads the stem needs patch = 8 (one cell per token) or 16 (2×2 cells merged). */
export function checkVisionPatch(vision: VisionConfig | null, patch: number): void {
  if (vision === null) return;
  validateVisionConfig(vision);
  checkThat(
    patch === CELL_PX || patch === 2 * CELL_PX,
    'patch',
    `must be ${CELL_PX} or ${2 * CELL_PX} with a vision stem (pixels per token)`,
  );
}

/** The projection from merged cell features to the model width (`vis_proj_w`, `vis_proj_b`). */
export function addVisionProjection(store: ParamStore, vision: VisionTokens, dModel: number): void {
  const fanIn = vision.merge ** 2 * vision.config.width8;
  store.add('vis_proj_w', [fanIn, dModel], { kind: 'normal', std: Math.sqrt(1 / fanIn) });
  store.add('vis_proj_b', [dModel], { kind: 'zeros' });
}

/**
 * A model's stem: its parameters and projection under the model's store, and the function that turns a plan's
 * views into token features. `patch` is the model's pixels per token (8: one cell, 16: 2×2 cells merged).
 */
export function addVisionStem(
  store: ParamStore,
  vision: VisionConfig,
  patch: number,
  dModel: number,
): (plan: TokenPlan) => tf.Tensor2D {
  const tokens = { config: vision, merge: patch / CELL_PX };
  addVisionParams(store, vision);
  addVisionProjection(store, tokens, dModel);
  return (plan) => stemTokens(store, plan, tokens);
}

/** Everything but the stem and the stem's detector head a stem pointer holds (`ptr_head_*`): a frozen stem's model trains these. */
export function withoutVision(
  vars: Map<string, tf.Variable>,
  prefixes: readonly string[] = ['vis.', 'ptr_head_'],
): Map<string, tf.Variable> {
  return new Map([...vars].filter(([name]) => !prefixes.some((p) => name.startsWith(p))));
}

/** Names of the stem's parameters (for copying the pre-trained stem into a model, and freezing it). */
export function visionParamNames(c: VisionConfig, prefix = 'vis.'): string[] {
  const names = ['in_w', 'in_b', 'c4_w', 'c4_b'];
  for (let i = 1; i < (c.convs4 ?? 1); i++) names.push(`c4_${i}_w`, `c4_${i}_b`);
  names.push('down_w', 'down_b');
  for (let i = 0; i < c.convs8; i++) names.push(`ln${i}_g`, `ln${i}_b`, `c8_${i}_w`, `c8_${i}_b`);
  names.push('lnf_g', 'lnf_b');
  return names.map((n) => prefix + n);
}

/**
 * One view's stem input, computed in JS: the (region of the) image area-resized to size², cut into 4-px
 * patches, each followed by its centre's coordinates. Returns [(size/4)², STEM_IN] row-major over the grid.
 */
export function stemInput(img: RgbaImage, size: number, region?: Region): Float32Array {
  if (size % CELL_PX !== 0) throw new InputError(`view size ${size} is not a multiple of ${CELL_PX}`);
  const grid = size / 4;
  const patches = patchify(resizeArea(img, size, size, region), size, 4); // [grid², 48]
  const out = new Float32Array(grid * grid * STEM_IN);
  for (let gy = 0; gy < grid; gy++) {
    for (let gx = 0; gx < grid; gx++) {
      const cell = gy * grid + gx;
      out.set(patches.subarray(cell * 48, cell * 48 + 48), cell * STEM_IN);
      out[cell * STEM_IN + 48] = ((gx + 0.5) / grid) * 2 - 1;
      out[cell * STEM_IN + 49] = ((gy + 0.5) / grid) * 2 - 1;
    }
  }
  return out;
}

/** 3×3 convolution, stride 1, zero padding, as shift-and-concat + one dense: x [N, H, W, C] → [N·H·W, C']. */
function conv3x3(x: tf.Tensor4D, weight: tf.Tensor, bias: tf.Tensor): tf.Tensor2D {
  const [n, h, w, ch] = x.shape;
  const padded = tf.pad(x, [
    [0, 0],
    [1, 1],
    [1, 1],
    [0, 0],
  ]); // [N, H+2, W+2, C]
  const shifts: tf.Tensor[] = [];
  for (let dy = 0; dy < 3; dy++)
    for (let dx = 0; dx < 3; dx++) shifts.push(tf.slice(padded, [0, dy, dx, 0], [n, h, w, ch]));
  const taps = tf.reshape(tf.concat(shifts, 3), [n * h * w, 9 * ch]) as tf.Tensor2D; // [N, H, W, 9C] → [N·H·W, 9C]
  return dense(taps, weight, bias);
}

/** 2×2 space-to-depth: x [N, H, W, C] → [N·(H/2)·(W/2), 4C], channels ordered (dy, dx, c). */
export function spaceToDepth2(x: tf.Tensor4D): tf.Tensor2D {
  const [n, h, w, ch] = x.shape;
  const split = tf.reshape(x, [n * (h / 2), 2, w / 2, 2 * ch]); // [N·H/2, dy, W/2, (dx, c)]
  return tf.reshape(tf.transpose(split, [0, 2, 1, 3]), [n * (h / 2) * (w / 2), 4 * ch]) as tf.Tensor2D; // [N·H/2, W/2, dy, (dx, c)] → [N·H/2·W/2, 4C]
}

/**
 * The stem on `count` views of one size: `input` [count·(size/4)², STEM_IN] (stemInput rows, views
 * concatenated) → cell features [count, size/8, size/8, width8], layer-normed. Differentiable.
 */
export function visionForward(
  store: ParamStore,
  c: VisionConfig,
  input: tf.Tensor2D,
  count: number,
  size: number,
  prefix = 'vis.',
): tf.Tensor4D {
  const g4 = size / 4;
  const g8 = size / 8;
  const p = (name: string) => store.get(prefix + name);
  const stage4 = quickGelu(dense(input, p('in_w'), p('in_b'))); // [count·g4², width4]
  const grid4 = tf.reshape(stage4, [count, g4, g4, c.width4]) as tf.Tensor4D;
  let conv4 = tf.add(stage4, quickGelu(conv3x3(grid4, p('c4_w'), p('c4_b')))) as tf.Tensor2D; // residual
  for (let i = 1; i < (c.convs4 ?? 1); i++) {
    conv4 = tf.add(
      conv4,
      quickGelu(conv3x3(tf.reshape(conv4, [count, g4, g4, c.width4]) as tf.Tensor4D, p(`c4_${i}_w`), p(`c4_${i}_b`))),
    ) as tf.Tensor2D;
  }
  let cells = quickGelu(
    dense(spaceToDepth2(tf.reshape(conv4, [count, g4, g4, c.width4]) as tf.Tensor4D), p('down_w'), p('down_b')),
  ); // [count·g8², width8]
  for (let i = 0; i < c.convs8; i++) {
    const normed = layerNorm(cells, p(`ln${i}_g`), p(`ln${i}_b`), LN_EPS);
    cells = tf.add(
      cells,
      quickGelu(conv3x3(tf.reshape(normed, [count, g8, g8, c.width8]) as tf.Tensor4D, p(`c8_${i}_w`), p(`c8_${i}_b`))),
    ) as tf.Tensor2D;
  }
  const out = layerNorm(cells, p('lnf_g'), p('lnf_b'), LN_EPS);
  return tf.reshape(out, [count, g8, g8, c.width8]) as tf.Tensor4D; // [count·g8², C] → [count, g8, g8, C]
}

/** Stem results kept for the rest of one forward pass (`withStemMemo`), or null outside one. */
let stemMemo: { store: ParamStore; prefix: string; size: number; input: Float32Array; out: tf.Tensor4D }[] | null =
  null;

/**
 * Runs `forward` with the stem's results kept: a second `stemOf` call on the same views (equal pixels, same weights)
 * inside it gets the first call's tensor instead of running the stem again. The Reasoner reads each view twice per
 * pass (its tokens, and the pointer's cells), so this halves its stem work; values and gradients are unchanged (a
 * tensor used twice sums its gradients as two equal ones would). Nested calls share the outer memo.
 */
export function withStemMemo<T>(forward: () => T): T {
  const outer = stemMemo;
  stemMemo = outer ?? [];
  try {
    return forward();
  } finally {
    stemMemo = outer;
  }
}

const sameValues = (a: Float32Array, b: Float32Array) => {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
};

/** `visionForward` on `count` views' stem inputs (concatenated `stemInput` rows), memoised by `withStemMemo`. */
export function stemOf(
  store: ParamStore,
  c: VisionConfig,
  input: Float32Array,
  count: number,
  size: number,
  prefix = 'vis.',
): tf.Tensor4D {
  const hit = stemMemo?.find(
    (e) =>
      e.store === store && e.prefix === prefix && e.size === size && !e.out.isDisposed && sameValues(e.input, input),
  );
  if (hit) return hit.out;
  const out = visionForward(store, c, tf.tensor2d(input, [input.length / STEM_IN, STEM_IN]), count, size, prefix);
  stemMemo?.push({ store, prefix, size, input, out });
  return out;
}

/** How a model reads the vision stem: its config and how many 8-px cells merge into one token per side (1 or 2). */
export interface VisionTokens {
  config: VisionConfig;
  merge: number;
}

/**
 * The plan's views through the vision stem (one call per view size), merged to tokens and projected by
 * `vis_proj_w` → rows placed at their plan positions: [B·L, d], zero on non-vision rows.
 */
export function stemTokens(store: ParamStore, plan: TokenPlan, vision: VisionTokens): tf.Tensor2D {
  const views = plan.views!;
  const d = store.get('vis_proj_w').shape[1]!;
  const bySize = new Map<number, number[]>();
  views.forEach((v, i) => bySize.set(v.size, [...(bySize.get(v.size) ?? []), i]));
  const rowSource = new Int32Array(plan.batch * plan.length);
  const groups: tf.Tensor2D[] = [];
  let total = 0;
  for (const [size, members] of bySize) {
    const perView = members.length > 0 ? views[members[0]!]!.stem.length : 0;
    const input = new Float32Array(members.length * perView);
    members.forEach((m, k) => input.set(views[m]!.stem, k * perView));
    const cells = stemOf(store, vision.config, input, members.length, size); // [n, g, g, C]
    const tokens =
      vision.merge === 2 ? spaceToDepth2(cells) : (tf.reshape(cells, [-1, vision.config.width8]) as tf.Tensor2D); // [n·(g/m)², m²·C]
    const perViewTokens = tokens.shape[0] / members.length;
    members.forEach((m, k) => {
      for (let t = 0; t < perViewTokens; t++) rowSource[views[m]!.row + t] = total + k * perViewTokens + t + 1; // 0 = the zero row
    });
    total += tokens.shape[0];
    groups.push(tokens);
  }
  const projected = dense(tf.concat(groups, 0) as tf.Tensor2D, store.get('vis_proj_w'), store.get('vis_proj_b')); // [T, d]
  const table = tf.concat([tf.zeros([1, d]), projected], 0); // row 0: non-vision rows
  return embedLookup(table, rowSource);
}

/** The vision stage's model: the stem plus its linear detector heads (`head_w`, `head_b`; not read by the other models). */
export interface VisionModelConfig extends VisionConfig {
  headOut: number; // outputs per cell of the dense heads (stem-head.ts HEAD_OUT)
  seed: number; // 3 — weight init
}

export class VisionModel {
  readonly kind = 'vision' as const;
  readonly params: ParamStore;
  constructor(readonly config: VisionModelConfig) {
    validateVisionConfig(config);
    checkInt(config, 'headOut', 1, 4096);
    this.params = new ParamStore(seededRng(config.seed));
    addVisionParams(this.params, config);
    this.params.add('head_w', [config.width8, config.headOut], { kind: 'normal', std: 0.02 });
    this.params.add('head_b', [config.headOut], { kind: 'zeros' });
  }

  /** The stem's part of the config (what a model's `vision` key holds). */
  get stem(): VisionConfig {
    const { width4, width8, convs8, convs4 } = this.config;
    return convs4 === undefined ? { width4, width8, convs8 } : { width4, width8, convs8, convs4 };
  }

  /** Head outputs [count·cells, headOut] for `count` views of one size (stem rows concatenated). */
  heads(stem: Float32Array, count: number, size: number): tf.Tensor2D {
    return tf.tidy(() => {
      const cells = visionForward(
        this.params,
        this.config,
        tf.tensor2d(stem, [stem.length / STEM_IN, STEM_IN]),
        count,
        size,
      );
      const flat = tf.reshape(cells, [count * (size / CELL_PX) ** 2, this.config.width8]) as tf.Tensor2D; // [N, g, g, C] → [N·g², C]
      return dense(flat, this.params.get('head_w'), this.params.get('head_b'));
    });
  }

  dispose(): void {
    this.params.dispose();
  }
}

/** Copy the stem's weights from one store into another (a pre-trained stem into a model). */
export function copyVision(from: ParamStore, to: ParamStore, c: VisionConfig): void {
  for (const name of visionParamNames(c)) {
    const source = from.get(name);
    const target = to.get(name);
    if (source.shape.join() !== target.shape.join())
      throw new InputError(`vision stem ${name}: shape ${source.shape} ≠ ${target.shape}`);
    target.assign(source);
  }
}
