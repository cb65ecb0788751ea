import { describe, expect, it } from 'vitest';
import { renderEvidence, renderTCoT } from './tcot-types';

describe('renderTCoT', () => {
  it('writes the SPEC text format', () => {
    expect(
      renderTCoT({
        thinking: 'i look at one object .',
        evidence: { key: 'bbox_2d', boxes: [[10, 20, 300, 400]] },
        rethink: 'the boxes answer the question .',
        answer: 'red',
      }),
    ).toBe(
      '<thinking> i look at one object . {"bbox_2d": [[10, 20, 300, 400]]} </thinking> <rethink> the boxes answer the question . </rethink> <answer> red </answer>',
    );
  });

  it('renders each evidence key', () => {
    expect(renderEvidence({ key: 'key_frames', frames: [0, 3, 4] })).toBe('{"key_frames": [0, 3, 4]}');
    expect(renderEvidence({ key: 'text_keywords', keywords: ['small', 'red'] })).toBe(
      '{"text_keywords": ["small", "red"]}',
    );
    expect(
      renderEvidence({
        key: 'bbox_2d',
        boxes: [
          [1, 2, 3, 4],
          [5, 6, 7, 8],
        ],
      }),
    ).toBe('{"bbox_2d": [[1, 2, 3, 4], [5, 6, 7, 8]]}');
    expect(JSON.parse(renderEvidence({ key: 'bbox_2d', boxes: [[1, 2, 3, 4]] }))).toEqual({ bbox_2d: [[1, 2, 3, 4]] });
  });
});
