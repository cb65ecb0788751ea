import { describe, expect, it } from 'vitest';
import { generateClip } from './clip';
import { Rng } from './rng';
import { editObject, generateScene } from './scene';
import { captionClip, captionScene } from './tasks';
import {
  clipCaptionEdits,
  clipCaptionHolds,
  clipCaptionText,
  imageCaptionEdits,
  imageCaptionHolds,
  imageCaptionText,
} from './text';
import { WORD_GROUP, tokenizeWords } from './vocab';

/** The single differing word pair of two equal-length texts, or null if they differ otherwise. */
function oneWordDiff(a: string, b: string): [string, string] | null {
  const ta = tokenizeWords(a);
  const tb = tokenizeWords(b);
  if (ta.length !== tb.length) return null;
  const at = ta.map((w, i) => (w !== tb[i] ? i : -1)).filter((i) => i >= 0);
  return at.length === 1 ? [ta[at[0]!]!, tb[at[0]!]!] : null;
}

describe('captions', () => {
  it('a scene caption is true of its scene and false once a mentioned object changes colour', () => {
    let checked = 0;
    for (let s = 0; s < 200; s++) {
      const scene = generateScene(new Rng(s), { count: 4 });
      const sc = captionScene(scene, new Rng(s + 1))!;
      expect(imageCaptionHolds(sc.caption, scene)).toBe(true);
      const m = sc.objects[0]!;
      const other = scene.objects[m]!.color === 'red' ? 'blue' : 'red';
      const edited = editObject(scene, m, { color: other });
      if (
        !edited.objects.some(
          (o, i) => i !== m && o.shape === scene.objects[m]!.shape && o.color === scene.objects[m]!.color,
        )
      ) {
        expect(imageCaptionHolds(sc.caption, edited)).toBe(false);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(150);
  });

  it('image caption edits replace exactly one word, of the group they claim', () => {
    for (let s = 0; s < 100; s++) {
      const scene = generateScene(new Rng(s));
      const sc = captionScene(scene, new Rng(s))!;
      for (const e of imageCaptionEdits(sc.caption, new Rng(s))) {
        const d = oneWordDiff(imageCaptionText(sc.caption), imageCaptionText(e.caption));
        expect(d).not.toBeNull();
        expect(WORD_GROUP.get(d![0])).toBe(e.differsIn);
        expect(WORD_GROUP.get(d![1])).toBe(e.differsIn);
      }
    }
  });

  it('clip captions hold on their clips; clip caption edits replace exactly one word of their group', () => {
    for (let s = 0; s < 150; s++) {
      const clip = generateClip(new Rng(s));
      const pick = captionClip(clip, new Rng(s + 7))!;
      expect(clipCaptionHolds(pick.caption, clip)).toBe(true);
      for (const e of clipCaptionEdits(pick.caption, new Rng(s))) {
        const d = oneWordDiff(clipCaptionText(pick.caption), clipCaptionText(e.caption));
        expect(d).not.toBeNull();
        const group = e.differsIn === 'order' ? 'order' : e.differsIn;
        expect(WORD_GROUP.get(d![0])).toBe(group);
      }
    }
  });

  it('"before"/"after" captions are true only in the right order', () => {
    for (let s = 0; s < 200; s++) {
      const clip = generateClip(new Rng(s), { events: 2, briefProb: 0 });
      const pick = captionClip(clip, new Rng(s), { seqProb: 1 })!;
      if (pick.caption.kind !== 'seq' || pick.caption.link === 'then') continue;
      const flipped = {
        ...pick.caption,
        link: pick.caption.link === 'before' ? ('after' as const) : ('before' as const),
      };
      expect(clipCaptionHolds(flipped, clip)).toBe(false);
    }
  });
});
