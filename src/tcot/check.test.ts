import { describe, expect, test } from 'vitest';
import { answerConflicts, conflictSentence } from './check';

describe('answer vs query', () => {
  test('a word of a group the query names, but not the query’s, contradicts it', () => {
    expect(answerConflicts('a small red star', 'a small pink star')).toEqual([
      { word: 'pink', group: 'color', query: ['red'] },
    ]);
    expect(answerConflicts('a large green triangle', 'a large green circle').map((c) => c.word)).toEqual(['circle']);
    expect(conflictSentence(answerConflicts('a small red star', 'a small pink star'))).toBe(
      'The answer contradicts the query: it says “pink” where the query says “red”.',
    );
  });

  test('agreeing answers, and groups the query leaves open, are not judged', () => {
    expect(answerConflicts('a small red star', 'a small red star')).toEqual([]);
    expect(answerConflicts('a red star', 'a small striped red star')).toEqual([]); // size and texture left open
    expect(answerConflicts('there are three objects', 'there are three objects , a small red star')).toEqual([]);
    expect(answerConflicts('a red star left of a blue ring', 'a red star left of a blue ring')).toEqual([]);
    expect(conflictSentence([])).toBe('');
  });

  test('two-object queries: an answer word of either object’s attributes is allowed', () => {
    expect(answerConflicts('a small red star and a large blue ring', 'a large red ring')).toEqual([]);
    expect(answerConflicts('a small red star and a large blue ring', 'a small green star').map((c) => c.word)).toEqual([
      'green',
    ]);
  });
});
