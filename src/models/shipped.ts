// The shipped models' configs in one place: the vision stem, the Embedder, the Reasoner with its pointer, and the
// Reasoner's reading heads, each bound to the T-CoT vocabulary's words (the tiny test presets and every field's
// default live in each model's file beside this one). The training presets (src/train/presets.ts) build on these.
import type { AttrConfig } from './attr';
import type { ClipEventsConfig } from './clip-events';
import type { FollowConfig } from './follow';
import type { SceneConfig } from './scene';
import { VOCAB } from '../tcot/default';
import { NUMBER_WORDS } from '../world/text';
import { COLORS, EVENT_KINDS, SHAPES, SIZES, TEXTURES, type EventKind } from '../world/types';
import type { EmbedderConfig } from './embedder';
import type { PointerConfig } from './pointer';
import type { ReasonerConfig } from './reasoner';
import type { VisionConfig } from './vision';
import { REASONER_VOCAB } from '../tcot/default';
import { HEAD_OUT, SIZE_SLOTS, SLOT_OUT } from './stem-head';

/** The shipped vision stem (src/models/vision.ts): 4-px stage 32 wide, 8-px cells 96 wide with two 3×3 convs. */
export const SHIPPED_VISION: VisionConfig = { width4: 32, width8: 96, convs8: 2 };

/**
 * Shipped model configs: the T-CoT vocabulary's size and special ids, both reading the pre-trained stem.
 * Embedder: one 8-px cell per token; its global view is cheaper than the evidence (images 48² → 36 tokens,
 * clips 4 frames × 32² → 64), evidence crops / key frames 32² → 16 tokens each, cut from full resolution.
 */
export function shippedEmbedderConfig(): Partial<EmbedderConfig> {
  return {
    vocabSize: VOCAB.size,
    pool: 'emb+mean',
    vision: SHIPPED_VISION,
    patch: 8,
    globalSize: 48,
    globalClipSize: 32,
    evidenceSize: 32,
  };
}
/** The Reasoner's pointer over its vision tokens (src/models/pointer.ts), on the T-CoT vocabulary's location and frame ids. */
export function shippedPointer(): PointerConfig {
  return {
    locStart: VOCAB.locId(0),
    locBins: VOCAB.locBins,
    frameStart: VOCAB.frameId(0)!,
    frames: VOCAB.frames,
    dk: 64,
    sigma: 15,
  };
}

/** The pointer over the stem's cells and size slots, each proposing the box the stem's detector head sees there (pointer.ts, source 'stem'). */
export function shippedStemPointer(): PointerConfig {
  return {
    ...shippedPointer(),
    source: 'stem',
    stemHead: { out: HEAD_OUT, slots: SIZE_SLOTS, slotOut: SLOT_OUT },
    boxPrior: true,
  };
}

/**
 * Reasoner: 2×2 cells merged per token (16 px): images 96² → 36 tokens, clips 16 frames × 32² → 64; boxes and key
 * frames from the stem pointer (probe, 400 cold-start steps: image IoU 11.5 → 26.5, and 40.5 with the box prior;
 * docs/run-2026-12-02-probes.md).
 */
export function shippedReasonerConfig(): Partial<ReasonerConfig> {
  return {
    ...REASONER_VOCAB,
    vision: SHIPPED_VISION,
    patch: 16,
    imageSize: 96,
    clipSize: 32,
    pointer: shippedStemPointer(),
  };
}

/**
 * The attribute reader (src/models/attr.ts): the stem head's colour, shape and texture channels of each size slot
 * (vision-data.ts: centre, 8 colours, 8 shapes, 3 textures, box) and the slots themselves, bound to their words.
 */
export function shippedAttr(): AttrConfig {
  const word = (w: string) => (w === 'solid' ? -1 : VOCAB.id(w)); // 'solid' is unmarked: no word
  return {
    families: [
      { offset: 1, ids: COLORS.map(word) },
      { offset: 1 + COLORS.length, ids: SHAPES.map(word) },
      { offset: 1 + COLORS.length + SHAPES.length, ids: TEXTURES.map(word) },
    ],
    sizeIds: SIZES.map(word),
    gateBias: -2,
  };
}

/** The scene reader (src/models/scene.ts): the named-object prior and the count reader over 'one' … 'eight'. */
export function shippedScene(): SceneConfig {
  return {
    named: true,
    namedGateBias: 0,
    numberIds: NUMBER_WORDS.slice(1, 9).map((w) => VOCAB.id(w)),
    countGateBias: -2,
  };
}

/** The clip-event detector and reader (src/models/clip-events.ts): each event kind bound to the words that name it. */
export function shippedClipEvents(): ClipEventsConfig {
  const words: Record<EventKind, string[]> = {
    appear: ['appears'],
    leave: ['leaves'],
    recolor: ['turns', 'changes'],
    grow: ['grows'],
    shrink: ['shrinks'],
    stop: ['stops'],
    start: ['starts'],
  };
  return { hidden: 96, words: EVENT_KINDS.map((k) => words[k].map((w) => VOCAB.id(w))), gateBias: -2 };
}

/** The box-following prior (src/models/follow.ts): after `<answer>`, each shape word ends an object phrase. */
export function shippedFollow(): FollowConfig {
  return { answerId: VOCAB.id('<answer>'), shapeIds: SHAPES.map((w) => VOCAB.id(w)), sigma: 40, gateBias: 0 };
}
