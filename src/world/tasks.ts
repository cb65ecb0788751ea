// Task items: one builder per task (MMEB-V2 meta-tasks, UVRB abilities). A builder draws a scene or
// clip, a query and a positive, hard negatives that differ from the positive in exactly one detail
// (checked with the caption evaluator where the detail is semantic) and easy negatives.

import { clipStates, editClipObject, eventTiming, flipEvent, frameInWindow, generateClip, moveEvent, segments, soleEvents, swapEventFrames, windowOf } from './clip';
import { objectBox } from './raster';
import type { Rng } from './rng';
import {
  addObject,
  bestRelation,
  editObject,
  generateScene,
  mirrorRelation,
  nuisanceVariant,
  randomLook,
  removeObject,
  resizeObject,
} from './scene';
import {
  EVENT_LABEL,
  NUMBER_WORDS,
  RELATION_TEXT,
  clipCaptionEdits,
  clipCaptionHolds,
  clipCaptionText,
  countPhrase,
  describeEvent,
  eventPhrase,
  eventVerbPhrase,
  imageCaptionEdits,
  imageCaptionHolds,
  imageCaptionText,
  lookPhrase,
  type ClipCaption,
  type ImageCaption,
  type ImageClause,
} from './text';
import {
  COLORS,
  EVENT_KINDS,
  IMAGE_SIZE,
  SHAPES,
  TEXTURES,
  type Ability,
  type Box,
  type ClipSpec,
  type Detail,
  type EventKind,
  type Focus,
  type ObjectLook,
  type Relation,
  type SceneSpec,
  type Task,
  type WorldInput,
} from './types';

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

const MAX_HARD = 4;
const RETRIEVAL_CANDIDATES = 8;

// ---------------------------------------------------------------------------------------------
// helpers

const image = (scene: SceneSpec, extra: { text?: string; crop?: Box } = {}): WorldInput => ({ modality: 'image', scene, ...extra });
const video = (clip: ClipSpec, extra: { text?: string; segment?: [number, number] } = {}): WorldInput => ({ modality: 'video', clip, ...extra });
/** A text candidate; its T-CoT focus is the text's own canonical content. */
const textCand = (text: string, core = text): Cand => ({ input: { modality: 'text', text }, focus: { text: core } });

/** Details that only some items can test; they go first when hard negatives are chosen. */
const RARE: readonly Detail[] = ['relation', 'order', 'timing', 'count'];

/** Up to `max` hard negatives, preferring distinct details, rare ones first, otherwise in random order. */
function chooseHard(items: HardCand[], rng: Rng, max = MAX_HARD): HardCand[] {
  const shuffled = rng.shuffle(items).sort((a, b) => Number(RARE.includes(b.differsIn)) - Number(RARE.includes(a.differsIn)));
  const out: HardCand[] = [];
  const seen = new Set<Detail>();
  for (const h of shuffled) if (out.length < max && !seen.has(h.differsIn)) (out.push(h), seen.add(h.differsIn));
  for (const h of shuffled) if (out.length < max && !out.includes(h)) out.push(h);
  return out;
}

function fillEasy(rng: Rng, need: number, make: (r: Rng) => Cand | null): Cand[] {
  const out: Cand[] = [];
  for (let k = 0; out.length < need && k < need * 6; k++) {
    const c = make(rng.fork(`easy-${k}`));
    if (c) out.push(c);
  }
  return out;
}

function fineOrCoarse(small: boolean): Ability {
  return small ? 'fine-grained' : 'coarse';
}

function uniq<T>(xs: T[]): T[] {
  return Array.from(new Set(xs));
}

/** Colours of the objects that overlap object m (an edit must not give m one of them). */
function touchingColors(scene: SceneSpec, m: number): string[] {
  const o = scene.objects[m]!;
  return scene.objects.filter((p, i) => i !== m && Math.hypot(p.x - o.x, p.y - o.y) < p.r + o.r).map((p) => p.color);
}

/** Does a look collide (shape, colour, size) with an object other than `except`? */
function lookTaken(objs: readonly ObjectLook[], look: ObjectLook, except: number): boolean {
  return objs.some((o, i) => i !== except && o.shape === look.shape && o.color === look.color && o.size === look.size);
}

// ---------------------------------------------------------------------------------------------
// image captions

export interface SceneCaption {
  caption: ImageCaption;
  /** mentioned objects (the focus), in caption order. */
  objects: number[];
  relation?: Relation;
}

/** The caption's core: what an annotator's <answer> says (count and objects; negation is left out). */
export function captionCore(c: ImageCaption): string {
  const rel = c.clauses.find((cl) => cl.kind === 'rel');
  const has = c.clauses.flatMap((cl) => (cl.kind === 'has' ? [`a ${lookPhrase(cl.obj)}`] : []));
  const core = rel && rel.kind === 'rel' ? `a ${lookPhrase(rel.a)} ${RELATION_TEXT[rel.rel]} a ${lookPhrase(rel.b)}` : has.length > 0 ? has.join(' and ') : 'nothing';
  const count = c.clauses.find((cl) => cl.kind === 'count');
  return count && count.kind === 'count' ? `${countPhrase(count.n)} , ${core}` : core;
}

