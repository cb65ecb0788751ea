import { describe, expect, test } from 'vitest';
import { heldOutIds, nameResolver, parsePairs, splitCsvLine } from './pairs';

const resolve = nameResolver([
  { id: 'i1', name: 'beach.jpg' },
  { id: 'i2', name: 'Dog.PNG' },
  { id: 'v1', name: 'party, night.webm' },
]);

describe('splitCsvLine', () => {
  test('quotes keep commas and escape quotes', () => {
    expect(splitCsvLine('a, "b, c", "say ""hi"""')).toEqual(['a', 'b, c', 'say "hi"']);
    expect(splitCsvLine('"open')).toBeNull();
    expect(splitCsvLine('')).toEqual(['']);
  });
});

describe('parsePairs', () => {
  /** What the parser makes of these lines: CSV (with Windows line ends), or JSON lines. */
  const csv = (...lines: string[]) => parsePairs(lines.join('\r\n'), 'csv', resolve);
  const jsonl = (...lines: string[]) => parsePairs(lines.join('\n'), 'jsonl', resolve);
  /** A pair whose query is text. */
  const textPair = (text: string, targetId: string, match: boolean) => ({
    query: { kind: 'text', text },
    targetId,
    match,
  });
  test('CSV: header skipped, text and item queries, match labels, one error per bad row', () => {
    const { pairs, errors } = csv(
      'query,target,match',
      'a dog on grass,dog.png,yes',
      'beach.jpg,"party, night.webm",false',
      'sunset,missing.png',
      'a cat,beach.jpg,maybe',
      'only-one-field',
      '',
      '"unterminated,beach.jpg',
    );
    expect(pairs).toEqual([
      textPair('a dog on grass', 'i2', true),
      { query: { kind: 'item', itemId: 'i1' }, targetId: 'v1', match: false },
    ]);
    expect(errors.map((e) => e.row)).toEqual([4, 5, 6, 8]);
    expect(errors[0].message).toMatch(/"missing.png" is not in your library/);
    expect(errors[1].message).toMatch(/"maybe" is not a match label/);
    expect(errors[2].message).toMatch(/found 1 field/);
    expect(errors[3].message).toMatch(/not closed/);
  });

  test('CSV: a quoted field may hold line breaks (the row is numbered by its first line); a stray quote costs only its own row', () => {
    const { pairs, errors } = csv(
      '\uFEFFquery,target,match',
      '"a caption that goes',
      'over two lines",beach.jpg,yes',
      '"the ""dog""",dog.png',
      '"never closed,beach.jpg',
      'a cat,beach.jpg,no',
    );
    expect(pairs).toEqual([
      textPair('a caption that goes\nover two lines', 'i1', true),
      textPair('the "dog"', 'i2', true),
      textPair('a cat', 'i1', false),
    ]);
    expect(errors).toEqual([{ row: 5, message: 'a quoted field is not closed' }]);
    // Lines that each leave a quote open, whatever came before: every row is an error of its own.
    const stray = Array.from({ length: 50 }, () => 'x","').join('\n');
    const parsed = parsePairs(stray, 'csv', resolve);
    expect(parsed.pairs).toEqual([]);
    expect(parsed.errors).toEqual(
      Array.from({ length: 50 }, (_, i) => ({ row: i + 1, message: 'a quoted field is not closed' })),
    );
  });

  test('JSONL: objects per line; bad JSON and missing fields are row errors; match defaults to true', () => {
    const { pairs, errors } = jsonl(
      '{"query": "a red ball", "target": "beach.jpg"}',
      '{"query": 3, "target": "beach.jpg"}',
      '{oops',
      '{"query": "x", "target": "beach.jpg", "match": 0}',
      '{"query": "y", "target": "beach.jpg", "match": {}}',
    );
    expect(pairs).toEqual([textPair('a red ball', 'i1', true), textPair('x', 'i1', false)]);
    expect(errors).toEqual([
      { row: 2, message: 'needs string fields "query" and "target"' },
      { row: 3, message: 'not valid JSON' },
      { row: 5, message: '"match" must be true or false' },
    ]);
  });

  test('never throws on junk', () => {
    for (const junk of ['\u0000\u0001', '{"query":', ',,,,', '"', '\uFEFFquery,target']) {
      expect(() => parsePairs(junk, 'csv', resolve)).not.toThrow();
      expect(() => parsePairs(junk, 'jsonl', resolve)).not.toThrow();
    }
  });
});

describe('heldOutIds', () => {
  const ids = Array.from({ length: 200 }, (_, i) => `pair-${i}`);
  test('about the asked share, deterministic per seed, different across seeds', () => {
    const a = heldOutIds(ids, 1);
    expect(a.size).toBeGreaterThan(20);
    expect(a.size).toBeLessThan(60);
    expect([...heldOutIds(ids, 1)]).toEqual([...a]);
    expect([...heldOutIds(ids, 2)]).not.toEqual([...a]);
  });
  test('adding pairs never moves a training pair into the held-out set', () => {
    for (let n = 2; n < 40; n++) {
      const before = heldOutIds(ids.slice(0, n), 7);
      const after = heldOutIds(ids.slice(0, n + 1), 7);
      for (const id of ids.slice(0, n)) if (!before.has(id)) expect(after.has(id)).toBe(false);
    }
  });
  test('two or more pairs always hold one out; a lone pair is held out only by its own hash', () => {
    for (let seed = 0; seed < 50; seed++) expect(heldOutIds(['a', 'b'], seed).size).toBeGreaterThanOrEqual(1);
    let lone = 0;
    for (let seed = 0; seed < 200; seed++) lone += heldOutIds(['only'], seed).size;
    expect(lone).toBeGreaterThan(15);
    expect(lone).toBeLessThan(70);
  });
});

describe('stratified held-out split', () => {
  test('with two or more ✓ pairs, one ✓ pair is always held out; the hash rule still decides the rest', () => {
    for (let seed = 0; seed < 100; seed++) {
      const ids = ['a', 'b', 'c', 'd', 'e', 'f'];
      const matched = new Set(['b', 'e']);
      const held = heldOutIds(ids, seed, 0.2, matched);
      expect(
        [...held].some((id) => matched.has(id)),
        `seed ${seed}`,
      ).toBe(true);
      for (const id of heldOutIds(ids, seed, 0.2)) expect(held.has(id)).toBe(true);
    }
    expect(heldOutIds(['a', 'b'], 3, 0.2, new Set(['a'])).size).toBeGreaterThanOrEqual(1); // one ✓ pair: it trains
  });
});
