import { describe, expect, test } from 'vitest';
import { rng } from '../world/rng';
import { encodeTCoT, encodeTCoTText } from './encode';
import type { TCoT } from '../world/tcot-types';
import { parseTokens } from './parse';
import { renderTokens } from './render';
import { testVocab as v } from './tcot.fixture';

const imageTCoT: TCoT = {
  thinking: 'the small red star',
  evidence: { key: 'bbox_2d', boxes: [[120, 40, 260, 180]] },
  rethink: 'it matches',
  answer: 'a small red star left of a blue ring',
};

describe('parseTokens', () => {
  test('a valid trace parses into its parts with no issues', () => {
    const ids = encodeTCoT(v, imageTCoT).ids;
    const p = parseTokens(v, ids, { expectedKey: 'bbox_2d' });
    expect(p.issues).toEqual([]);
    expect(p.formatOk).toBe(true);
    expect(p.thinking).toBe('the small red star');
    expect(p.evidence).toEqual(imageTCoT.evidence);
    expect(p.rethink).toBe('it matches');
    expect(p.answer).toBe(imageTCoT.answer);
    expect(p.evidenceSpan).toEqual([5, 11]);
  });

  test('key frames and keywords parse too', () => {
    const clip = encodeTCoT(v, { ...imageTCoT, evidence: { key: 'key_frames', frames: [0, 7, 15] } }).ids;
    expect(parseTokens(v, clip, { expectedKey: 'key_frames' }).evidence).toEqual({
      key: 'key_frames',
      frames: [0, 7, 15],
    });
    const text = encodeTCoT(v, {
      ...imageTCoT,
      evidence: { key: 'text_keywords', keywords: ['red star', 'left of'] },
    }).ids;
    const p = parseTokens(v, text, { expectedKey: 'text_keywords' });
    expect(p.formatOk).toBe(true);
    expect(p.evidence).toEqual({ key: 'text_keywords', keywords: ['red star', 'left of'] });
  });

  test('each format fault is reported', () => {
    const codes = (text: string, key?: 'bbox_2d' | 'key_frames') =>
      parseTokens(v, encodeTCoTText(v, text).ids, { expectedKey: key })
        .issues.filter((i) => i.severity === 'error')
        .map((i) => i.code);
    const ok =
      '<thinking> the star {"bbox_2d": [[100, 100, 300, 300]]} </thinking> <rethink> yes </rethink> <answer> a red star </answer>';
    expect(codes(ok, 'bbox_2d')).toEqual([]);
    expect(codes(ok, 'key_frames')).toEqual(['wrong-evidence-key']);
    expect(codes(ok.replace('<rethink>', ''))).toContain('missing-tag');
    expect(codes(ok.replace('{"bbox_2d": [[100, 100, 300, 300]]}', ''))).toEqual(['no-evidence']);
    expect(codes(ok.replace('[[100, 100, 300, 300]]', '[[300, 100, 100, 300]]'))).toEqual(['bad-box']);
    expect(codes(ok.replace('[[100, 100, 300, 300]]', '[[0, 0, 1000, 1000]]'))).toEqual(['whole-image-box']);
    expect(codes(ok.replace('a red star', ''))).toEqual(['empty-answer']);
    const swapped =
      '<rethink> yes </rethink> <thinking> the star {"bbox_2d": [[100, 100, 300, 300]]} </thinking> <answer> star </answer>';
    expect(codes(swapped)).toContain('tag-order');
    const twice = ok.replace('</thinking>', '{"bbox_2d": [[1, 1, 50, 50]]} </thinking>');
    expect(codes(twice)).toEqual(['multiple-evidence']);
  });

  test('unknown words are a warning, not a format error', () => {
    const ids = encodeTCoTText(
      v,
      '<thinking> the zebra {"key_frames": [1]} </thinking> <rethink> yes </rethink> <answer> star </answer>',
    ).ids;
    const p = parseTokens(v, ids);
    expect(p.formatOk).toBe(true);
    expect(p.issues.map((i) => i.code)).toContain('unknown-word');
  });

  test('property: never throws on random token strings, and formatOk agrees with the issue list', () => {
    const r = rng(1234);
    let ok = 0;
    for (let n = 0; n < 5000; n++) {
      const len = r.int(60);
      // Bias towards structure-bearing tokens so that near-valid sequences are common too.
      const ids = Array.from({ length: len }, () => (r.chance(0.4) ? r.int(17) : r.int(v.size + 3) - 1));
      const p = parseTokens(v, ids, { expectedKey: r.chance(0.5) ? 'bbox_2d' : undefined });
      expect(typeof p.answer).toBe('string');
      expect(p.formatOk).toBe(!p.issues.some((i) => i.severity === 'error'));
      if (p.formatOk) ok++;
      expect(() => renderTokens(v, ids)).not.toThrow();
    }
    expect(ok).toBeLessThan(5000);
  });

  test('property: mutated valid traces never throw and keep their parts when untouched', () => {
    const r = rng(99);
    const base = encodeTCoT(v, imageTCoT).ids;
    for (let n = 0; n < 2000; n++) {
      const ids = base.slice();
      const k = r.int(ids.length);
      if (r.chance(0.5)) ids.splice(k, 1);
      else ids[k] = r.int(v.size);
      const p = parseTokens(v, ids, { expectedKey: 'bbox_2d' });
      if (k >= 18) expect(p.thinking).toBe('the small red star'); // mutations after the thinking leave it intact
    }
  });
});

describe('render ↔ encode', () => {
  test('tokens render in exactly the SPEC format', () => {
    const text = renderTokens(v, encodeTCoT(v, imageTCoT).ids);
    expect(text).toBe(
      '<thinking> the small red star {"bbox_2d": [[120, 40, 260, 180]]} </thinking> <rethink> it matches </rethink> <answer> a small red star left of a blue ring </answer>',
    );
    const frames = renderTokens(
      v,
      encodeTCoT(v, { ...imageTCoT, evidence: { key: 'key_frames', frames: [3, 9] } }).ids,
    );
    expect(frames).toContain('{"key_frames": [3, 9]}');
    const kw = renderTokens(
      v,
      encodeTCoT(v, { ...imageTCoT, evidence: { key: 'text_keywords', keywords: ['red star', 'ring'] } }).ids,
    );
    expect(kw).toContain('{"text_keywords": ["red star", "ring"]}');
  });

  test('round trip: text → tokens → text → tokens is stable for valid traces', () => {
    for (const evidence of [
      imageTCoT.evidence,
      {
        key: 'bbox_2d' as const,
        boxes: [
          [0, 10, 20, 30],
          [500, 500, 990, 1000],
        ] as [number, number, number, number][],
      },
      { key: 'key_frames' as const, frames: [0, 15] },
      { key: 'text_keywords' as const, keywords: ['blue ring'] },
    ]) {
      const ids = encodeTCoT(v, { ...imageTCoT, evidence }).ids;
      const text = renderTokens(v, ids);
      const again = encodeTCoTText(v, text);
      expect(again.unknown).toEqual([]);
      expect([...again.ids, v.id('<eos>')]).toEqual(ids);
      expect(renderTokens(v, again.ids)).toBe(text);
    }
  });

  test('unknown words are reported with their positions', () => {
    const enc = encodeTCoTText(v, '<answer> the purple star </answer>');
    expect(enc.unknown).toEqual([{ word: 'purple', position: 1 }]);
    expect(enc.ids).toContain(v.id('<unk>'));
  });
});
