// Video clips: a seeded generator of ClipSpecs (objects that move, appear, leave, change colour or
// size, stop or start), the per-frame simulation, the renderer and the per-frame boxes.

import { createCanvas, drawObject, fillBackground, objectBox, toRGBA } from './raster';
import type { Rng } from './rng';
import { randomBackground, randomLook } from './scene';
import {
  CLIP_FRAMES,
  CLIP_SIZE,
  COLORS,
  EVENT_KINDS,
  SEGMENT_FRAMES,
  type Box,
  type ClipEvent,
  type ClipObject,
  type ClipSpec,
  type EventKind,
  type FrameObject,
  type ObjectLook,
  type Size,
  OPPOSITE_EVENT,
} from './types';

/** Base radius per size class in clips (0–1000 units): ≈ 10 px and 22 px wide at 64 px. */
export const CLIP_RADIUS: Record<Size, number> = { small: 80, large: 170 };
const BORDER = 10;

export function clipRadius(size: Size, scale: number): number {
  return Math.round(CLIP_RADIUS[size] * scale);
}

/** Stopping/starting is only visible with two frames before it (motion, then none, or back). */
function isMotionEvent(kind: EventKind): boolean {
  return kind === 'stop' || kind === 'start';
}

/** The state an object starts in before an event of `kind`: hidden before it appears, small before it grows, … */
function setBeforeEvent(o: ClipObject, kind: EventKind): void {
  if (kind === 'appear') o.visible = false;
  if (kind === 'leave') o.visible = true;
  if (kind === 'grow') o.size = 'small';
  if (kind === 'shrink') o.size = 'large';
  if (kind === 'stop') o.moving = true;
  if (kind === 'start') o.moving = false;
}

/**
 * Frames that show event `e`'s change: the last frame before it and the first frame after; for
 * stop/start also the frame before those, since a change of motion needs three frames to be seen.
 */
export function eventFrames(e: ClipEvent): number[] {
  return isMotionEvent(e.kind) ? [e.frame - 2, e.frame - 1, e.frame] : [e.frame - 1, e.frame];
}

/** A frame for an event of `kind` inside window w with all its eventFrames in that window. */
export function frameInWindow(w: number, kind: EventKind, rng: Rng): number {
  return w * SEGMENT_FRAMES + rng.intIn(isMotionEvent(kind) ? 2 : 1, SEGMENT_FRAMES - 1);
}

/** Index of the SEGMENT_FRAMES-long window holding frame f. */
export function windowOf(frame: number): number {
  return Math.floor(frame / SEGMENT_FRAMES);
}

export function segments(): [number, number][] {
  const out: [number, number][] = [];
  for (let s = 0; s < CLIP_FRAMES; s += SEGMENT_FRAMES) out.push([s, s + SEGMENT_FRAMES - 1]);
  return out;
}

/** 'start' / 'end' of the clip, as captions say it; null in the middle. */
export function eventTiming(frame: number): 'start' | 'end' | null {
  return frame <= 5 ? 'start' : frame >= 11 ? 'end' : null;
}

/**
 * The simulation: per frame, per object state. At frame t the events of frame t apply first, then
 * moving objects advance one step (so a 'stop' at t means frames t-1 and t show the same position)
 * and reflect off the walls.
 */
export function clipStates(spec: ClipSpec): FrameObject[][] {
  const cur = spec.objects.map((o) => ({
    shape: o.shape,
    color: o.color,
    size: o.size,
    texture: o.texture,
    x: o.x,
    y: o.y,
    r: clipRadius(o.size, o.scale),
    moving: o.moving,
    visible: o.visible,
    vx: o.vx,
    vy: o.vy,
  }));
  const frames: FrameObject[][] = [];
  for (let t = 0; t < CLIP_FRAMES; t++) {
    for (const e of spec.events) {
      if (e.frame !== t) continue;
      const s = cur[e.obj]!;
      switch (e.kind) {
        case 'appear':
          s.visible = true;
          break;
        case 'leave':
          s.visible = false;
          break;
        case 'recolor':
          s.color = e.color ?? s.color;
          break;
        case 'grow':
        case 'shrink':
          s.size = e.kind === 'grow' ? 'large' : 'small';
          s.r = clipRadius(s.size, spec.objects[e.obj]!.scale);
          s.x = Math.min(1000 - BORDER - s.r, Math.max(BORDER + s.r, s.x));
          s.y = Math.min(1000 - BORDER - s.r, Math.max(BORDER + s.r, s.y));
          break;
        case 'stop':
          s.moving = false;
          break;
        case 'start':
          s.moving = true;
          break;
      }
    }
    if (t > 0) {
      for (const s of cur) {
        if (!s.moving) continue;
        s.x += s.vx;
        s.y += s.vy;
        const lo = BORDER + s.r;
        const hi = 1000 - BORDER - s.r;
        [s.x, s.vx] = bounce(s.x, s.vx, lo, hi);
        [s.y, s.vy] = bounce(s.y, s.vy, lo, hi);
      }
    }
    frames.push(cur.map(({ vx: _vx, vy: _vy, ...rest }) => ({ ...rest })));
  }
  return frames;
}

