// Captions the task builders draw for a scene or a clip, and the one-detail edits that make a caption false.

import {
  clipStates,
  editClipObject,
  eventTiming,
  flipEvent,
  frameInWindow,
  generateClip,
  moveEvent,
  soleEvents,
  swapEventFrames,
  windowOf,
} from './clip';
import type { Rng } from './rng';
import {
  addObject,
  bestRelation,
  editObject,
  generateScene,
  mirrorRelation,
  randomLook,
  removeObject,
  resizeObject,
} from './scene';
import {
  RELATION_TEXT,
  clipCaptionHolds,
  countPhrase,
  describeEvent,
  imageCaptionHolds,
  lookPhrase,
  type ClipCaption,
  type ImageCaption,
  type ImageClause,
} from './text';
import {
  COLORS,
  SHAPES,
  TEXTURES,
  type Ability,
  type ClipSpec,
  type Detail,
  type EventKind,
  type Focus,
  type ObjectLook,
  type Relation,
  type SceneSpec,
} from './types';
import { fineOrCoarse, uniq, touchingColors, lookTaken } from './task-kit';

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
  const core =
    rel && rel.kind === 'rel'
      ? `a ${lookPhrase(rel.a)} ${RELATION_TEXT[rel.rel]} a ${lookPhrase(rel.b)}`
      : has.length > 0
        ? has.join(' and ')
        : 'nothing';
  const count = c.clauses.find((cl) => cl.kind === 'count');
  return count && count.kind === 'count' ? `${countPhrase(count.n)} , ${core}` : core;
}

export function captionScene(
  scene: SceneSpec,
  rng: Rng,
  opts: { relProb?: number; countProb?: number; noneProb?: number } = {},
): SceneCaption | null {
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
    objects = rng.sample(
      objs.map((_, i) => i),
      objs.length >= 2 && rng.chance(0.5) ? 2 : 1,
    );
    for (const i of objects) clauses.push({ kind: 'has', obj: objs[i]! });
  }
  clauses.forEach((c) => {
    if (c.kind === 'rel') {
      c.a = { shape: c.a.shape, color: c.a.color, size: c.a.size, texture: c.a.texture };
      c.b = { shape: c.b.shape, color: c.b.color, size: c.b.size, texture: c.b.texture };
    }
    if (c.kind === 'has') c.obj = { shape: c.obj.shape, color: c.obj.color, size: c.obj.size, texture: c.obj.texture };
  });
  if (rng.chance(opts.countProb ?? 0.3)) clauses.unshift({ kind: 'count', n: objs.length });
  if (rng.chance(opts.noneProb ?? 0.08)) {
    const absent = COLORS.flatMap((color) => SHAPES.map((shape) => ({ color, shape }))).filter(
      (cs) => !objs.some((o) => o.color === cs.color && o.shape === cs.shape),
    );
    clauses.push({ kind: 'none', ...rng.pick(absent) });
  }
  return { caption: { clauses }, objects, relation };
}

/** Scene edits for text→image hard negatives, each changing one detail the caption depends on. */
export function sceneEdits(
  scene: SceneSpec,
  sc: SceneCaption,
  rng: Rng,
): { scene: SceneSpec; objects: number[]; differsIn: Detail }[] {
  const out: { scene: SceneSpec; objects: number[]; differsIn: Detail }[] = [];
  const objs = scene.objects;
  for (const m of sc.objects) {
    const o = objs[m]!;
    const colors = COLORS.filter(
      (c) => c !== o.color && !lookTaken(objs, { ...o, color: c }, m) && !touchingColors(scene, m).includes(c),
    );
    if (colors.length > 0)
      out.push({ scene: editObject(scene, m, { color: rng.pick(colors) }), objects: sc.objects, differsIn: 'color' });
    const shapes = SHAPES.filter((s) => s !== o.shape && !lookTaken(objs, { ...o, shape: s }, m));
    if (shapes.length > 0)
      out.push({ scene: editObject(scene, m, { shape: rng.pick(shapes) }), objects: sc.objects, differsIn: 'shape' });
    const resized = lookTaken(objs, { ...o, size: o.size === 'small' ? 'large' : 'small' }, m)
      ? null
      : resizeObject(scene, m, rng);
    if (resized) out.push({ scene: resized, objects: sc.objects, differsIn: 'size' });
    out.push({
      scene: editObject(scene, m, { texture: rng.pick(TEXTURES.filter((t) => t !== o.texture)) }),
      objects: sc.objects,
      differsIn: 'texture',
    });
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
      out.push({
        scene: removeObject(scene, gone),
        objects: sc.objects.map((i) => (i > gone ? i - 1 : i)),
        differsIn: 'count',
      });
    } else if (objs.length < 6) {
      let look = randomLook(rng);
      for (let k = 0; k < 10 && lookTaken(objs, look, -1); k++) look = randomLook(rng);
      const added = lookTaken(objs, look, -1) ? null : addObject(scene, look, rng);
      if (added)
        out.push({
          scene: added.scene,
          objects: sc.objects.map((i) => (i >= added.index ? i + 1 : i)),
          differsIn: 'count',
        });
    }
  }
  return out.filter((e) => !imageCaptionHolds(sc.caption, e.scene));
}

