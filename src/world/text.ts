// The compositional grammar: structured captions for scenes and clips, their text, an evaluator
// that decides whether a caption is true of a scene/clip, and one-word edits (text hard negatives).

import { clipStates, eventLook, eventTiming } from './clip';
import type { Rng } from './rng';
import { relationHolds, sameLook } from './scene';
import {
  COLORS,
  SHAPES,
  type ClipSpec,
  type Color,
  type Detail,
  type EventKind,
  type FrameObject,
  type ObjectLook,
  type Relation,
  type SceneSpec,
  type Shape,
  OPPOSITE_EVENT,
} from './types';

export const NUMBER_WORDS = [
  'zero',
  'one',
  'two',
  'three',
  'four',
  'five',
  'six',
  'seven',
  'eight',
  'nine',
  'ten',
  'eleven',
  'twelve',
] as const;

export const RELATION_TEXT: Record<Relation, string> = {
  left: 'left of',
  right: 'right of',
  above: 'above',
  below: 'below',
  next: 'next to',
  inside: 'inside',
};

export const EVENT_TEXT: Record<Exclude<EventKind, 'recolor'>, string> = {
  appear: 'appears',
  leave: 'leaves',
  grow: 'grows',
  shrink: 'shrinks',
  stop: 'stops moving',
  start: 'starts moving',
};

/** Class labels for video classification, one per event kind. */
export const EVENT_LABEL: Record<EventKind, string> = {
  appear: 'an object appears',
  leave: 'an object leaves',
  recolor: 'an object changes colour',
  grow: 'an object grows',
  shrink: 'an object shrinks',
  stop: 'an object stops moving',
  start: 'an object starts moving',
};

/** "small striped red star" — size, texture (unless solid), colour, shape. */
export function lookPhrase(l: ObjectLook): string {
  return [l.size, l.texture === 'solid' ? '' : l.texture, l.color, l.shape].filter(Boolean).join(' ');
}

export function countPhrase(n: number): string {
  return n === 1 ? 'there is one object' : `there are ${NUMBER_WORDS[n]} objects`;
}

export type ImageClause =
  | { kind: 'count'; n: number }
  | { kind: 'has'; obj: ObjectLook }
  | { kind: 'rel'; a: ObjectLook; rel: Relation; b: ObjectLook }
  | { kind: 'none'; color: Color; shape: Shape };

export interface ImageCaption {
  clauses: ImageClause[];
}

export function clauseText(c: ImageClause): string {
  switch (c.kind) {
    case 'count':
      return countPhrase(c.n);
    case 'has':
      return `a ${lookPhrase(c.obj)}`;
    case 'rel':
      return `a ${lookPhrase(c.a)} ${RELATION_TEXT[c.rel]} a ${lookPhrase(c.b)}`;
    case 'none':
      return `no ${c.color} ${c.shape}`;
  }
}

export function imageCaptionText(c: ImageCaption): string {
  return c.clauses.map(clauseText).join(' , ');
}

function clauseHolds(c: ImageClause, scene: SceneSpec): boolean {
  const objs = scene.objects;
  switch (c.kind) {
    case 'count':
      return objs.length === c.n;
    case 'has':
      return objs.some((o) => sameLook(o, c.obj));
    case 'rel':
      return objs.some(
        (a) => sameLook(a, c.a) && objs.some((b) => b !== a && sameLook(b, c.b) && relationHolds(c.rel, a, b, scene)),
      );
    case 'none':
      return !objs.some((o) => o.color === c.color && o.shape === c.shape);
  }
}

export function imageCaptionHolds(c: ImageCaption, scene: SceneSpec): boolean {
  return c.clauses.every((cl) => clauseHolds(cl, scene));
}

export interface EventDesc {
  kind: EventKind;
  obj: ObjectLook;
  /** recolor target. */
  to?: Color;
}

export type ClipCaption =
  | { kind: 'one'; ev: EventDesc; when?: 'start' | 'end' }
  | { kind: 'seq'; first: EventDesc; second: EventDesc; link: 'then' | 'before' | 'after' };

/** "the small red circle stops moving" / "the large blue star turns green". */
export function eventPhrase(e: EventDesc): string {
  const verb = e.kind === 'recolor' ? `turns ${e.to}` : EVENT_TEXT[e.kind];
  return `the ${lookPhrase(e.obj)} ${verb}`;
}

/** "it stops moving" (a VQA answer about a named object). */
export function eventVerbPhrase(e: Pick<EventDesc, 'kind' | 'to'>): string {
  return `it ${e.kind === 'recolor' ? `turns ${e.to}` : EVENT_TEXT[e.kind]}`;
}

export function clipCaptionText(c: ClipCaption): string {
  if (c.kind === 'one') return c.when ? `${eventPhrase(c.ev)} at the ${c.when}` : eventPhrase(c.ev);
  if (c.link === 'then') return `${eventPhrase(c.first)} , then ${eventPhrase(c.second)}`;
  return `${eventPhrase(c.first)} ${c.link} ${eventPhrase(c.second)}`;
}

export function describeEvent(spec: ClipSpec, states: FrameObject[][], i: number): EventDesc {
  const e = spec.events[i]!;
  const d: EventDesc = { kind: e.kind, obj: eventLook(states, e) };
  if (e.kind === 'recolor') d.to = e.color;
  return d;
}