export function captionScene(scene: SceneSpec, rng: Rng, opts: { relProb?: number; countProb?: number; noneProb?: number } = {}): SceneCaption | null {
  const objs = scene.objects;
  if (objs.length === 0) return null;
  const pairs: { a: number; b: number; rel: Relation }[] = [];
  objs.forEach((oa, a) =>
    objs.forEach((ob, b) => {
      const rel = a === b ? null : bestRelation(oa, ob, scene);
      if (rel) pairs.push({ a, b, rel });
    }),
  );
  const clauses: ImageClause[] = [];
  let objects: number[];
  let relation: Relation | undefined;
  if (pairs.length > 0 && rng.chance(opts.relProb ?? 0.5)) {
    // Directional relations are preferred: they are the ones a mirrored hard negative can flip.
    const directional = pairs.filter((q) => q.rel !== 'next' && q.rel !== 'inside');
    const p = rng.pick(directional.length > 0 && rng.chance(0.75) ? directional : pairs);
    clauses.push({ kind: 'rel', a: objs[p.a]!, rel: p.rel, b: objs[p.b]! });
    objects = [p.a, p.b];
    relation = p.rel;
  } else {
    objects = rng.sample(objs.map((_, i) => i), objs.length >= 2 && rng.chance(0.5) ? 2 : 1);
    for (const i of objects) clauses.push({ kind: 'has', obj: objs[i]! });
  }
  clauses.forEach((c) => {
    if (c.kind === 'rel') (c.a = { shape: c.a.shape, color: c.a.color, size: c.a.size, texture: c.a.texture }), (c.b = { shape: c.b.shape, color: c.b.color, size: c.b.size, texture: c.b.texture });
    if (c.kind === 'has') c.obj = { shape: c.obj.shape, color: c.obj.color, size: c.obj.size, texture: c.obj.texture };
  });
  if (rng.chance(opts.countProb ?? 0.3)) clauses.unshift({ kind: 'count', n: objs.length });
  if (rng.chance(opts.noneProb ?? 0.08)) {
    const absent = COLORS.flatMap((color) => SHAPES.map((shape) => ({ color, shape }))).filter((cs) => !objs.some((o) => o.color === cs.color && o.shape === cs.shape));
    clauses.push({ kind: 'none', ...rng.pick(absent) });
  }
  return { caption: { clauses }, objects, relation };
}

/** Scene edits for text→image hard negatives, each changing one detail the caption depends on. */
function sceneEdits(scene: SceneSpec, sc: SceneCaption, rng: Rng): { scene: SceneSpec; objects: number[]; differsIn: Detail }[] {
  const out: { scene: SceneSpec; objects: number[]; differsIn: Detail }[] = [];
  const objs = scene.objects;
  for (const m of sc.objects) {
    const o = objs[m]!;
    const colors = COLORS.filter((c) => c !== o.color && !lookTaken(objs, { ...o, color: c }, m) && !touchingColors(scene, m).includes(c));
    if (colors.length > 0) out.push({ scene: editObject(scene, m, { color: rng.pick(colors) }), objects: sc.objects, differsIn: 'color' });
    const shapes = SHAPES.filter((s) => s !== o.shape && !lookTaken(objs, { ...o, shape: s }, m));
    if (shapes.length > 0) out.push({ scene: editObject(scene, m, { shape: rng.pick(shapes) }), objects: sc.objects, differsIn: 'shape' });
    const resized = lookTaken(objs, { ...o, size: o.size === 'small' ? 'large' : 'small' }, m) ? null : resizeObject(scene, m, rng);
    if (resized) out.push({ scene: resized, objects: sc.objects, differsIn: 'size' });
    out.push({ scene: editObject(scene, m, { texture: rng.pick(TEXTURES.filter((t) => t !== o.texture)) }), objects: sc.objects, differsIn: 'texture' });
  }
  const rel = sc.relation;
  if (rel === 'left' || rel === 'right' || rel === 'above' || rel === 'below') {
    const mirrored = mirrorRelation(scene, sc.objects[0]!, sc.objects[1]!, rel);
    if (mirrored) out.push({ scene: mirrored, objects: sc.objects, differsIn: 'relation' });
  }
  if (sc.caption.clauses.some((c) => c.kind === 'count')) {
    const spare = objs.map((_, i) => i).filter((i) => !sc.objects.includes(i));
    if (spare.length > 0 && rng.chance(0.5)) {
      const gone = rng.pick(spare);
      out.push({ scene: removeObject(scene, gone), objects: sc.objects.map((i) => (i > gone ? i - 1 : i)), differsIn: 'count' });
    } else if (objs.length < 6) {
      let look = randomLook(rng);
      for (let k = 0; k < 10 && lookTaken(objs, look, -1); k++) look = randomLook(rng);
      const added = lookTaken(objs, look, -1) ? null : addObject(scene, look, rng);
      if (added) out.push({ scene: added.scene, objects: sc.objects.map((i) => (i >= added.index ? i + 1 : i)), differsIn: 'count' });
    }
  }
  return out.filter((e) => !imageCaptionHolds(sc.caption, e.scene));
}

