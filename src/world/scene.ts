// Still scenes: a seeded generator of SceneSpecs, the renderer, per-object boxes, spatial relations
// and the one-detail edits that hard negatives are made of.

import { createCanvas, drawObject, fillBackground, objectBox, toRGBA } from './raster';
import type { Rng } from './rng';
import {
  BACKGROUNDS,
  COLORS,
  IMAGE_SIZE,
  SHAPES,
  type Background,
  type BackgroundKind,
  type Box,
  type ObjectLook,
  type Relation,
  type SceneObject,
  type SceneSpec,
  type Size,
  type Texture,
} from './types';

/** Radius ranges in 0–1000 units: small ≈ 10–16 px wide at 96 px, large ≈ 26–40 px. */
export const RADIUS: Record<Size, [number, number]> = { small: [54, 84], large: [138, 205] };
/** Margin to the image border, 0–1000 units. */
const BORDER = 12;
/** A relation is stated only when the centres are this far apart along its axis. */
const REL_GAP = 150;
/** …and the relation's axis must clearly dominate the other (no "left of" for a diagonal). */
const DOMINANCE = 1.3;

export function sameLook(a: ObjectLook, b: ObjectLook): boolean {
  return a.shape === b.shape && a.color === b.color && a.size === b.size && a.texture === b.texture;
}

export function randomBackground(rng: Rng, kind?: BackgroundKind): Background {
  const k = kind ?? rng.pick(BACKGROUNDS);
  // Muted, darkish backgrounds so the saturated object colours stand out.
  const tone = () => {
    const base = rng.range(30, 105);
    return [0, 1, 2].map(() => Math.round(base + rng.range(-14, 14))) as [number, number, number];
  };
  const a = tone();
  let b = tone();
  if (k === 'flat') b = [a[0], a[1], a[2]];
  else if (Math.abs(a[0] + a[1] + a[2] - b[0] - b[1] - b[2]) < 60) {
    // Make the second tone visibly different from the first.
    const lift = a[0] + a[1] + a[2] > 200 ? -40 : 40;
    b = [a[0] + lift, a[1] + lift, a[2] + lift];
  }
  return {
    kind: k,
    a,
    b,
    angle: Math.round(rng.int(8) * 45 + rng.range(-10, 10)),
    period: Math.round(k === 'stripes' ? rng.range(6, 14) : rng.range(8, 20)),
    seed: rng.nextU32(),
  };
}

export function randomTexture(rng: Rng): Texture {
  const u = rng.float();
  return u < 0.6 ? 'solid' : u < 0.8 ? 'outlined' : 'striped';
}

export function randomLook(rng: Rng, smallProb = 0.55): ObjectLook {
  return {
    shape: rng.pick(SHAPES),
    color: rng.pick(COLORS),
    size: rng.chance(smallProb) ? 'small' : 'large',
    texture: randomTexture(rng),
  };
}

export function randomRadius(rng: Rng, size: Size): number {
  const [lo, hi] = RADIUS[size];
  return Math.round(rng.range(lo, hi));
}

export interface SceneOptions {
  /** number of objects (default 1–6 uniformly). */
  count?: number;
  /** looks that must appear (first in the generated list's look order, placed like the others). */
  include?: ObjectLook[];
  smallProb?: number;
  /** chance that a small object is placed inside an earlier large one. */
  insideProb?: number;
  /** keep objects apart (grounding crops, relation captions). */
  separate?: boolean;
  /** reject looks equal in (shape, colour, size) to an earlier object (default true). */
  unique?: boolean;
}

/** Does a look collide with an existing object in the attributes captions use to identify it? */
function collides(look: ObjectLook, objects: readonly ObjectLook[]): boolean {
  return objects.some((o) => o.shape === look.shape && o.color === look.color && o.size === look.size);
}

function fits(o: SceneObject): boolean {
  return o.x - o.r >= BORDER && o.x + o.r <= 1000 - BORDER && o.y - o.r >= BORDER && o.y + o.r <= 1000 - BORDER;
}

/** Minimum centre distance, as a fraction of the radii sum: objects may overlap by a quarter. */
function minDistance(a: SceneObject, b: SceneObject, separate: boolean): number {
  return (separate ? 1.12 : 0.78) * (a.r + b.r);
}

