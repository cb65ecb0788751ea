// What every task builder shares: the fixed instructions, the item shape (Draft) and the helpers that pick
// hard and easy negatives.

import type { Rng } from './rng';
import type { Ability, Box, ClipSpec, Detail, Focus, ObjectLook, SceneSpec, Task, WorldInput } from './types';

/** The fixed task instructions (the UI offers them in a selector). */
export const TASK_INSTRUCTIONS: Record<Task, readonly string[]> = {
  'image-cls': ['classify the image', 'choose the label that fits the image'],
  'image-vqa': ['answer the question about the image', 'find the answer to the question'],
  'image-t2i': ['find an image that matches the caption', 'retrieve the image that the text describes'],
  'image-i2t': ['find a caption that matches the image', 'retrieve the text that describes the image'],
  'image-i2i': ['find an image with the same objects', 'retrieve a similar image'],
  'image-grounding': ['find the region that the text refers to', 'choose the crop that shows the object'],
  'video-cls': ['classify the event in the video', 'choose the label that fits the video'],
  'video-vqa': ['answer the question about the video', 'find the answer to the question about the video'],
  'video-t2v': ['find a video that matches the caption', 'retrieve the video that the text describes'],
  'video-v2t': ['find a caption that matches the video', 'retrieve the text that describes the video'],
  'video-moment': ['find the moment that the text describes', 'choose the part of the video that matches the text'],
};

/** What a task's candidates are, where they are media the library holds (the others rank labels, answers or captions). */
export const TASK_TARGET: Record<Task, 'image' | 'clip' | null> = {
  'image-cls': null,
  'image-vqa': null,
  'image-t2i': 'image',
  'image-i2t': null,
  'image-i2i': 'image',
  'image-grounding': 'image',
  'video-cls': null,
  'video-vqa': null,
  'video-t2v': 'clip',
  'video-v2t': null,
  'video-moment': 'clip',
};

/** The kind of media an instruction asks for ("find a video that matches the caption" → clip), or null. */
export function instructionTarget(instruction: string | undefined): 'image' | 'clip' | null {
  const wanted = instruction?.trim().toLowerCase();
  if (!wanted) return null;
  for (const [task, phrases] of Object.entries(TASK_INSTRUCTIONS) as [Task, readonly string[]][]) {
    if (phrases.includes(wanted)) return TASK_TARGET[task];
  }
  return null;
}

export interface Cand {
  input: WorldInput;
  focus: Focus;
}
export interface HardCand extends Cand {
  differsIn: Detail;
}

/** A task item before its candidates are shuffled. */
export interface Draft {
  abilities: Ability[];
  query: WorldInput;
  queryFocus: Focus;
  positive: Cand;
  hard: HardCand[];
  easy: Cand[];
}

export type Builder = (rng: Rng) => Draft | null;

export const MAX_HARD = 4;
export const RETRIEVAL_CANDIDATES = 8;

// ---------------------------------------------------------------------------------------------
// helpers

export const image = (scene: SceneSpec, extra: { text?: string; crop?: Box } = {}): WorldInput => ({
  modality: 'image',
  scene,
  ...extra,
});
export const video = (clip: ClipSpec, extra: { text?: string; segment?: [number, number] } = {}): WorldInput => ({
  modality: 'video',
  clip,
  ...extra,
});
/** A text candidate; its T-CoT focus is the text's own canonical content. */
export const textCand = (text: string, core = text): Cand => ({
  input: { modality: 'text', text },
  focus: { text: core },
});

/** Details that only some items can test; they go first when hard negatives are chosen. */
export const RARE: readonly Detail[] = ['relation', 'order', 'timing', 'count'];

/** Up to `max` hard negatives, preferring distinct details, rare ones first, otherwise in random order. */
export function chooseHard(items: HardCand[], rng: Rng, max = MAX_HARD): HardCand[] {
  const shuffled = rng
    .shuffle(items)
    .sort((a, b) => Number(RARE.includes(b.differsIn)) - Number(RARE.includes(a.differsIn)));
  const out: HardCand[] = [];
  const seen = new Set<Detail>();
  for (const h of shuffled)
    if (out.length < max && !seen.has(h.differsIn)) {
      out.push(h);
      seen.add(h.differsIn);
    }
  for (const h of shuffled) if (out.length < max && !out.includes(h)) out.push(h);
  return out;
}