function sceneCaptionAbilities(scene: SceneSpec, sc: SceneCaption): Ability[] {
  const small = sc.objects.some((i) => scene.objects[i]!.size === 'small');
  return uniq([fineOrCoarse(small), ...(sc.relation ? (['spatial'] as Ability[]) : [])]);
}

function captionedScene(rng: Rng): { scene: SceneSpec; sc: SceneCaption } | null {
  const scene = generateScene(rng.fork('scene'), { count: rng.intIn(2, 6) });
  const sc = captionScene(scene, rng.fork('caption'));
  return sc ? { scene, sc } : null;
}

const imageFocus = (sc: SceneCaption): Focus => ({
  objects: sc.objects,
  ...(sc.relation ? { relation: sc.relation } : {}),
  ...(sc.caption.clauses.some((c) => c.kind === 'count') ? { count: true } : {}),
});

// ---------------------------------------------------------------------------------------------
// image tasks

const buildImageT2I: Builder = (rng) => {
  const cs = captionedScene(rng);
  if (!cs) return null;
  const { scene, sc } = cs;
  const pos: Cand = { input: image(scene), focus: imageFocus(sc) };
  const hard = chooseHard(
    sceneEdits(scene, sc, rng.fork('edits')).map((e) => ({
      input: image(e.scene),
      focus: { ...imageFocus(sc), objects: e.objects },
      differsIn: e.differsIn,
    })),
    rng.fork('hard'),
  );
  const easy = fillEasy(rng, RETRIEVAL_CANDIDATES - 1 - hard.length, (r) => {
    const other = generateScene(r, {});
    return imageCaptionHolds(sc.caption, other) ? null : { input: image(other), focus: {} };
  });
  return {
    abilities: sceneCaptionAbilities(scene, sc),
    query: { modality: 'text', text: imageCaptionText(sc.caption) },
    queryFocus: { text: captionCore(sc.caption) },
    positive: pos,
    hard,
    easy,
  };
};

const buildImageI2T: Builder = (rng) => {
  const cs = captionedScene(rng);
  if (!cs) return null;
  const { scene, sc } = cs;
  const edits = imageCaptionEdits(sc.caption, rng.fork('edits')).filter((e) => !imageCaptionHolds(e.caption, scene));
  const hard = chooseHard(
    edits.map((e) => ({ ...textCand(imageCaptionText(e.caption), captionCore(e.caption)), differsIn: e.differsIn })),
    rng.fork('hard'),
  );
  const easy = fillEasy(rng, RETRIEVAL_CANDIDATES - 1 - hard.length, (r) => {
    const other = captionedScene(r);
    if (!other || imageCaptionHolds(other.sc.caption, scene)) return null;
    return textCand(imageCaptionText(other.sc.caption), captionCore(other.sc.caption));
  });
  return {
    abilities: sceneCaptionAbilities(scene, sc),
    query: image(scene),
    queryFocus: imageFocus(sc),
    positive: textCand(imageCaptionText(sc.caption), captionCore(sc.caption)),
    hard,
    easy,
  };
};

const buildImageI2I: Builder = (rng) => {
  const scene = generateScene(rng.fork('scene'), { count: rng.intIn(2, 6) });
  const positive = nuisanceVariant(scene, rng.fork('nuisance'));
  const objs = positive.objects;
  const edits: { scene: SceneSpec; obj: number; differsIn: Detail }[] = [];
  const er = rng.fork('edits');
  objs.forEach((o, m) => {
    const colors = COLORS.filter((c) => c !== o.color && !lookTaken(objs, { ...o, color: c }, m) && !touchingColors(positive, m).includes(c));
    if (colors.length) edits.push({ scene: editObject(positive, m, { color: er.pick(colors) }), obj: m, differsIn: 'color' });
    const shapes = SHAPES.filter((s) => s !== o.shape && !lookTaken(objs, { ...o, shape: s }, m));
    if (shapes.length) edits.push({ scene: editObject(positive, m, { shape: er.pick(shapes) }), obj: m, differsIn: 'shape' });
    const resized = lookTaken(objs, { ...o, size: o.size === 'small' ? 'large' : 'small' }, m) ? null : resizeObject(positive, m, er);
    if (resized) edits.push({ scene: resized, obj: m, differsIn: 'size' });
    edits.push({ scene: editObject(positive, m, { texture: er.pick(TEXTURES.filter((t) => t !== o.texture)) }), obj: m, differsIn: 'texture' });
  });
  const hardEdits = chooseHard(
    edits.map((e) => ({ input: image(e.scene), focus: { objects: [e.obj] }, differsIn: e.differsIn })),
    rng.fork('hard'),
  );
  // The focus is the objects the hard negatives touch: what a careful annotator would box.
  const touched = uniq(hardEdits.map((h) => h.focus.objects![0]!)).sort((a, b) => a - b);
  const hard = hardEdits.map((h) => ({ ...h, focus: { objects: touched } }));
  const easy = fillEasy(rng, RETRIEVAL_CANDIDATES - 1 - hard.length, (r) => ({ input: image(generateScene(r, {})), focus: {} }));
  const small = touched.some((i) => objs[i]!.size === 'small');
  return {
    abilities: uniq([fineOrCoarse(small), 'coarse']),
    query: image(scene),
    queryFocus: { objects: touched },
    positive: { input: image(positive), focus: { objects: touched } },
    hard,
    easy,
  };
};

