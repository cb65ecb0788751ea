import { describe, expect, test } from 'vitest';
import { eventFrames } from '../world/clip';
import { CLIP_FRAMES, EVENT_KINDS, type ClipSpec, type WorldInput } from '../world/types';
import { EVENT_CLASSES, frameEventClasses } from './event-labels';

const clip: ClipSpec = {
  background: {} as unknown as ClipSpec['background'],
  objects: [],
  events: [
    { kind: 'grow', obj: 0, frame: 5 },
    { kind: 'stop', obj: 1, frame: 12 },
  ],
};

describe('frame-event classes (event-labels.ts)', () => {
  test("a clip's key frames carry their event's class, every other frame 0", () => {
    const c = frameEventClasses({ modality: 'video', clip } as WorldInput, CLIP_FRAMES)!;
    expect(c.length).toBe(CLIP_FRAMES);
    const want = new Array<number>(CLIP_FRAMES).fill(0);
    for (const e of clip.events) for (const f of eventFrames(e)) want[f] = 1 + EVENT_KINDS.indexOf(e.kind);
    expect(Array.from(c)).toEqual(want);
    expect(Math.max(...c)).toBeLessThan(EVENT_CLASSES);
  });

  test('a segment is sampled as the Reasoner samples it (its 4 frames repeated); text and images give null', () => {
    const c = frameEventClasses({ modality: 'video', clip, segment: [4, 7] } as WorldInput, 16)!;
    const grow = 1 + EVENT_KINDS.indexOf('grow');
    expect(Array.from(c)).toEqual([grow, grow, grow, grow, grow, grow, grow, grow, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(frameEventClasses({ modality: 'text', text: 'a red star' } as WorldInput, 16)).toBeNull();
  });
});
