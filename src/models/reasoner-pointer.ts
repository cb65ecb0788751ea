// Where the Reasoner's vision tokens and stem cells sit in an input, and the pointer context its location and
// frame logits read (pointer.ts), with the copy head's keys (copy.ts) and the attribute reader's table (attr.ts)
// when it has them.
import * as tf from '@tensorflow/tfjs-core';
import { attrCandidates } from './attr';
import { copyContext, copyPositions } from './copy';
import { embedLookup, layerNorm, type ParamStore } from './layers';
import { withClipEvents } from './clip-events';
import { withKeyMotion } from './motion';
import { sceneContext } from './scene';
import {
  pointerContext,
  stemPointerContext,
  type CellGeometry,
  type PointerContext,
  type TokenGeometry,
} from './pointer';
import { clipFrame, sampleFrameIndices, type VisualInput } from './preprocess';
import type { ReasonerConfig } from './reasoner-config';
import type { ReasonerInput } from './reasoner';
import { CELL_PX, stemInput, stemOf } from './vision';

/** Vision tokens of the prefix for `visual`. */
export function visionTokenCount(c: ReasonerConfig, visual: VisualInput | undefined): number {
  if (!visual) return 0;
  return visual.kind === 'image' ? (c.imageSize / c.patch) ** 2 : c.clipFrames * (c.clipSize / c.patch) ** 2;
}

/** Where each vision token of an input's prefix sits (same order as prefixPlan adds them). */
export function tokenGeometry(c: ReasonerConfig, input: ReasonerInput): TokenGeometry {
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
  else if (input.visual?.kind === 'clip')
    for (const f of sampleFrameIndices(input.visual.frames.length, c.clipFrames)) grid(c.clipSize, f);
  return g;
}

/** Where each stem cell of an input sits (pointer source 'stem'): its view's cells in the order the stem emits them. */
export function cellGeometry(c: ReasonerConfig, input: ReasonerInput): CellGeometry {
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
    sampleFrameIndices(input.visual.frames.length, c.clipFrames).forEach((f, slot) =>
      grid(c.clipSize, f, slot * perFrame),
    );
  }
  return g;
}

