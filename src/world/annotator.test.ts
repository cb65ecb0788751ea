import { describe, expect, it } from 'vitest';
import { annotate, annotatePair, DEFAULT_NOISE, goldAnswer, judgeMatch, queryBlindFocus } from './annotator';
import { buildSuite } from './suite';
import type { TCoT } from './tcot-types';
import { CLIP_FRAMES, type TaskItem } from './types';
import { tokenizeWords } from './vocab';

const suite = buildSuite({ seed: 9, split: 'train', perTask: 60 });
const pairOf = (it: TaskItem) => ({
  query: it.query,
  queryFocus: it.queryFocus,
  positive: it.candidates[it.positiveIndex]!,
  positiveFocus: it.candidateFocus[it.positiveIndex]!,
});

function matchRate(
  opts: { answerVisible?: (k: number) => boolean; noise?: Parameters<typeof annotate>[1]['noise'] } = {},
): number {
  let m = 0;
  suite.items.forEach((it, k) => {
    if (
      annotatePair(pairOf(it), {
        mode: 'noisy',
        seed: k,
        answerVisible: opts.answerVisible?.(k) ?? k % 2 === 0,
        noise: opts.noise,
      }).match
    )
      m++;
  });
  return m / suite.items.length;
}

describe('annotator', () => {
  it('gold mode: every query/positive pair matches', () => {
    for (const it of suite.items) expect(annotatePair(pairOf(it), { mode: 'gold', seed: 0 }).match).toBe(true);
  });

  it('noisy mode with DEFAULT_NOISE: match rate within the documented 0.72–0.88 band', () => {
    const rate = matchRate();
    expect(rate).toBeGreaterThan(0.72);
    expect(rate).toBeLessThan(0.88);
  });

  it('the answer visible makes annotation more accurate; zero noise matches always', () => {
    expect(matchRate({ answerVisible: () => true })).toBeGreaterThan(matchRate({ answerVisible: () => false }) + 0.05);
    expect(matchRate({ noise: { distractor: 0, missEvent: 0, dropKeyword: 0 } })).toBe(1);
  });

  it('is deterministic in (input, seed, options)', () => {
    const it0 = suite.items.find((it) => it.task === 'image-t2i')!;
    const a = annotate(it0.candidates[0]!, { mode: 'noisy', seed: 5 });
    const b = annotate(it0.candidates[0]!, { mode: 'noisy', seed: 5 });
    expect(a).toEqual(b);
  });

  it('evidence key follows the modality; boxes never cover the whole image; key frames are 0-based and in range', () => {
    for (const it of suite.items) {
      for (const input of [it.query, ...it.candidates]) {
        const t = annotate(input, { mode: 'noisy', seed: 3 });
        const key = { text: 'text_keywords', image: 'bbox_2d', video: 'key_frames' }[input.modality];
        expect(t.evidence.key).toBe(key);
        if (t.evidence.key === 'bbox_2d') {
          for (const b of t.evidence.boxes) {
            expect(b[0] < b[2] && b[1] < b[3]).toBe(true);
            expect((b[2] - b[0]) * (b[3] - b[1])).toBeLessThan(1000 * 1000);
          }
        }
        if (t.evidence.key === 'key_frames' && input.modality === 'video') {
          const len = input.segment ? input.segment[1] - input.segment[0] + 1 : CLIP_FRAMES;
          for (const f of t.evidence.frames) expect(f >= 0 && f < len).toBe(true);
        }
      }
    }
  });

  it('T-CoTs stay short: ≤ 64 tokens counting 4 per box', () => {
    const len = (t: TCoT) =>
      tokenizeWords(`${t.thinking} ${t.rethink} ${t.answer}`).length +
      (t.evidence.key === 'bbox_2d'
        ? 4 * t.evidence.boxes.length
        : t.evidence.key === 'key_frames'
          ? t.evidence.frames.length
          : t.evidence.keywords.length);
    for (const it of suite.items) {
      const p = annotatePair(pairOf(it), { mode: 'noisy', seed: 1 });
      expect(len(p.query)).toBeLessThanOrEqual(64);
      expect(len(p.positive)).toBeLessThanOrEqual(64);
    }
  });

  it('a certain distractor swaps a box and the answer for another object', () => {
    const it0 = suite.items.find(
      (it) =>
        it.task === 'image-vqa' &&
        it.query.modality === 'image' &&
        it.query.scene.objects.length >= 3 &&
        it.queryFocus.ask === 'color',
    )!;
    const gold = annotate(it0.query, { mode: 'gold', seed: 0, focus: it0.queryFocus });
    const noisy = annotate(it0.query, {
      mode: 'noisy',
      seed: 0,
      focus: it0.queryFocus,
      noise: { distractor: 1, jitter: 0 },
    });
    expect(noisy.evidence).not.toEqual(gold.evidence);
  });

  it('judgeMatch compares answers without articles; goldAnswer equals the gold T-CoT answer', () => {
    const t = (answer: string): TCoT => ({
      thinking: '',
      evidence: { key: 'key_frames', frames: [] },
      rethink: '',
      answer,
    });
    expect(judgeMatch(t('a small red star'), t('the small red star'))).toBe(true);
    expect(judgeMatch(t('a small red star'), t('a large red star'))).toBe(false);
    expect(judgeMatch(t('a red star left of a blue ring'), t('a blue ring left of a red star'))).toBe(false);
    const it0 = suite.items[0]!;
    expect(goldAnswer(it0.query, it0.queryFocus)).toBe(
      annotate(it0.query, { mode: 'gold', seed: 4, focus: it0.queryFocus }).answer,
    );
    expect(DEFAULT_NOISE.visibleFactor).toBeLessThan(1);
  });
});

describe('query-blind focus', () => {
  it('keeps what the task asks, drops what the query names', () => {
    const items = buildSuite({ seed: 5, split: 'heldout', perTask: 3 }).items;
    let changed = 0;
    for (const item of items)
      item.candidates.forEach((c, j) => {
        const f = item.candidateFocus[j]!;
        const blind = queryBlindFocus(c, f);
        if (c.modality === 'text') expect(blind).toEqual(f);
        else {
          expect(blind.objects).toBeUndefined();
          expect(blind.events).toBeUndefined();
          expect(blind.relation).toBeUndefined();
          expect(blind.ask).toBe(f.ask);
          expect(blind.count).toBe(f.count);
          if (JSON.stringify(blind) !== JSON.stringify(f)) changed++;
        }
      });
    expect(changed).toBeGreaterThan(10);
  });
});
