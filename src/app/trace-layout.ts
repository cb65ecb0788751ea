// How the trace panel lays out a T-CoT token sequence (pure, so it is unit-tested): the three sections as
// steps, and the evidence as the JSON states it — boxes with their four coordinates, key frames — each
// tagged with its evidence item index (the colour shared by the span and the drawing).
import type { Vocab } from '../tcot/vocab';
import type { Segment } from '../tcot/render';

export type StepName = 'thinking' | 'rethink' | 'answer' | 'other';
export interface Step {
  name: StepName;
  segments: Segment[];
}

/** Group rendered segments by section; anything outside the three sections becomes an 'other' step. */
export function stepsOf(segments: Segment[]): Step[] {
  const steps: Step[] = [];
  let current: Step | null = null;
  for (const s of segments) {
    const open = s.kind === 'tag' && /^<(thinking|rethink|answer)>$/.exec(s.text);
    const close = s.kind === 'tag' && /^<\/(thinking|rethink|answer)>$/.exec(s.text);
    if (open) {
      current = { name: open[1] as StepName, segments: [] };
      steps.push(current);
    } else if (close) {
      current = null;
    } else {
      if (!current) {
        current = { name: 'other', segments: [] };
        steps.push(current);
      }
      current.segments.push(s);
    }
  }
  return steps;
}

/** Boxes as the JSON says them: each complete box segment's four 0–1000 coordinates, by evidence item. */
export function boxesOf(
  vocab: Vocab,
  tokens: ArrayLike<number>,
  segments: Segment[],
): { item: number; box: number[] }[] {
  return segments
    .filter((s) => s.kind === 'box' && s.end - s.start === 4)
    .map((s) => ({ item: s.item!, box: Array.from({ length: 4 }, (_, i) => vocab.locValue(tokens[s.start + i]!)) }));
}

/** Key frames as the JSON says them: frame index → evidence item. */
export function keyFramesOf(vocab: Vocab, tokens: ArrayLike<number>, segments: Segment[]): Map<number, number> {
  const map = new Map<number, number>();
  for (const s of segments) if (s.kind === 'frame') map.set(vocab.frameIndex(tokens[s.start]!), s.item!);
  return map;
}

/** Keywords as the JSON says them: each keyword item's words (lower case) → its evidence item. */
export function keywordsOf(segments: Segment[]): Map<string, number> {
  const map = new Map<string, number>();
  for (const s of segments) {
    if (s.kind !== 'keyword') continue;
    try {
      const phrase = JSON.parse(s.text.replace(/^,\s*/, '')) as string;
      for (const w of phrase.toLowerCase().split(/\s+/)) if (w && !map.has(w)) map.set(w, s.item!);
    } catch {
      // a keyword cut off mid-string: nothing to mark
    }
  }
  return map;
}