/** A square crop around a box: 1.5× its longer side, at least a quarter of the image. */
export function cropAround(b: Box): Box {
  const side = Math.min(1000, Math.max(250, 1.5 * Math.max(b[2] - b[0], b[3] - b[1])));
  const cx = (b[0] + b[2]) / 2;
  const cy = (b[1] + b[3]) / 2;
  const x1 = Math.round(Math.max(0, Math.min(1000 - side, cx - side / 2)));
  const y1 = Math.round(Math.max(0, Math.min(1000 - side, cy - side / 2)));
  return [x1, y1, Math.round(x1 + side), Math.round(y1 + side)];
}

const buildImageGrounding: Builder = (rng) => {
  const target = randomLook(rng.fork('target'));
  const sib = rng.fork('siblings');
  const details = sib.sample(['color', 'shape', 'size', 'texture'] as const, sib.intIn(2, 3));
  const siblings = details.map((d) => {
    if (d === 'color') return { look: { ...target, color: sib.pick(COLORS.filter((c) => c !== target.color)) }, d };
    if (d === 'shape') return { look: { ...target, shape: sib.pick(SHAPES.filter((s) => s !== target.shape)) }, d };
    if (d === 'size') return { look: { ...target, size: target.size === 'small' ? ('large' as const) : ('small' as const) }, d };
    return { look: { ...target, texture: sib.pick(TEXTURES.filter((t) => t !== target.texture)) }, d };
  });
  const extras: ObjectLook[] = [];
  for (let k = 0, n = sib.intIn(0, 2); extras.length < n && k < 20; k++) {
    const l = randomLook(sib);
    const alsoTarget = l.shape === target.shape && l.color === target.color && l.size === target.size && l.texture === target.texture;
    if (!alsoTarget && !siblings.some((s) => s.look.shape === l.shape && s.look.color === l.color && s.look.size === l.size)) extras.push(l);
  }
  const looks = [target, ...siblings.map((s) => s.look), ...extras];
  const scene = generateScene(rng.fork('scene'), { count: looks.length, include: looks, unique: false, separate: true });
  if (scene.objects.length !== looks.length) return null;
  const same = (a: ObjectLook, b: ObjectLook) => a.shape === b.shape && a.color === b.color && a.size === b.size && a.texture === b.texture;
  const ti = scene.objects.findIndex((o) => same(o, target));
  const crop = (i: number): Cand => ({ input: image(scene, { crop: cropAround(objectBox(scene.objects[i]!, IMAGE_SIZE)) }), focus: { objects: [i] } });
  const hard: HardCand[] = [];
  const easy: Cand[] = [];
  scene.objects.forEach((o, i) => {
    if (i === ti) return;
    const s = siblings.find((x) => same(x.look, o));
    if (s) hard.push({ ...crop(i), differsIn: s.d });
    else easy.push(crop(i));
  });
  return {
    abilities: uniq(['spatial', ...(target.size === 'small' ? (['fine-grained'] as Ability[]) : [])]),
    query: image(scene, { text: `the ${lookPhrase(target)}` }),
    queryFocus: { objects: [ti] },
    positive: crop(ti),
    hard,
    easy,
  };
};

