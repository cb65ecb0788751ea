// The Reasoner's reading heads as the shipped presets configure them: each bound to the vocabulary's words.
import type { AttrConfig } from '../models/attr';
import type { ClipEventsConfig } from '../models/clip-events';
import type { FollowConfig } from '../models/follow';
import type { SceneConfig } from '../models/scene';
import { VOCAB } from '../tcot/default';
import { NUMBER_WORDS } from '../world/text';
import { COLORS, EVENT_KINDS, SHAPES, SIZES, TEXTURES, type EventKind } from '../world/types';

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
