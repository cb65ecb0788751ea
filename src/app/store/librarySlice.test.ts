// The import journal's reading after a closed tab: which picked files were stored whole, which were not.
import { describe, expect, test } from 'vitest';
import { interruptedImport } from './librarySlice';

const journal = (names: string[], before: string[]) => JSON.stringify({ at: 1_700_000_000_000, names, before });

describe('interruptedImport', () => {
  test('splits the picked files into stored and missing, counting same-named files one by one', () => {
    const items = [
      { id: 'u1', name: 'old.png' }, // there before the import
      { id: 'u2', name: 'a.png' },
      { id: 'u3', name: 'dup.jpg' },
    ];
    expect(interruptedImport(journal(['a.png', 'b.png', 'dup.jpg', 'dup.jpg', 'old.png'], ['u1']), items)).toEqual({
      at: 1_700_000_000_000,
      stored: ['a.png', 'dup.jpg'],
      missing: ['b.png', 'dup.jpg', 'old.png'],
    });
  });

  test('nothing to say without a journal, or with a damaged one', () => {
    expect(interruptedImport(null, [])).toBeNull();
    expect(interruptedImport('{not json', [])).toBeNull();
    expect(interruptedImport('{"names": 3}', [])).toBeNull();
  });

  test('every file stored: nothing missing', () => {
    expect(interruptedImport(journal(['a.png'], []), [{ id: 'u1', name: 'a.png' }])).toMatchObject({
      stored: ['a.png'],
      missing: [],
    });
  });
});
