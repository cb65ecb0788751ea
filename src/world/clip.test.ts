import { describe, expect, it } from 'vitest';
import { clipBoxes, clipStates, eventFrames, generateClip, renderClip, windowOf } from './clip';
import { createCanvas, drawObject, fillBackground, toRGBA } from './raster';
import { Rng } from './rng';
import { CLIP_FRAMES, CLIP_SIZE, EVENT_KINDS } from './types';

describe('clip', () => {
  it('renders 16 frames of 64×64 RGBA, deterministically', () => {
    const a = renderClip(generateClip(new Rng(5)));
    const b = renderClip(generateClip(new Rng(5)));
    expect(a.length).toBe(CLIP_FRAMES);
    expect(a[0]!.length).toBe(CLIP_SIZE * CLIP_SIZE * 4);
    a.forEach((f, i) => expect(Buffer.from(f).equals(Buffer.from(b[i]!))).toBe(true));
    expect(Buffer.from(a[0]!).equals(Buffer.from(renderClip(generateClip(new Rng(6)))[0]!))).toBe(false);
  });

  it('every event changes the state it names between its frames, main events sit in distinct windows', () => {
    const seen = new Set<string>();
    for (let s = 0; s < 300; s++) {
      const clip = generateClip(new Rng(s));
      const st = clipStates(clip);
      const windows = new Set<number>();
      for (const e of clip.events) {
        seen.add(e.kind);
        const fr = eventFrames(e);
        expect(fr[0]).toBeGreaterThanOrEqual(0);
        const before = st[e.frame - 1]![e.obj]!;
        const after = st[e.frame]![e.obj]!;
        if (e.kind === 'appear') expect([before.visible, after.visible]).toEqual([false, true]);
        if (e.kind === 'leave') expect([before.visible, after.visible]).toEqual([true, false]);
        if (e.kind === 'grow') expect([before.size, after.size]).toEqual(['small', 'large']);
        if (e.kind === 'shrink') expect([before.size, after.size]).toEqual(['large', 'small']);
        if (e.kind === 'recolor') expect(after.color).toBe(e.color);
        if (e.kind === 'recolor') expect(before.color).not.toBe(e.color);
        if (e.kind === 'stop') {
          expect(st[e.frame - 2]![e.obj]!.x !== before.x || st[e.frame - 2]![e.obj]!.y !== before.y).toBe(true);
          expect([after.x, after.y]).toEqual([before.x, before.y]);
        }
        if (e.kind === 'start') {
          expect([st[e.frame - 2]![e.obj]!.x, st[e.frame - 2]![e.obj]!.y]).toEqual([before.x, before.y]);
          expect(after.x !== before.x || after.y !== before.y).toBe(true);
        }
      }
      // Main events (first event of each object) fall in distinct 4-frame windows with all their frames.
      const firsts = clip.events.filter((e, i) => clip.events.findIndex((f) => f.obj === e.obj) === i);
      for (const e of firsts) {
        expect(new Set(eventFrames(e).map(windowOf)).size).toBe(1);
        expect(windows.has(windowOf(e.frame))).toBe(false);
        windows.add(windowOf(e.frame));
      }
    }
    expect([...seen].sort()).toEqual([...EVENT_KINDS].sort());
  });

  it("per-frame boxes cover their object's pixels", () => {
    for (let s = 0; s < 20; s++) {
      const clip = generateClip(new Rng(100 + s));
      const st = clipStates(clip);
      const boxes = clipBoxes(clip);
      for (let f = 0; f < CLIP_FRAMES; f += 5) {
        st[f]!.forEach((o, i) => {
          const b = boxes[f]![i];
          if (!o.visible) return expect(b).toBeNull();
          const c = createCanvas(CLIP_SIZE);
          fillBackground(c, { kind: 'flat', a: [0, 0, 0], b: [0, 0, 0], angle: 0, period: 8, seed: 0 });
          drawObject(c, o);
          const rgba = toRGBA(c);
          for (let p = 0; p < CLIP_SIZE * CLIP_SIZE; p++) {
            if (rgba[p * 4]! + rgba[p * 4 + 1]! + rgba[p * 4 + 2]! === 0) continue;
            const x = ((p % CLIP_SIZE) + 0.5) * (1000 / CLIP_SIZE);
            const y = (Math.floor(p / CLIP_SIZE) + 0.5) * (1000 / CLIP_SIZE);
            expect(x >= b![0] && x <= b![2] && y >= b![1] && y <= b![3]).toBe(true);
          }
        });
      }
    }
  });
});