export function fillEasy(rng: Rng, need: number, make: (r: Rng) => Cand | null): Cand[] {
  const out: Cand[] = [];
  for (let k = 0; out.length < need && k < need * 6; k++) {
    const c = make(rng.fork(`easy-${k}`));
    if (c) out.push(c);
  }
  return out;
}

export function fineOrCoarse(small: boolean): Ability {
  return small ? 'fine-grained' : 'coarse';
}

export function uniq<T>(xs: T[]): T[] {
  return Array.from(new Set(xs));
}

/** Colours of the objects that overlap object m (an edit must not give m one of them). */
export function touchingColors(scene: SceneSpec, m: number): string[] {
  const o = scene.objects[m]!;
  return scene.objects.filter((p, i) => i !== m && Math.hypot(p.x - o.x, p.y - o.y) < p.r + o.r).map((p) => p.color);
}

/** Does a look collide (shape, colour, size) with an object other than `except`? */
export function lookTaken(objs: readonly ObjectLook[], look: ObjectLook, except: number): boolean {
  return objs.some((o, i) => i !== except && o.shape === look.shape && o.color === look.color && o.size === look.size);
}

/** Answer-word candidates: the answer, up to four others of its kind (hard), easy words of another kind. */
export function wordChoices(
  answer: string,
  pool: readonly string[],
  detail: Detail,
  preferred: readonly string[],
  easyPool: readonly string[],
  rng: Rng,
) {
  const wrong = pool.filter((w) => w !== answer);
  const first = rng.shuffle(wrong.filter((w) => preferred.includes(w)));
  const rest = rng.shuffle(wrong.filter((w) => !preferred.includes(w)));
  const hard = [...first, ...rest].slice(0, MAX_HARD).map((w) => ({ ...textCand(w), differsIn: detail }));
  const easy = rng.sample(easyPool, RETRIEVAL_CANDIDATES - 1 - hard.length).map((w) => textCand(w));
  return { positive: textCand(answer), hard, easy };
}

/**
 * A captioned medium (a scene or a clip), as both caption-retrieval tasks see it: the medium and its caption as
 * candidates, the medium or the caption edited in one detail (so the caption no longer holds), and other media or
 * captions drawn at random (`null` where the caption happens to hold).
 */
export interface CaptionedMedium {
  abilities: Ability[];
  medium: Cand;
  caption: Cand;
  mediumEdits: (rng: Rng) => HardCand[];
  captionEdits: (rng: Rng) => HardCand[];
  otherMedium: (rng: Rng) => Cand | null;
  otherCaption: (rng: Rng) => Cand | null;
}

/** Text → medium: the caption asks for the medium among its one-detail edits and other media. */
export function captionToMedium(rng: Rng, m: CaptionedMedium): Draft {
  const hard = chooseHard(m.mediumEdits(rng.fork('edits')), rng.fork('hard'));
  const easy = fillEasy(rng, RETRIEVAL_CANDIDATES - 1 - hard.length, m.otherMedium);
  const { abilities, caption, medium } = m;
  return { abilities, query: caption.input, queryFocus: caption.focus, positive: medium, hard, easy };
}

/** Medium → text: the medium asks for its caption among edited captions and other media's captions. */
export function mediumToCaption(rng: Rng, m: CaptionedMedium): Draft {
  const hard = chooseHard(m.captionEdits(rng.fork('edits')), rng.fork('hard'));
  const easy = fillEasy(rng, RETRIEVAL_CANDIDATES - 1 - hard.length, m.otherCaption);
  const { abilities, caption, medium } = m;
  return { abilities, query: medium.input, queryFocus: medium.focus, positive: caption, hard, easy };
}

/** The two caption-retrieval builders (text → medium, medium → text) of one kind of captioned medium. */
export function captionBuilders(medium: (rng: Rng) => CaptionedMedium | null): {
  toMedium: Builder;
  toCaption: Builder;
} {
  return {
    toMedium: (rng) => {
      const m = medium(rng);
      return m && captionToMedium(rng, m);
    },
    toCaption: (rng) => {
      const m = medium(rng);
      return m && mediumToCaption(rng, m);
    },
  };
}
