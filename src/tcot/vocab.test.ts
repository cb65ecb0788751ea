import { describe, expect, test } from 'vitest';
import { Vocab } from './vocab';
import { TEST_WORDS, testVocab as v } from './tcot.fixture';

describe('Vocab', () => {
  test('ids are fixed by construction order and round-trip', () => {
    const again = new Vocab(TEST_WORDS);
    expect(again.tokens).toEqual(v.tokens);
    expect(v.id('<pad>')).toBe(0);
    expect(v.size).toBe(6 + 6 + 5 + 101 + 16 + TEST_WORDS.length);
    for (let id = 0; id < v.size; id++) expect(v.id(v.token(id))).toBe(id);
  });
  test('location tokens quantise 0–1000 to steps of 10', () => {
    expect(v.locValue(v.locId(0))).toBe(0);
    expect(v.locValue(v.locId(1000))).toBe(1000);
    expect(v.locValue(v.locId(437))).toBe(440);
    expect(v.locValue(v.locId(-50))).toBe(0);
    expect(v.locValue(v.locId(5000))).toBe(1000);
    expect(v.locValue(v.locId(Number.NaN))).toBe(0);
    expect(v.isLoc(v.locId(500))).toBe(true);
    expect(v.isWord(v.locId(500))).toBe(false);
  });
  test('frame tokens are 0-based and bounded', () => {
    expect(v.frameIndex(v.frameId(0)!)).toBe(0);
    expect(v.frameIndex(v.frameId(15)!)).toBe(15);
    expect(v.frameId(16)).toBeUndefined();
    expect(v.frameId(-1)).toBeUndefined();
    expect(v.frameId(1.5)).toBeUndefined();
  });
  test('words that look like special tokens are refused', () => {
    expect(() => new Vocab(['<loc_3>'])).toThrow(/collides/);
    expect(() => new Vocab([], { locBins: 1 })).toThrow(/locBins/);
  });
  test('generatable ids exclude the input-only specials', () => {
    const gen = v.generatableIds().map((i) => v.token(i));
    expect(gen).toContain('<eos>');
    expect(gen).toContain('<loc_0>');
    expect(gen).not.toContain('<pad>');
    expect(gen).not.toContain('<emb>');
    expect(gen).not.toContain('<unk>');
  });
});

describe('the shipped vocabulary', () => {
  test('covers the world words once each and stays small', async () => {
    const { VOCAB } = await import('./default');
    const { WORLD_WORDS } = await import('../world/vocab');
    for (const w of WORLD_WORDS) expect(VOCAB.isWord(VOCAB.id(w))).toBe(true);
    expect(VOCAB.size).toBe(6 + 6 + 5 + 101 + 16 + WORLD_WORDS.length);
    expect(VOCAB.size).toBeLessThan(512);
  });
});
