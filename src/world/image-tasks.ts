// The image tasks' builders (t2i, i2t, i2i, grounding, classification, VQA).

import { objectBox } from './raster';
import { bestRelation, editObject, generateScene, nuisanceVariant, randomLook, resizeObject } from './scene';
import {
  NUMBER_WORDS,
  RELATION_TEXT,
  imageCaptionEdits,
  imageCaptionHolds,
  imageCaptionText,
  lookPhrase,
} from './text';
import {
  COLORS,
  IMAGE_SIZE,
  SHAPES,
  TEXTURES,
  type Ability,
  type Box,
  type Detail,
  type ObjectLook,
  type Relation,
  type SceneSpec,
} from './types';
import type { Rng } from './rng';
import {
  Cand,
  HardCand,
  Builder,
  type CaptionedMedium,
  captionBuilders,
  RETRIEVAL_CANDIDATES,
  image,
  textCand,
  chooseHard,
  fillEasy,
  fineOrCoarse,
  uniq,
  touchingColors,
  lookTaken,
  wordChoices,
} from './task-kit';
import {
  captionCore,
  sceneEdits,
  sceneCaptionAbilities,
  captionedScene,
  imageFocus,
  type SceneCaption,
} from './captions';

// ---------------------------------------------------------------------------------------------
// image tasks

/** A captioned scene as both caption tasks see it (task-kit.ts). */
function captionedSceneMedium(rng: Rng): CaptionedMedium | null {
  const cs = captionedScene(rng);
  if (!cs) return null;
  const { scene, sc } = cs;
  const captionOf = (c: SceneCaption['caption']) => textCand(imageCaptionText(c), captionCore(c));
  return {
    abilities: sceneCaptionAbilities(scene, sc),
    medium: { input: image(scene), focus: imageFocus(sc) },
    caption: captionOf(sc.caption),
    mediumEdits: (r) =>
      sceneEdits(scene, sc, r).map((e) => ({
        input: image(e.scene),
        focus: { ...imageFocus(sc), objects: e.objects },
        differsIn: e.differsIn,
      })),
    captionEdits: (r) =>
      imageCaptionEdits(sc.caption, r)
        .filter((e) => !imageCaptionHolds(e.caption, scene))
        .map((e) => ({ ...captionOf(e.caption), differsIn: e.differsIn })),
    otherMedium: (r) => {
      const other = generateScene(r, {});
      return imageCaptionHolds(sc.caption, other) ? null : { input: image(other), focus: {} };
    },
    otherCaption: (r) => {
      const other = captionedScene(r);
      return !other || imageCaptionHolds(other.sc.caption, scene) ? null : captionOf(other.sc.caption);
    },
  };
}

export const { toMedium: buildImageT2I, toCaption: buildImageI2T } = captionBuilders(captionedSceneMedium);

