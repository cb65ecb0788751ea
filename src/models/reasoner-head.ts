// The Reasoner's output head past the tied logits: the pointer's location and frame terms, then each reading head
// the config turns on — the attribute reader (attr.ts) with the box-following prior (follow.ts), the clip-event
// reader (clip-events.ts), the scene reader (scene.ts) and the copy mixture (copy.ts) — in that order.
import * as tf from '@tensorflow/tfjs-core';
import { addAttrParams, attrLogits, attrMaps, type AttrMaps } from './attr';
import { addClipEventParams, eventLogits, eventWordMap } from './clip-events';
import { addCopyParams, copyMix } from './copy';
import { addFollowParams, followScores } from './follow';
import type { ParamStore } from './layers';
import { addPointerParams, pointerLogits, type PointerContext, type PointerHistory } from './pointer';
import type { ReasonerConfig } from './reasoner-config';
import { addSceneParams, countLogits, countWordMap, namedScores, sceneGates } from './scene';

/** The reading heads' constant word maps, built once per model (disposed with it). */
export interface HeadMaps {
  attr?: AttrMaps; // the attribute reader's
  events?: tf.Tensor2D; // the clip-event reader's
  count?: tf.Tensor2D; // the count reader's
}

/** Adds the pointer's and the reading heads' parameters; returns their word maps. */
export function addHeadParams(store: ParamStore, c: ReasonerConfig): HeadMaps {
  const maps: HeadMaps = {};
  if (c.pointer) addPointerParams(store, c.dModel, c.pointer, c.vision?.width8);
  if (c.copy) addCopyParams(store, c.dModel, c.copy);
  if (c.attr) {
    addAttrParams(store, c.dModel, c.pointer!.dk, c.attr);
    maps.attr = attrMaps(c.attr, c.vocabSize);
  }
  if (c.clipEvents) {
    addClipEventParams(store, c.clipEvents, c.vision!.width8, c.dModel, c.pointer!.dk);
    maps.events = eventWordMap(c.clipEvents, c.vocabSize);
  }
  if (c.follow) addFollowParams(store, c.dModel);
  if (c.scene) {
    addSceneParams(store, c.dModel);
    maps.count = countWordMap(c.scene, c.vocabSize);
  }
  return maps;
}

export function disposeHeadMaps(maps: HeadMaps): void {
  if (maps.attr) tf.dispose(maps.attr);
  maps.events?.dispose();
  maps.count?.dispose();
}

/**
 * Logits [B·T, V] from the tied logits `base` [B·T, V] and the final-normed hidden states `normed` [B·T, d] of B
 * rows of T steps, whose pointer context is `pctx` (one entry per row) and whose tokens so far are `history`.
 */
export function headLogits(
  params: ParamStore,
  c: ReasonerConfig,
  maps: HeadMaps,
  normed: tf.Tensor2D,
  base: tf.Tensor2D,
  pctx: PointerContext,
  T: number,
  history?: PointerHistory,
): tf.Tensor2D {
  const pointer = c.pointer!;
  const scene = c.scene;
  const gates = scene && pctx.scene ? sceneGates(params, scene, normed) : null; // [B·T, 2]
  const named = scene && gates ? namedScores(scene, pctx, gates, T) : null; // per step [B, T, N]
  const ctx = named ? { ...pctx, bias: tf.add(pctx.bias, named) as tf.Tensor3D } : pctx;
  const normed3 = tf.reshape(normed, [normed.shape[0] / T, T, c.dModel]) as tf.Tensor3D;
  const pointed = pointerLogits(params, pointer, ctx, normed3, base, history);
  const follow = c.follow && history ? followScores(params, c.follow, pointer, ctx, normed, T, history) : null; // the answer's k-th object read at the k-th box, per step [B, T, N]
  const attrCtx = follow ? { ...ctx, bias: tf.add(ctx.bias, follow) as tf.Tensor3D } : ctx;
  let logits = c.attr && maps.attr ? attrLogits(params, c.attr, maps.attr, attrCtx, normed3, pointed) : pointed;
  if (c.clipEvents && maps.events) logits = eventLogits(params, c.clipEvents, maps.events, ctx, normed3, logits);
  if (scene && gates && maps.count) logits = countLogits(scene, maps.count, ctx, gates, logits);
  return c.copy && ctx.copy ? copyMix(params, c.copy, ctx.copy, normed3, logits) : logits;
}
