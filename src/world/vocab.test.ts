import { describe, expect, it } from 'vitest';
import { annotate } from './annotator';
import { builtinCollection, buildSuite } from './suite';
import { TASK_INSTRUCTIONS } from './tasks';
import { renderTCoT } from './tcot-types';
import type { WorldInput } from './types';
import { WORLD_WORDS, contentWords, outOfVocab, tokenizeWords } from './vocab';

const texts = (i: WorldInput) => (i.modality === 'text' ? [i.text] : i.text ? [i.text] : []);

describe('vocab', () => {
  it('tokenizes words and punctuation', () => {
    expect(tokenizeWords('What colour is the small Star?')).toEqual([
      'what',
      'colour',
      'is',
      'the',
      'small',
      'star',
      '?',
    ]);
    expect(tokenizeWords('a , b. c')).toEqual(['a', ',', 'b', '.', 'c']);
    expect(contentWords('there are two objects , a small red star')).toEqual([
      'two',
      'objects',
      'small',
      'red',
      'star',
    ]);
    expect(outOfVocab('a small red zebra')).toEqual(['zebra']);
  });

  it('is compact, lower-case and without duplicates', () => {
    expect(new Set(WORLD_WORDS).size).toBe(WORLD_WORDS.length);
    expect(WORLD_WORDS.length).toBeLessThan(300);
    for (const w of WORLD_WORDS) expect(w).toBe(w.toLowerCase());
  });

  it('covers every generated text: instructions, queries, candidates, captions, T-CoT texts', () => {
    const all: string[] = Object.values(TASK_INSTRUCTIONS).flat();
    const suite = buildSuite({ seed: 3, split: 'heldout', perTask: 30 });
    for (const it of suite.items) {
      all.push(it.instruction, ...texts(it.query), ...it.candidates.flatMap(texts));
      for (const mode of ['gold', 'noisy'] as const) {
        const t = annotate(it.query, { mode, seed: 1, focus: it.queryFocus });
        const p = annotate(it.candidates[it.positiveIndex]!, {
          mode,
          seed: 2,
          focus: it.candidateFocus[it.positiveIndex],
        });
        for (const x of [t, p])
          all.push(x.thinking, x.rethink, x.answer, ...(x.evidence.key === 'text_keywords' ? x.evidence.keywords : []));
        expect(renderTCoT(t)).toContain('<answer>');
      }
    }
    const lib = builtinCollection({ seed: 3, images: 100, clips: 50 });
    all.push(...lib.images.map((i) => i.caption), ...lib.clips.map((c) => c.caption));
    const missing = new Set(all.flatMap(outOfVocab));
    expect([...missing]).toEqual([]);
  });
});