const buildImageCls: Builder = (rng) => {
  if (rng.chance(0.6)) {
    const n = rng.intIn(1, 6);
    const scene = generateScene(rng.fork('scene'), { count: n });
    if (scene.objects.length !== n) return null;
    const labels = NUMBER_WORDS.slice(1, 7).map((w) => textCand(w));
    return {
      abilities: ['coarse'],
      query: image(scene, { text: 'how many objects are there ?' }),
      queryFocus: { objects: scene.objects.map((_, i) => i), ask: 'count' },
      positive: labels[n - 1]!,
      hard: labels.flatMap((l, i) => (Math.abs(i + 1 - n) === 1 ? [{ ...l, differsIn: 'count' as const }] : [])),
      easy: labels.filter((_, i) => Math.abs(i + 1 - n) > 1),
    };
  }
  // Most common shape: one shape two or three times, every other shape once.
  const sr = rng.fork('shapes');
  const common = sr.pick(SHAPES);
  const repeats = sr.intIn(2, 3);
  const others = sr.sample(SHAPES.filter((s) => s !== common), sr.intIn(1, 6 - repeats));
  const colors = sr.sample(COLORS, repeats);
  const looks: ObjectLook[] = [
    ...colors.map((color) => ({ ...randomLook(sr), shape: common, color })),
    ...others.map((shape) => ({ ...randomLook(sr), shape })),
  ];
  const scene = generateScene(rng.fork('scene'), { count: looks.length, include: sr.shuffle(looks) });
  if (scene.objects.length !== looks.length) return null;
  const labels = SHAPES.map((s) => textCand(s));
  const present = new Set(scene.objects.map((o) => o.shape));
  return {
    abilities: ['coarse'],
    query: image(scene, { text: 'which shape is most common ?' }),
    queryFocus: { objects: scene.objects.flatMap((o, i) => (o.shape === common ? [i] : [])), ask: 'common-shape' },
    positive: labels[SHAPES.indexOf(common)]!,
    hard: SHAPES.flatMap((s, i) => (s !== common && present.has(s) ? [{ ...labels[i]!, differsIn: 'shape' as const }] : [])),
    easy: SHAPES.flatMap((s, i) => (s !== common && !present.has(s) ? [labels[i]!] : [])),
  };
};

/** Answer-word candidates: the answer, up to four others of its kind (hard), easy words of another kind. */
function wordChoices(answer: string, pool: readonly string[], detail: Detail, preferred: readonly string[], easyPool: readonly string[], rng: Rng) {
  const wrong = pool.filter((w) => w !== answer);
  const first = rng.shuffle(wrong.filter((w) => preferred.includes(w)));
  const rest = rng.shuffle(wrong.filter((w) => !preferred.includes(w)));
  const hard = [...first, ...rest].slice(0, MAX_HARD).map((w) => ({ ...textCand(w), differsIn: detail }));
  const easy = rng.sample(easyPool, RETRIEVAL_CANDIDATES - 1 - hard.length).map((w) => textCand(w));
  return { positive: textCand(answer), hard, easy };
}

const buildImageVqa: Builder = (rng) => {
  const scene = generateScene(rng.fork('scene'), { count: rng.intIn(2, 6) });
  const objs = scene.objects;
  const qr = rng.fork('question');
  const kind = qr.pick(['color', 'shape', 'size', 'count', 'relation'] as const);
  const uniqueBy = (i: number, keys: readonly ('shape' | 'color' | 'size')[]) =>
    objs.filter((o) => keys.every((k) => o[k] === objs[i]![k])).length === 1;
  const colorsIn = objs.map((o) => o.color as string);
  if (kind === 'count') {
    const color = qr.pick(objs).color;
    const n = objs.filter((o) => o.color === color).length;
    const numbers = NUMBER_WORDS.slice(1, 7) as readonly string[];
    const near = numbers.filter((_, i) => Math.abs(i + 1 - n) <= 2);
    const c = wordChoices(NUMBER_WORDS[n]!, near, 'count', near, [...SHAPES], qr);
    return {
      abilities: ['coarse'],
      query: image(scene, { text: `how many ${color} objects are there ?` }),
      queryFocus: { objects: objs.flatMap((o, i) => (o.color === color ? [i] : [])), ask: 'count' },
      ...c,
    };
  }
  if (kind === 'relation') {
    const options: { a: number; b: number; rel: Relation }[] = [];
    objs.forEach((_, b) => {
      for (const rel of ['left', 'right', 'above', 'below'] as const) {
        const as = objs.map((_, a) => a).filter((a) => a !== b && bestRelation(objs[a]!, objs[b]!, scene) === rel);
        if (as.length === 1) options.push({ a: as[0]!, b, rel });
      }
    });
    if (options.length === 0) return null;
    const { a, b, rel } = qr.pick(options);
    const c = wordChoices(objs[a]!.color, COLORS, 'color', colorsIn, [...SHAPES], qr);
    return {
      abilities: uniq(['spatial', fineOrCoarse(objs[a]!.size === 'small')]),
      query: image(scene, { text: `what colour is the object ${RELATION_TEXT[rel]} the ${lookPhrase(objs[b]!)} ?` }),
      queryFocus: { objects: [a], ask: 'color' },
      ...c,
    };
  }
  const keys = { color: ['size', 'shape'], shape: ['size', 'color'], size: ['color', 'shape'] } as const;
  const candidates = objs.map((_, i) => i).filter((i) => uniqueBy(i, keys[kind]));
  if (candidates.length === 0) return null;
  const t = qr.pick(candidates);
  const o = objs[t]!;
  const small = o.size === 'small';
  if (kind === 'color') {
    return {
      abilities: [fineOrCoarse(small)],
      query: image(scene, { text: `what colour is the ${o.size} ${o.shape} ?` }),
      queryFocus: { objects: [t], ask: 'color' },
      ...wordChoices(o.color, COLORS, 'color', colorsIn, [...SHAPES], qr),
    };
  }
  if (kind === 'shape') {
    return {
      abilities: [fineOrCoarse(small)],
      query: image(scene, { text: `what shape is the ${o.size} ${o.color} object ?` }),
      queryFocus: { objects: [t], ask: 'shape' },
      ...wordChoices(o.shape, SHAPES, 'shape', objs.map((p) => p.shape), [...COLORS], qr),
    };
  }
  return {
    abilities: [fineOrCoarse(small)],
    query: image(scene, { text: `what size is the ${o.color} ${o.shape} ?` }),
    queryFocus: { objects: [t], ask: 'size' },
    ...wordChoices(o.size, ['small', 'large'], 'size', [], [...COLORS, ...SHAPES], qr),
  };
};