export function renderClip(spec: ClipSpec): Uint8Array[] {
  const states = clipStates(spec);
  const bg = createCanvas(CLIP_SIZE);
  fillBackground(bg, spec.background);
  return states.map((objs) => {
    const canvas = { size: CLIP_SIZE, rgb: bg.rgb.slice() };
    for (const o of objs) if (o.visible) drawObject(canvas, o);
    return toRGBA(canvas);
  });
}

/** Per frame, per object: its box, or null while it is not visible. */
export function clipBoxes(spec: ClipSpec): (Box | null)[][] {
  return clipStates(spec).map((objs) => objs.map((o) => (o.visible ? objectBox(o, CLIP_SIZE) : null)));
}

/** How the object looks when its event is described: after appearing, otherwise just before. */
export function eventLook(states: FrameObject[][], e: ClipEvent): ObjectLook {
  const s = states[e.kind === 'appear' ? e.frame : e.frame - 1]![e.obj]!;
  return { shape: s.shape, color: s.color, size: s.size, texture: s.texture };
}

export interface ClipOptions {
  /** number of (main) events, 1–3 (default 1–3). */
  events?: number;
  /** allowed kinds for the main events. */
  kinds?: readonly EventKind[];
  /** total objects (default events + 0–2, at most 4). */
  objects?: number;
  /** chance that a main event gets a brief partner 2–3 frames later (blink, flash, pause). */
  briefProb?: number;
  smallProb?: number;
}

const BRIEF_PARTNER: Partial<Record<EventKind, EventKind>> = { appear: 'leave', recolor: 'recolor', stop: 'start' };

function velocity(rng: Rng): [number, number] {
  const speed = rng.range(18, 38);
  const a = rng.range(0, 2 * Math.PI);
  return [Math.round(Math.cos(a) * speed * 10) / 10, Math.round(Math.sin(a) * speed * 10) / 10];
}

/** Distinct (shape, colour, size) looks so every event's object can be named unambiguously. */
function distinctLooks(rng: Rng, n: number, smallProb: number): ObjectLook[] {
  const looks: ObjectLook[] = [];
  while (looks.length < n) {
    const l = randomLook(rng, smallProb);
    if (!looks.some((o) => o.shape === l.shape && o.color === l.color)) looks.push(l);
  }
  return looks;
}

/**
 * A random clip. Main events fall in distinct 4-frame windows, on distinct objects, with all their
 * eventFrames inside their window (so moment retrieval has one right segment).
 */
export function generateClip(rng: Rng, opts: ClipOptions = {}): ClipSpec {
  const nEvents = opts.events ?? rng.intIn(1, 3);
  const nObjects = Math.min(4, Math.max(nEvents, opts.objects ?? nEvents + rng.intIn(0, 2)));
  const looks = distinctLooks(rng, nObjects, opts.smallProb ?? 0.5);
  const objects: ClipObject[] = [];
  for (const l of looks) {
    const scale = Math.round(rng.range(0.9, 1.12) * 100) / 100;
    // Place with room for the large size so a later 'grow' stays inside; keep starts apart.
    const room = clipRadius('large', scale) + BORDER;
    let x = 500;
    let y = 500;
    for (let attempt = 0; attempt < 40; attempt++) {
      x = Math.round(rng.range(room, 1000 - room));
      y = Math.round(rng.range(room, 1000 - room));
      if (objects.every((o) => Math.hypot(o.x - x, o.y - y) > 300)) break;
    }
    const [vx, vy] = velocity(rng);
    objects.push({ ...l, x, y, vx, vy, moving: rng.chance(0.5), visible: true, scale });
  }
  const windows = rng.sample([0, 1, 2, 3], nEvents).sort((a, b) => a - b);
  const events: ClipEvent[] = [];
  windows.forEach((w, i) => {
    const kind = rng.pick(opts.kinds ?? EVENT_KINDS);
    const o = objects[i]!;
    const frame = frameInWindow(w, kind, rng);
    const e: ClipEvent = { kind, obj: i, frame };
    setBeforeEvent(o, kind);
    if (kind === 'recolor')
      e.color = rng.pick(
        COLORS.filter((c) => c !== o.color && !objects.some((p) => p.color === c && p.shape === o.shape)),
      );
    events.push(e);
    const partner = BRIEF_PARTNER[kind];
    if (partner && rng.chance(opts.briefProb ?? 0.2)) {
      // The partner stays in this window or in one no main event uses.
      const frames = [frame + 2, frame + 3].filter(
        (f) => f < CLIP_FRAMES && f % 4 !== 0 && (windowOf(f) === w || !windows.includes(windowOf(f))),
      );
      if (frames.length > 0) {
        const f2 = rng.pick(frames);
        events.push(
          partner === 'recolor'
            ? { kind: partner, obj: i, frame: f2, color: o.color }
            : { kind: partner, obj: i, frame: f2 },
        );
      }
    }
  });
  events.sort((a, b) => a.frame - b.frame || a.obj - b.obj);
  return { background: randomBackground(rng), objects, events };
}