export const buildImageI2I: Builder = (rng) => {
  const scene = generateScene(rng.fork('scene'), { count: rng.intIn(2, 6) });
  const positive = nuisanceVariant(scene, rng.fork('nuisance'));
  const objs = positive.objects;
  const edits: { scene: SceneSpec; obj: number; differsIn: Detail }[] = [];
  const er = rng.fork('edits');
  objs.forEach((o, m) => {
    const colors = COLORS.filter(
      (c) => c !== o.color && !lookTaken(objs, { ...o, color: c }, m) && !touchingColors(positive, m).includes(c),
    );
    if (colors.length)
      edits.push({ scene: editObject(positive, m, { color: er.pick(colors) }), obj: m, differsIn: 'color' });
    const shapes = SHAPES.filter((s) => s !== o.shape && !lookTaken(objs, { ...o, shape: s }, m));
    if (shapes.length)
      edits.push({ scene: editObject(positive, m, { shape: er.pick(shapes) }), obj: m, differsIn: 'shape' });
    const resized = lookTaken(objs, { ...o, size: o.size === 'small' ? 'large' : 'small' }, m)
      ? null
      : resizeObject(positive, m, er);
    if (resized) edits.push({ scene: resized, obj: m, differsIn: 'size' });
    edits.push({
      scene: editObject(positive, m, { texture: er.pick(TEXTURES.filter((t) => t !== o.texture)) }),
      obj: m,
      differsIn: 'texture',
    });
  });
  const hardEdits = chooseHard(
    edits.map((e) => ({ input: image(e.scene), focus: { objects: [e.obj] }, differsIn: e.differsIn })),
    rng.fork('hard'),
  );
  // The focus is the objects the hard negatives touch: what a careful annotator would box.
  const touched = uniq(hardEdits.map((h) => h.focus.objects![0]!)).sort((a, b) => a - b);
  const hard = hardEdits.map((h) => ({ ...h, focus: { objects: touched } }));
  const easy = fillEasy(rng, RETRIEVAL_CANDIDATES - 1 - hard.length, (r) => ({
    input: image(generateScene(r, {})),
    focus: {},
  }));
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

export const buildImageGrounding: Builder = (rng) => {
  const target = randomLook(rng.fork('target'));
  const sib = rng.fork('siblings');
  const details = sib.sample(['color', 'shape', 'size', 'texture'] as const, sib.intIn(2, 3));
  const siblings = details.map((d) => {
    if (d === 'color') return { look: { ...target, color: sib.pick(COLORS.filter((c) => c !== target.color)) }, d };
    if (d === 'shape') return { look: { ...target, shape: sib.pick(SHAPES.filter((s) => s !== target.shape)) }, d };
    if (d === 'size')
      return { look: { ...target, size: target.size === 'small' ? ('large' as const) : ('small' as const) }, d };
    return { look: { ...target, texture: sib.pick(TEXTURES.filter((t) => t !== target.texture)) }, d };
  });
  const extras: ObjectLook[] = [];
  for (let k = 0, n = sib.intIn(0, 2); extras.length < n && k < 20; k++) {
    const l = randomLook(sib);
    const alsoTarget =
      l.shape === target.shape && l.color === target.color && l.size === target.size && l.texture === target.texture;
    if (
      !alsoTarget &&
      !siblings.some((s) => s.look.shape === l.shape && s.look.color === l.color && s.look.size === l.size)
    )
      extras.push(l);
  }
  const looks = [target, ...siblings.map((s) => s.look), ...extras];
  const scene = generateScene(rng.fork('scene'), {
    count: looks.length,
    include: looks,
    unique: false,
    separate: true,
  });
  if (scene.objects.length !== looks.length) return null;
  const same = (a: ObjectLook, b: ObjectLook) =>
    a.shape === b.shape && a.color === b.color && a.size === b.size && a.texture === b.texture;
  const ti = scene.objects.findIndex((o) => same(o, target));
  const crop = (i: number): Cand => ({
    input: image(scene, { crop: cropAround(objectBox(scene.objects[i]!, IMAGE_SIZE)) }),
    focus: { objects: [i] },
  });
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

export const buildImageCls: Builder = (rng) => {
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
  const others = sr.sample(
    SHAPES.filter((s) => s !== common),
    sr.intIn(1, 6 - repeats),
  );
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
    hard: SHAPES.flatMap((s, i) =>
      s !== common && present.has(s) ? [{ ...labels[i]!, differsIn: 'shape' as const }] : [],
    ),
    easy: SHAPES.flatMap((s, i) => (s !== common && !present.has(s) ? [labels[i]!] : [])),
  };
};

export const buildImageVqa: Builder = (rng) => {
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
      ...wordChoices(
        o.shape,
        SHAPES,
        'shape',
        objs.map((p) => p.shape),
        [...COLORS],
        qr,
      ),
    };
  }
  return {
    abilities: [fineOrCoarse(small)],
    query: image(scene, { text: `what size is the ${o.color} ${o.shape} ?` }),
    queryFocus: { objects: [t], ask: 'size' },
    ...wordChoices(o.size, ['small', 'large'], 'size', [], [...COLORS, ...SHAPES], qr),
  };
};