/** The stem's cell features of each input's views, [count, C, width8] with C the most cells of any input (zeros pad). */
function stemCells(params: ParamStore, c: ReasonerConfig, inputs: ReasonerInput[], C: number): tf.Tensor3D {
  const vision = c.vision!;
  const views: { input: number; first: number; size: number; stem: Float32Array }[] = [];
  inputs.forEach((input, i) => {
    if (input.visual?.kind === 'image')
      views.push({ input: i, first: 0, size: c.imageSize, stem: stemInput(input.visual, c.imageSize) });
    else if (input.visual?.kind === 'clip') {
      const clip = input.visual;
      const perFrame = (c.clipSize / CELL_PX) ** 2;
      sampleFrameIndices(clip.frames.length, c.clipFrames).forEach((f, slot) =>
        views.push({
          input: i,
          first: slot * perFrame,
          size: c.clipSize,
          stem: stemInput(clipFrame(clip, f), c.clipSize),
        }),
      );
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
    const cells = stemOf(params, vision, input, members.length, size); // [n, g, g, C]: the tokens' stem pass, memoised
    members.forEach((m, k) => {
      for (let t = 0; t < perView; t++) rowSource[m.input * C + m.first + t] = total + k * perView + t + 1;
    });
    total += members.length * perView;
    groups.push(tf.reshape(cells, [members.length * perView, vision.width8]) as tf.Tensor2D);
  }
  const table = tf.concat([tf.zeros([1, vision.width8]), ...groups], 0);
  return tf.reshape(embedLookup(table, rowSource), [inputs.length, C, vision.width8]) as tf.Tensor3D;
}

/** The hidden states [count·L, d] of `count` sequences that start with a left-padded prefix (lengths, padded to P). */
export interface PrefixHidden {
  hidden: tf.Tensor2D;
  count: number;
  L: number;
  P: number;
  lengths: Int32Array;
  inputs: ReasonerInput[];
}

/** The row in `h.hidden` of sequence b's token `token`, counted from the start of its prefix. */
const rowOf = (h: PrefixHidden, b: number, token: number) => b * h.L + (h.P - h.lengths[b]!) + token;

/** The pointer context of prefixed sequences: vision tokens are the first rows of each prefix. */
export function pointerContextOf(params: ParamStore, c: ReasonerConfig, h: PrefixHidden): PointerContext {
  const { hidden, count, inputs } = h;
  const ctx = visionPointerFrom(params, c, h);
  const copy = c.copy;
  if (!copy) return ctx;
  // The copy head's keys: the final-normed hidden states of each input's text tokens (prompt after <sep>).
  const texts = inputs.map((x) => copyPositions(x.promptIds, copy.sepId));
  const N = Math.max(1, ...texts.map((t) => t.length));
  const rows = new Int32Array(count * N);
  texts.forEach((t, b) => {
    const first = visionTokenCount(c, inputs[b]!.visual);
    t.forEach((i, n) => (rows[b * N + n] = rowOf(h, b, first + i)));
  });
  const picked = layerNorm(embedLookup(hidden, rows), params.get('ln_f_g'), params.get('ln_f_b'), c.lnEps);
  const ids = texts.map((t, b) => t.map((i) => inputs[b]!.promptIds[i]!));
  return { ...ctx, copy: copyContext(params, c.vocabSize, picked, ids, N) };
}

function visionPointerFrom(params: ParamStore, c: ReasonerConfig, h: PrefixHidden): PointerContext {
  const { hidden, count, inputs } = h;
  const pointer = c.pointer!;
  if (pointer.source === 'stem') {
    const geometry = inputs.map((x) => cellGeometry(c, x));
    const C = Math.max(1, ...geometry.map((g) => g.left.length));
    const rows = new Int32Array(count * C);
    geometry.forEach((g, b) => g.token.forEach((token, k) => (rows[b * C + k] = rowOf(h, b, token))));
    const tokens = tf.reshape(embedLookup(hidden, rows), [count, C, c.dModel]) as tf.Tensor3D; // [count·C, d] → [count, C, d]
    const cells = stemCells(params, c, inputs, C);
    let ctx = stemPointerContext(params, pointer, cells, tokens, geometry, c.lnEps);
    const perFrame = (c.clipSize / CELL_PX) ** 2;
    const slotOf = geometry.map((g) => g.frame.map((f, k) => (f >= 0 ? Math.floor(k / perFrame) : -1)));
    if (c.motion)
      ctx = { ...ctx, keys: withKeyMotion(params, ctx.keys, cells, slotOf, perFrame, pointer.stemHead!.slots) };
    if (c.clipEvents) ctx = withClipEvents(params, ctx, cells, slotOf, perFrame, pointer.stemHead!.slots);
    if (!c.attr) return ctx;
    ctx = { ...ctx, attr: attrCandidates(params, pointer.stemHead!, c.attr, cells) };
    if (!c.scene) return ctx;
    const prompts = inputs.map((x) => x.promptIds);
    const images = inputs.map((x) => x.visual?.kind === 'image');
    return { ...ctx, scene: sceneContext(params, pointer.stemHead!, c.scene, c.attr, ctx, cells, prompts, images) };
  }
  const geometry = inputs.map((x) => tokenGeometry(c, x));
  const N = Math.max(1, ...geometry.map((g) => g.cx.length));
  const rows = new Int32Array(count * N);
  geometry.forEach((g, b) => g.cx.forEach((_, t) => (rows[b * N + t] = rowOf(h, b, t))));
  const vision = tf.reshape(embedLookup(hidden, rows), [count, N, c.dModel]) as tf.Tensor3D; // [count·N, d] → [count, N, d]
  return pointerContext(params, pointer, vision, geometry, c.lnEps);
}