/** Events that are the only event of their object (safe to move in time). */
export function soleEvents(spec: ClipSpec): number[] {
  return spec.events
    .map((e, i) => ({ e, i }))
    .filter(({ e }) => spec.events.filter((f) => f.obj === e.obj).length === 1)
    .map(({ i }) => i);
}

/** Set event i's frame, keeping the events sorted; returns the new spec and the event's new index. */
export function moveEvent(spec: ClipSpec, i: number, frame: number): { clip: ClipSpec; index: number } {
  const moved = { ...spec.events[i]!, frame };
  const events = spec.events.map((e, j) => (j === i ? moved : e));
  events.sort((a, b) => a.frame - b.frame || a.obj - b.obj);
  return { clip: { ...spec, events }, index: events.indexOf(moved) };
}

/** Swap the frames of two sole events (order hard negative). */
export function swapEventFrames(spec: ClipSpec, i: number, j: number): ClipSpec {
  const ei = spec.events[i]!;
  const ej = spec.events[j]!;
  const events = spec.events.map((e, k) =>
    k === i ? { ...e, frame: ej.frame } : k === j ? { ...e, frame: ei.frame } : e,
  );
  events.sort((a, b) => a.frame - b.frame || a.obj - b.obj);
  return { ...spec, events };
}

/** Flip an event to its opposite kind (appear↔leave, grow↔shrink, stop↔start), fixing the initial state. */
export function flipEvent(spec: ClipSpec, i: number): ClipSpec | null {
  const e = spec.events[i]!;
  if (soleEvents(spec).indexOf(i) < 0) return null;
  const kind = OPPOSITE_EVENT[e.kind];
  if (!kind) return null;
  const o = { ...spec.objects[e.obj]! };
  setBeforeEvent(o, kind);
  return {
    ...spec,
    objects: spec.objects.map((p, k) => (k === e.obj ? o : p)),
    events: spec.events.map((f, k) => (k === i ? { ...f, kind } : f)),
  };
}

/** A copy with object i's initial look changed. */
export function editClipObject(spec: ClipSpec, i: number, patch: Partial<ClipObject>): ClipSpec {
  return { ...spec, objects: spec.objects.map((o, j) => (j === i ? { ...o, ...patch } : o)) };
}

/** Details in which two clips differ (objects by index, events by index). */
export function diffClips(a: ClipSpec, b: ClipSpec): string[] {
  const out: string[] = [];
  if (a.objects.length !== b.objects.length || a.events.length !== b.events.length) return ['count'];
  a.objects.forEach((o, i) => {
    const p = b.objects[i]!;
    for (const k of ['shape', 'color', 'size', 'texture', 'visible', 'moving'] as const)
      if (o[k] !== p[k]) out.push(`${i}.${k}`);
  });
  a.events.forEach((e, i) => {
    const f = b.events[i]!;
    if (e.obj !== f.obj) out.push(`event${i}.obj`);
    if (e.kind !== f.kind) out.push(`event${i}.kind`);
    if (e.frame !== f.frame) out.push(`event${i}.frame`);
    if (e.color !== f.color) out.push(`event${i}.color`);
  });
  return out;
}

/** One axis of a move: a position past a wall is reflected back inside and its velocity reversed. */
function bounce(pos: number, vel: number, lo: number, hi: number): [number, number] {
  if (pos < lo) [pos, vel] = [2 * lo - pos, -vel];
  if (pos > hi) [pos, vel] = [2 * hi - pos, -vel];
  return [pos, vel];
}