export function sceneCaptionAbilities(scene: SceneSpec, sc: SceneCaption): Ability[] {
  const small = sc.objects.some((i) => scene.objects[i]!.size === 'small');
  return uniq([fineOrCoarse(small), ...(sc.relation ? (['spatial'] as Ability[]) : [])]);
}

export function captionedScene(rng: Rng): { scene: SceneSpec; sc: SceneCaption } | null {
  const scene = generateScene(rng.fork('scene'), { count: rng.intIn(2, 6) });
  const sc = captionScene(scene, rng.fork('caption'));
  return sc ? { scene, sc } : null;
}

export const imageFocus = (sc: SceneCaption): Focus => ({
  objects: sc.objects,
  ...(sc.relation ? { relation: sc.relation } : {}),
  ...(sc.caption.clauses.some((c) => c.kind === 'count') ? { count: true } : {}),
});

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
    const [i, j] = rng
      .sample(
        clip.events.map((_, k) => k),
        2,
      )
      .sort((a, b) => a - b) as [number, number];
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
  return {
    caption: { kind: 'one', ev: ev(i), ...(when ? { when } : {}) },
    events: [i],
    focus: { events: [i], ...(when ? { when } : {}) },
  };
}

/** The index of object `obj`'s event of kind `kind` in a (re-sorted) clip. */
export function eventIndex(clip: ClipSpec, obj: number, kind: EventKind, frame?: number): number {
  return clip.events.findIndex((e) => e.obj === obj && e.kind === kind && (frame === undefined || e.frame === frame));
}

/** Clip edits for text→video hard negatives, each changing one detail the caption depends on. */
export function clipEdits(
  clip: ClipSpec,
  pick: ClipCaptionPick,
  rng: Rng,
): { clip: ClipSpec; focus: Focus; differsIn: Detail }[] {
  const out: { clip: ClipSpec; focus: Focus; differsIn: Detail }[] = [];
  const sole = soleEvents(clip);
  const objs = clip.objects;
  const keep = (c: ClipSpec, d: Detail, focus: Focus = pick.focus) => out.push({ clip: c, focus, differsIn: d });
  for (const i of pick.events) {
    const e = clip.events[i]!;
    const o = objs[e.obj]!;
    const taken = (l: Partial<ObjectLook>) =>
      objs.some((p, k) => k !== e.obj && p.shape === (l.shape ?? o.shape) && p.color === (l.color ?? o.color));
    const colors = COLORS.filter((c) => c !== o.color && c !== e.color && !taken({ color: c }));
    if (colors.length) keep(editClipObject(clip, e.obj, { color: rng.pick(colors) }), 'color');
    const shapes = SHAPES.filter((s) => s !== o.shape && !taken({ shape: s }));
    if (shapes.length) keep(editClipObject(clip, e.obj, { shape: rng.pick(shapes) }), 'shape');
    if (e.kind !== 'grow' && e.kind !== 'shrink' && sole.includes(i))
      keep(editClipObject(clip, e.obj, { size: o.size === 'small' ? 'large' : 'small' }), 'size');
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
    keep(swapped, 'order', {
      ...pick.focus,
      events: [eventIndex(swapped, ei.obj, ei.kind), eventIndex(swapped, ej.obj, ej.kind)],
    });
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

export function clipAbilities(clip: ClipSpec, pick: ClipCaptionPick): Ability[] {
  const states = clipStates(clip);
  const small = pick.events.some((i) => describeEvent(clip, states, i).obj.size === 'small');
  return uniq<Ability>([
    'temporal',
    ...(pick.events.length < clip.events.length ? (['partial'] as Ability[]) : []),
    ...(small ? (['fine-grained'] as Ability[]) : []),
  ]);
}

export function captionedClip(rng: Rng): { clip: ClipSpec; pick: ClipCaptionPick } | null {
  const clip = generateClip(rng.fork('clip'), { events: rng.intIn(1, 3) });
  const pick = captionClip(clip, rng.fork('caption'));
  return pick ? { clip, pick } : null;
}