function sameEvent(a: EventDesc, b: EventDesc): boolean {
  return a.kind === b.kind && sameLook(a.obj, b.obj) && (a.kind !== 'recolor' || a.to === b.to);
}

/** Frames at which an event matching `d` happens. */
function matchFrames(d: EventDesc, spec: ClipSpec, states: FrameObject[][]): number[] {
  return spec.events.flatMap((e, i) => (sameEvent(describeEvent(spec, states, i), d) ? [e.frame] : []));
}

export function clipCaptionHolds(c: ClipCaption, spec: ClipSpec, states = clipStates(spec)): boolean {
  if (c.kind === 'one') {
    const frames = matchFrames(c.ev, spec, states);
    return c.when ? frames.some((f) => eventTiming(f) === c.when) : frames.length > 0;
  }
  const f1 = matchFrames(c.first, spec, states);
  const f2 = matchFrames(c.second, spec, states);
  return f1.some((a) => f2.some((b) => (c.link === 'after' ? a > b : a < b)));
}

/** A one-word edit of a caption and the detail it changes. */
export interface TextEdit<C> {
  caption: C;
  differsIn: Detail;
}

/** One-word edits of a look: colour, shape, size, and outlined↔striped (solid has no word). */
function lookEdits(l: ObjectLook, rng: Rng): { look: ObjectLook; differsIn: Detail }[] {
  const out: { look: ObjectLook; differsIn: Detail }[] = [
    { look: { ...l, color: rng.pick(COLORS.filter((c) => c !== l.color)) }, differsIn: 'color' },
    { look: { ...l, shape: rng.pick(SHAPES.filter((s) => s !== l.shape)) }, differsIn: 'shape' },
    { look: { ...l, size: l.size === 'small' ? 'large' : 'small' }, differsIn: 'size' },
  ];
  if (l.texture !== 'solid')
    out.push({ look: { ...l, texture: l.texture === 'outlined' ? 'striped' : 'outlined' }, differsIn: 'texture' });
  return out;
}

const FLIP_REL: Partial<Record<Relation, Relation>> = { left: 'right', right: 'left', above: 'below', below: 'above' };

/** All one-word edits of an image caption (each replaces exactly one word). */
export function imageCaptionEdits(c: ImageCaption, rng: Rng): TextEdit<ImageCaption>[] {
  const out: TextEdit<ImageCaption>[] = [];
  c.clauses.forEach((cl, i) => {
    const put = (nc: ImageClause, differsIn: Detail) =>
      out.push({ caption: { clauses: c.clauses.map((x, j) => (j === i ? nc : x)) }, differsIn });
    if (cl.kind === 'count' && cl.n >= 2)
      put({ kind: 'count', n: cl.n === 2 ? 3 : cl.n === 6 ? 5 : cl.n + (rng.chance(0.5) ? 1 : -1) }, 'count');
    if (cl.kind === 'has') for (const e of lookEdits(cl.obj, rng)) put({ ...cl, obj: e.look }, e.differsIn);
    if (cl.kind === 'rel') {
      for (const e of lookEdits(cl.a, rng)) put({ ...cl, a: e.look }, e.differsIn);
      for (const e of lookEdits(cl.b, rng)) put({ ...cl, b: e.look }, e.differsIn);
      const flipped = FLIP_REL[cl.rel];
      if (flipped) put({ ...cl, rel: flipped }, 'relation');
    }
  });
  return out;
}

function eventEdits(e: EventDesc, rng: Rng): { ev: EventDesc; differsIn: Detail }[] {
  const out = lookEdits(e.obj, rng)
    .filter((x) => e.kind !== 'recolor' || x.look.color !== e.to)
    .map((x) => ({ ev: { ...e, obj: x.look }, differsIn: x.differsIn }));
  const flipped = OPPOSITE_EVENT[e.kind];
  if (flipped) out.push({ ev: { ...e, kind: flipped }, differsIn: 'event' });
  if (e.kind === 'recolor')
    out.push({ ev: { ...e, to: rng.pick(COLORS.filter((c) => c !== e.to && c !== e.obj.color)) }, differsIn: 'color' });
  return out;
}

/** All one-word edits of a clip caption. */
export function clipCaptionEdits(c: ClipCaption, rng: Rng): TextEdit<ClipCaption>[] {
  const out: TextEdit<ClipCaption>[] = [];
  if (c.kind === 'one') {
    for (const e of eventEdits(c.ev, rng)) out.push({ caption: { ...c, ev: e.ev }, differsIn: e.differsIn });
    if (c.when) out.push({ caption: { ...c, when: c.when === 'start' ? 'end' : 'start' }, differsIn: 'timing' });
  } else {
    for (const e of eventEdits(c.first, rng)) out.push({ caption: { ...c, first: e.ev }, differsIn: e.differsIn });
    for (const e of eventEdits(c.second, rng)) out.push({ caption: { ...c, second: e.ev }, differsIn: e.differsIn });
    if (c.link !== 'then')
      out.push({ caption: { ...c, link: c.link === 'before' ? 'after' : 'before' }, differsIn: 'order' });
  }
  return out;
}