// ---------------------------------------------------------------------------------------------
// clip captions

export interface ClipCaptionPick {
  caption: ClipCaption;
  /** events in caption order. */
  events: number[];
  focus: Focus;
}

export function captionClip(clip: ClipSpec, rng: Rng, opts: { seqProb?: number } = {}): ClipCaptionPick | null {
  if (clip.events.length === 0) return null;
  const states = clipStates(clip);
  const ev = (i: number) => describeEvent(clip, states, i);
  if (clip.events.length >= 2 && rng.chance(opts.seqProb ?? 0.5)) {
    const [i, j] = rng.sample(clip.events.map((_, k) => k), 2).sort((a, b) => a - b) as [number, number];
    const link = rng.pick(['then', 'before', 'before', 'after', 'after'] as const);
    const events = link === 'after' ? [j, i] : [i, j];
    return {
      caption: { kind: 'seq', first: ev(events[0]!), second: ev(events[1]!), link },
      events,
      focus: { events, link },
    };
  }
  const i = rng.int(clip.events.length);
  const timing = eventTiming(clip.events[i]!.frame);
  const when = timing && rng.chance(0.5) ? timing : undefined;
  return { caption: { kind: 'one', ev: ev(i), ...(when ? { when } : {}) }, events: [i], focus: { events: [i], ...(when ? { when } : {}) } };
}

/** The index of object `obj`'s event of kind `kind` in a (re-sorted) clip. */
function eventIndex(clip: ClipSpec, obj: number, kind: EventKind, frame?: number): number {
  return clip.events.findIndex((e) => e.obj === obj && e.kind === kind && (frame === undefined || e.frame === frame));
}

/** Clip edits for text→video hard negatives, each changing one detail the caption depends on. */
function clipEdits(clip: ClipSpec, pick: ClipCaptionPick, rng: Rng): { clip: ClipSpec; focus: Focus; differsIn: Detail }[] {
  const out: { clip: ClipSpec; focus: Focus; differsIn: Detail }[] = [];
  const sole = soleEvents(clip);
  const objs = clip.objects;
  const keep = (c: ClipSpec, d: Detail, focus: Focus = pick.focus) => out.push({ clip: c, focus, differsIn: d });
  for (const i of pick.events) {
    const e = clip.events[i]!;
    const o = objs[e.obj]!;
    const taken = (l: Partial<ObjectLook>) => objs.some((p, k) => k !== e.obj && p.shape === (l.shape ?? o.shape) && p.color === (l.color ?? o.color));
    const colors = COLORS.filter((c) => c !== o.color && c !== e.color && !taken({ color: c }));
    if (colors.length) keep(editClipObject(clip, e.obj, { color: rng.pick(colors) }), 'color');
    const shapes = SHAPES.filter((s) => s !== o.shape && !taken({ shape: s }));
    if (shapes.length) keep(editClipObject(clip, e.obj, { shape: rng.pick(shapes) }), 'shape');
    if (e.kind !== 'grow' && e.kind !== 'shrink' && sole.includes(i)) keep(editClipObject(clip, e.obj, { size: o.size === 'small' ? 'large' : 'small' }), 'size');
    keep(editClipObject(clip, e.obj, { texture: rng.pick(TEXTURES.filter((t) => t !== o.texture)) }), 'texture');
    const flipped = flipEvent(clip, i);
    if (flipped) keep(flipped, 'event');
  }
  const c = pick.caption;
  if (c.kind === 'seq' && c.link !== 'then' && pick.events.every((i) => sole.includes(i))) {
    const [i, j] = pick.events as [number, number];
    const swapped = swapEventFrames(clip, i, j);
    const ei = clip.events[i]!;
    const ej = clip.events[j]!;
    keep(swapped, 'order', { ...pick.focus, events: [eventIndex(swapped, ei.obj, ei.kind), eventIndex(swapped, ej.obj, ej.kind)] });
  }
  if (c.kind === 'one' && c.when && sole.includes(pick.events[0]!)) {
    const i = pick.events[0]!;
    const targetWindow = c.when === 'start' ? 3 : 0;
    if (!clip.events.some((e) => windowOf(e.frame) === targetWindow)) {
      const moved = moveEvent(clip, i, frameInWindow(targetWindow, clip.events[i]!.kind, rng));
      keep(moved.clip, 'timing', { ...pick.focus, events: [moved.index] });
    }
  }
  return out.filter((x) => !clipCaptionHolds(c, x.clip));
}