function placeFree(rng: Rng, look: ObjectLook, r: number, placed: readonly SceneObject[], separate: boolean) {
  for (let attempt = 0; attempt < 80; attempt++) {
    const o: SceneObject = {
      ...look,
      r,
      x: Math.round(rng.range(BORDER + r, 1000 - BORDER - r)),
      y: Math.round(rng.range(BORDER + r, 1000 - BORDER - r)),
    };
    const ok = placed.every((p) => {
      const d = Math.hypot(p.x - o.x, p.y - o.y);
      // Overlapping objects never share a colour (they would merge into one blob).
      return d >= minDistance(o, p, separate) && (d >= o.r + p.r || p.color !== o.color);
    });
    if (ok) return o;
  }
  return null;
}

/**
 * A random scene. Large objects are drawn before small ones so a small object is never hidden; an
 * object that cannot be placed without heavy overlap is dropped (so the count may be lower than
 * asked only when the image is crowded with large objects — callers that need an exact count check it).
 */
export function generateScene(rng: Rng, opts: SceneOptions = {}): SceneSpec {
  const count = opts.count ?? rng.intIn(1, 6);
  const unique = opts.unique ?? true;
  const looks: ObjectLook[] = [...(opts.include ?? [])];
  let guard = 0;
  while (looks.length < count && guard++ < 200) {
    const look = randomLook(rng, opts.smallProb);
    if (!unique || !collides(look, looks)) looks.push(look);
  }
  const order = looks
    .map((l, i) => ({ l, i }))
    .sort((p, q) => (p.l.size === q.l.size ? p.i - q.i : p.l.size === 'large' ? -1 : 1));
  const placed: SceneObject[] = [];
  for (const { l } of order) {
    const r = randomRadius(rng, l.size);
    let o: SceneObject | null = null;
    if (l.size === 'small' && !opts.separate && rng.chance(opts.insideProb ?? 0.15)) {
      const hosts = placed.filter(
        (p) =>
          p.size === 'large' &&
          p.color !== l.color &&
          !placed.some((q) => q !== p && q.size === 'small' && isInside(q, p)),
      );
      if (hosts.length > 0) {
        const host = rng.pick(hosts);
        const cand: SceneObject = {
          ...l,
          r,
          x: Math.round(host.x + rng.range(-0.15, 0.15) * host.r),
          y: Math.round(host.y + rng.range(-0.15, 0.15) * host.r),
        };
        const others = placed.filter((p) => p !== host);
        if (
          fits(cand) &&
          others.every(
            (p) => Math.hypot(p.x - cand.x, p.y - cand.y) >= Math.max(minDistance(cand, p, false), cand.r + p.r),
          )
        )
          o = cand;
      }
    }
    o ??= placeFree(rng, l, r, placed, opts.separate ?? false);
    if (o) placed.push(o);
  }
  return { background: randomBackground(rng), objects: placed };
}

export function renderScene(spec: SceneSpec): Uint8Array {
  const canvas = createCanvas(IMAGE_SIZE);
  fillBackground(canvas, spec.background);
  for (const o of spec.objects) drawObject(canvas, o);
  return toRGBA(canvas);
}

export function sceneBoxes(spec: SceneSpec): Box[] {
  return spec.objects.map((o) => objectBox(o, IMAGE_SIZE));
}

export function isInside(a: SceneObject, b: SceneObject): boolean {
  return a.size === 'small' && b.size === 'large' && Math.hypot(a.x - b.x, a.y - b.y) < 0.45 * b.r;
}

/** Does `rel` hold of a relative to b? (y grows downwards; a must be drawn after b for 'inside'.) */
export function relationHolds(rel: Relation, a: SceneObject, b: SceneObject, scene?: SceneSpec): boolean {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  switch (rel) {
    case 'left':
      return dx > REL_GAP && dx > DOMINANCE * Math.abs(dy);
    case 'right':
      return -dx > REL_GAP && -dx > DOMINANCE * Math.abs(dy);
    case 'above':
      return dy > REL_GAP && dy > DOMINANCE * Math.abs(dx);
    case 'below':
      return -dy > REL_GAP && -dy > DOMINANCE * Math.abs(dx);
    case 'inside':
      return isInside(a, b) && (!scene || scene.objects.indexOf(a) > scene.objects.indexOf(b));
    case 'next':
      return !isInside(a, b) && !isInside(b, a) && Math.hypot(dx, dy) < a.r + b.r + 110;
  }
}

