// Frame-event targets for the Reasoner's event head (src/models/event-head.ts): each of a clip's sampled frames
// is class 0 (nothing happens) or 1 + the index in EVENT_KINDS of the event whose key frames (eventFrames) hold it —
// the frames a gold T-CoT points at. Frames are sampled as the Reasoner samples them (sampleFrameIndices), from
// the clip or from its segment.
import { sampleFrameIndices } from '../models/preprocess';
import { eventFrames } from '../world/clip';
import { CLIP_FRAMES, EVENT_KINDS, type WorldInput } from '../world/types';

export const EVENT_CLASSES = 1 + EVENT_KINDS.length;

/** Each sampled frame's event class, or null for inputs that are not clips. */
export function frameEventClasses(input: WorldInput, frames: number): Int32Array | null {
  if (input.modality !== 'video') return null;
  const total = CLIP_FRAMES;
  const [start, end] = input.segment ?? [0, total - 1];
  const first = Math.max(0, start);
  const count = Math.min(total - 1, end) - first + 1;
  const classOf = new Int32Array(total);
  for (const e of input.clip.events)
    for (const f of eventFrames(e))
      if (f >= 0 && f < total && classOf[f] === 0) classOf[f] = 1 + EVENT_KINDS.indexOf(e.kind);
  return Int32Array.from(sampleFrameIndices(count, frames), (f) => classOf[first + f]!);
}