function clipAbilities(clip: ClipSpec, pick: ClipCaptionPick): Ability[] {
  const states = clipStates(clip);
  const small = pick.events.some((i) => describeEvent(clip, states, i).obj.size === 'small');
  return uniq<Ability>(['temporal', ...(pick.events.length < clip.events.length ? (['partial'] as Ability[]) : []), ...(small ? (['fine-grained'] as Ability[]) : [])]);
}

function captionedClip(rng: Rng): { clip: ClipSpec; pick: ClipCaptionPick } | null {
  const clip = generateClip(rng.fork('clip'), { events: rng.intIn(1, 3) });
  const pick = captionClip(clip, rng.fork('caption'));
  return pick ? { clip, pick } : null;
}

// ---------------------------------------------------------------------------------------------
// video tasks

const buildVideoT2V: Builder = (rng) => {
  const cc = captionedClip(rng);
  if (!cc) return null;
  const { clip, pick } = cc;
  const hard = chooseHard(
    clipEdits(clip, pick, rng.fork('edits')).map((e) => ({ input: video(e.clip), focus: e.focus, differsIn: e.differsIn })),
    rng.fork('hard'),
  );
  const easy = fillEasy(rng, RETRIEVAL_CANDIDATES - 1 - hard.length, (r) => {
    const other = generateClip(r, {});
    return clipCaptionHolds(pick.caption, other) ? null : { input: video(other), focus: {} };
  });
  return {
    abilities: clipAbilities(clip, pick),
    query: { modality: 'text', text: clipCaptionText(pick.caption) },
    queryFocus: { text: clipCaptionText(pick.caption) },
    positive: { input: video(clip), focus: pick.focus },
    hard,
    easy,
  };
};

const buildVideoV2T: Builder = (rng) => {
  const cc = captionedClip(rng);
  if (!cc) return null;
  const { clip, pick } = cc;
  const states = clipStates(clip);
  const edits = clipCaptionEdits(pick.caption, rng.fork('edits')).filter((e) => !clipCaptionHolds(e.caption, clip, states));
  const hard = chooseHard(
    edits.map((e) => ({ ...textCand(clipCaptionText(e.caption)), differsIn: e.differsIn })),
    rng.fork('hard'),
  );
  const easy = fillEasy(rng, RETRIEVAL_CANDIDATES - 1 - hard.length, (r) => {
    const other = captionedClip(r);
    if (!other || clipCaptionHolds(other.pick.caption, clip, states)) return null;
    return textCand(clipCaptionText(other.pick.caption));
  });
  return {
    abilities: clipAbilities(clip, pick),
    query: video(clip),
    queryFocus: pick.focus,
    positive: textCand(clipCaptionText(pick.caption)),
    hard,
    easy,
  };
};

const OPPOSITE_KIND: Partial<Record<EventKind, EventKind>> = { appear: 'leave', leave: 'appear', grow: 'shrink', shrink: 'grow', stop: 'start', start: 'stop' };

const buildVideoCls: Builder = (rng) => {
  const kind = rng.pick(EVENT_KINDS);
  const clip = generateClip(rng.fork('clip'), { events: 1, kinds: [kind], briefProb: 0, objects: rng.intIn(1, 3) });
  const labels = EVENT_KINDS.map((k) => textCand(EVENT_LABEL[k]));
  const opp = OPPOSITE_KIND[kind];
  const small = clip.objects[clip.events[0]!.obj]!.size === 'small';
  return {
    abilities: uniq<Ability>(['temporal', 'coarse', ...(small ? (['fine-grained'] as Ability[]) : [])]),
    query: video(clip),
    queryFocus: { events: [0], ask: 'label' },
    positive: labels[EVENT_KINDS.indexOf(kind)]!,
    hard: opp ? [{ ...labels[EVENT_KINDS.indexOf(opp)]!, differsIn: 'event' }] : [],
    easy: EVENT_KINDS.flatMap((k, i) => (k !== kind && k !== opp ? [labels[i]!] : [])),
  };
};