/** The relation a caption would state for (a, b), most specific first; null when none is clear. */
export function bestRelation(a: SceneObject, b: SceneObject, scene: SceneSpec): Relation | null {
  for (const rel of ['inside', 'left', 'right', 'above', 'below', 'next'] as const) {
    if (relationHolds(rel, a, b, scene)) return rel;
  }
  return null;
}

/** A copy of the scene with object i changed. */
export function editObject(scene: SceneSpec, i: number, patch: Partial<SceneObject>): SceneSpec {
  return { ...scene, objects: scene.objects.map((o, j) => (j === i ? { ...o, ...patch } : o)) };
}

/** Change object i's size class (radius re-drawn within the class); null if it would leave the image. */
export function resizeObject(scene: SceneSpec, i: number, rng: Rng): SceneSpec | null {
  const o = scene.objects[i]!;
  const size: Size = o.size === 'small' ? 'large' : 'small';
  const edited = editObject(scene, i, { size, r: randomRadius(rng, size) });
  return fits(edited.objects[i]!) ? edited : null;
}

/**
 * Mirror object a about object b along the relation's axis so the relation flips. Returns null when
 * the mirrored object would leave the image or sit on another object.
 */
export function mirrorRelation(
  scene: SceneSpec,
  a: number,
  b: number,
  rel: 'left' | 'right' | 'above' | 'below',
): SceneSpec | null {
  const oa = scene.objects[a]!;
  const ob = scene.objects[b]!;
  const horizontal = rel === 'left' || rel === 'right';
  const moved: SceneObject = horizontal ? { ...oa, x: 2 * ob.x - oa.x } : { ...oa, y: 2 * ob.y - oa.y };
  if (!fits(moved)) return null;
  const clash = scene.objects.some(
    (p, j) => j !== a && Math.hypot(p.x - moved.x, p.y - moved.y) < minDistance(moved, p, false),
  );
  if (clash) return null;
  return editObject(scene, a, moved);
}

/** A nuisance copy: same objects and relations, shifted together by a few pixels, new background. */
export function nuisanceVariant(scene: SceneSpec, rng: Rng): SceneSpec {
  const xs = scene.objects.map((o) => [o.x - o.r - BORDER, 1000 - BORDER - (o.x + o.r)]);
  const ys = scene.objects.map((o) => [o.y - o.r - BORDER, 1000 - BORDER - (o.y + o.r)]);
  const room = (v: number[][]) =>
    [-Math.min(40, ...v.map((p) => p[0]!)), Math.min(40, ...v.map((p) => p[1]!))] as const;
  const [dx0, dx1] = room(xs);
  const [dy0, dy1] = room(ys);
  const dx = Math.round(rng.range(Math.min(dx0, 0), Math.max(dx1, 0)));
  const dy = Math.round(rng.range(Math.min(dy0, 0), Math.max(dy1, 0)));
  return {
    background: randomBackground(rng),
    objects: scene.objects.map((o) => ({ ...o, x: o.x + dx, y: o.y + dy })),
  };
}

/** Place one more object without moving the others; returns the new scene and its index, or null. */
export function addObject(scene: SceneSpec, look: ObjectLook, rng: Rng): { scene: SceneSpec; index: number } | null {
  const o = placeFree(rng, look, randomRadius(rng, look.size), scene.objects, false);
  if (!o) return null;
  // Small objects go last so they stay on top; a large one goes before the small ones.
  const objects = scene.objects.slice();
  const firstSmall = objects.findIndex((p) => p.size === 'small');
  const index = look.size === 'small' || firstSmall < 0 ? objects.length : firstSmall;
  objects.splice(index, 0, o);
  return { scene: { ...scene, objects }, index };
}

export function removeObject(scene: SceneSpec, i: number): SceneSpec {
  return { ...scene, objects: scene.objects.filter((_, j) => j !== i) };
}

/** One detail in which two scenes differ, per object; used by tests and the suite's self-checks. */
export function diffScenes(a: SceneSpec, b: SceneSpec): string[] {
  if (a.objects.length !== b.objects.length) return ['count'];
  const out: string[] = [];
  a.objects.forEach((o, i) => {
    const p = b.objects[i]!;
    for (const k of ['shape', 'color', 'size', 'texture'] as const) if (o[k] !== p[k]) out.push(`${i}.${k}`);
    if (o.x !== p.x || o.y !== p.y) out.push(`${i}.position`);
  });
  return out;
}
