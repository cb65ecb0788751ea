import { describe, expect, test } from 'vitest';
import { VOCAB } from '../tcot/default';
import { encodeTCoT } from '../tcot/encode';
import { renderSegments } from '../tcot/render';
import { boxesOf, keyFramesOf, keywordsOf, stepsOf } from './trace-layout';

const image = encodeTCoT(VOCAB, {
  thinking: 'i look at two objects',
  evidence: {
    key: 'bbox_2d',
    boxes: [
      [100, 200, 300, 400],
      [500, 500, 900, 800],
    ],
  },
  rethink: 'the boxes show what the text names',
  answer: 'a small red star',
}).ids;

describe('trace layout', () => {
  test('a well-formed T-CoT gives the three steps in order', () => {
    expect(stepsOf(renderSegments(VOCAB, image)).map((s) => s.name)).toEqual(['thinking', 'rethink', 'answer']);
  });

  test('boxes carry the JSON coordinates and their item index', () => {
    const segments = renderSegments(VOCAB, image);
    expect(boxesOf(VOCAB, image, segments)).toEqual([
      { item: 0, box: [100, 200, 300, 400] },
      { item: 1, box: [500, 500, 900, 800] },
    ]);
    // The JSON spans say the same numbers.
    const spans = segments.filter((s) => s.kind === 'box').map((s) => JSON.parse(s.text.replace(/^,\s*/, '')));
    expect(spans).toEqual([
      [100, 200, 300, 400],
      [500, 500, 900, 800],
    ]);
  });

  test('a cut-off box is not drawn; text outside the sections is its own step', () => {
    const cut = [VOCAB.id('red'), ...image.slice(0, image.indexOf(VOCAB.id('<loc_20>')) + 1)];
    const segments = renderSegments(VOCAB, cut);
    expect(stepsOf(segments)[0]!.name).toBe('other');
    expect(boxesOf(VOCAB, cut, segments)).toEqual([]);
  });

  test('key frames map frame index → evidence item', () => {
    const clip = encodeTCoT(VOCAB, {
      thinking: 'i look at the events',
      evidence: { key: 'key_frames', frames: [3, 9] },
      rethink: 'ok',
      answer: 'a red star appears',
    }).ids;
    expect([...keyFramesOf(VOCAB, clip, renderSegments(VOCAB, clip)).entries()]).toEqual([
      [3, 0],
      [9, 1],
    ]);
  });
});

test('keywords map each of their words → evidence item', () => {
  const text = encodeTCoT(VOCAB, {
    thinking: 'the text names',
    evidence: { key: 'text_keywords', keywords: ['red star', 'blue'] },
    rethink: 'ok',
    answer: 'a red star',
  }).ids;
  expect([...keywordsOf(renderSegments(VOCAB, text)).entries()]).toEqual([
    ['red', 0],
    ['star', 0],
    ['blue', 1],
  ]);
});