const buildVideoVqa: Builder = (rng) => {
  const qr = rng.fork('question');
  const kind = qr.pick(['color', 'event', 'next'] as const);
  const clip = generateClip(rng.fork('clip'), {
    events: kind === 'next' ? qr.intIn(2, 3) : qr.intIn(1, 3),
    kinds: kind === 'color' ? ['recolor'] : undefined,
  });
  const states = clipStates(clip);
  // "what does X do" needs X's only event; "what colour does X turn" its first recolor.
  const sole = soleEvents(clip);
  const main =
    kind === 'next' ? qr.int(clip.events.length - 1) : clip.events.findIndex((e, i) => (kind === 'color' ? e.kind === 'recolor' : sole.includes(i)));
  if (main < 0) return null;
  const d = describeEvent(clip, states, main);
  const name = `the ${lookPhrase(d.obj)}`;
  const small = d.obj.size === 'small';
  const abilities = uniq<Ability>(['temporal', ...(small ? (['fine-grained'] as Ability[]) : [])]);
  if (kind === 'color') {
    return {
      abilities,
      query: video(clip, { text: `what colour does ${name} turn ?` }),
      queryFocus: { events: [main], ask: 'color' },
      ...wordChoices(d.to!, COLORS, 'color', [d.obj.color, ...clip.objects.map((o) => o.color)], [...SHAPES], qr),
    };
  }
  if (kind === 'event') {
    const answer = eventVerbPhrase(d);
    const opp = OPPOSITE_KIND[d.kind];
    const others = EVENT_KINDS.filter((k) => k !== d.kind && k !== opp).map((k) => eventVerbPhrase({ kind: k, to: qr.pick(COLORS.filter((c) => c !== d.obj.color)) }));
    return {
      abilities,
      query: video(clip, { text: `what does ${name} do ?` }),
      queryFocus: { events: [main], ask: 'event' },
      positive: textCand(answer),
      hard: opp ? [{ ...textCand(eventVerbPhrase({ kind: opp })), differsIn: 'event' }] : [{ ...textCand(eventVerbPhrase({ kind: 'recolor', to: qr.pick(COLORS.filter((c) => c !== d.to && c !== d.obj.color)) })), differsIn: 'color' }],
      easy: others.map((t) => textCand(t)),
    };
  }
  const next = describeEvent(clip, states, main + 1);
  const verb = d.kind === 'recolor' ? `turns ${d.to}` : eventVerbPhrase(d).slice(3);
  const answer = eventPhrase(next);
  const edits = clipCaptionEdits({ kind: 'one', ev: next }, qr)
    .filter((e) => {
      const c = e.caption;
      return c.kind === 'one' && !clip.events.some((_, k) => eventPhrase(describeEvent(clip, states, k)) === eventPhrase(c.ev));
    })
    .map((e) => ({ ...textCand(clipCaptionText(e.caption)), differsIn: e.differsIn }));
  const hard = chooseHard(edits, qr);
  const easy = clip.events.flatMap((_, k) => (k === main + 1 ? [] : [textCand(eventPhrase(describeEvent(clip, states, k)))]));
  return {
    abilities,
    query: video(clip, { text: `what happens after ${name} ${verb} ?` }),
    queryFocus: { events: [main, main + 1], ask: 'next-event' },
    positive: textCand(answer),
    hard,
    easy,
  };
};

const buildVideoMoment: Builder = (rng) => {
  const clip = generateClip(rng.fork('clip'), { events: rng.intIn(2, 3) });
  const states = clipStates(clip);
  const lone = clip.events.map((_, i) => i).filter((i) => clip.events.filter((e) => windowOf(e.frame) === windowOf(clip.events[i]!.frame)).length === 1);
  if (lone.length === 0) return null;
  const i = rng.pick(lone);
  const d = describeEvent(clip, states, i);
  const w = windowOf(clip.events[i]!.frame);
  const segs = segments();
  const segCand = (c: ClipSpec, s: [number, number]): Cand => ({ input: video(c, { segment: s }), focus: {} });
  const other = generateClip(rng.fork('other'), {});
  return {
    abilities: uniq<Ability>(['temporal', 'partial', ...(d.obj.size === 'small' ? (['fine-grained'] as Ability[]) : [])]),
    query: { modality: 'text', text: eventPhrase(d) },
    queryFocus: { text: eventPhrase(d) },
    positive: segCand(clip, segs[w]!),
    hard: segs.flatMap((s, k) => (k === w ? [] : [{ ...segCand(clip, s), differsIn: 'segment' as const }])),
    easy: segs.map((s) => segCand(other, s)),
  };
};

export const BUILDERS: Record<Task, Builder> = {
  'image-cls': buildImageCls,
  'image-vqa': buildImageVqa,
  'image-t2i': buildImageT2I,
  'image-i2t': buildImageI2T,
  'image-i2i': buildImageI2I,
  'image-grounding': buildImageGrounding,
  'video-cls': buildVideoCls,
  'video-vqa': buildVideoVqa,
  'video-t2v': buildVideoT2V,
  'video-v2t': buildVideoV2T,
  'video-moment': buildVideoMoment,
};
