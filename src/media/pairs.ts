// Labelled pairs for fine-tuning: a query (text, or one of the user's items) and a target item, marked
// as a match or not. Import from CSV / JSONL with an error per row that does not resolve, and a seeded
// train / held-out split that never moves a pair the trainer may have seen into the held-out set.
import { hashSeed } from '../world/rng';

export type PairQuery = { kind: 'text'; text: string } | { kind: 'item'; itemId: string };

export interface PairDraft {
  query: PairQuery;
  targetId: string;
  match: boolean;
}

export interface PairRowError {
  /** 1-based line number in the imported file. */
  row: number;
  message: string;
}

/** Finds the library item a file name refers to (exact name first, then case-insensitive); null if none. */
export type ResolveName = (name: string) => string | null;

const TRUE = new Set(['1', 'true', 'yes', 'y', 'match']);
const FALSE = new Set(['0', 'false', 'no', 'n', 'nomatch', 'no-match', 'no match']);

/**
 * One CSV line → fields (RFC 4180 quoting: "a, b" keeps its comma, "" is a quote). Returns null for an
 * unterminated quote.
 */
export function splitCsvLine(line: string): string[] | null {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field.trim() === '') {
      quoted = true;
      field = '';
    } else if (c === ',') {
      fields.push(field.trim());
      field = '';
    } else field += c;
  }
  if (quoted) return null;
  fields.push(field.trim());
  return fields;
}

function draftFrom(
  query: string,
  target: string,
  match: string | boolean | undefined,
  resolve: ResolveName,
): PairDraft | string {
  if (!query) return 'the query is empty';
  if (!target) return 'the target is empty';
  const targetId = resolve(target);
  if (!targetId) return `the target "${target}" is not in your library (add the file first, or check its name)`;
  let isMatch = true;
  if (typeof match === 'boolean') isMatch = match;
  else if (match !== undefined && match !== '') {
    const m = match.toLowerCase();
    if (TRUE.has(m)) isMatch = true;
    else if (FALSE.has(m)) isMatch = false;
    else return `"${match}" is not a match label (use true/false, yes/no or 1/0)`;
  }
  // A query that names a library file is that item; anything else is query text.
  const itemId = resolve(query);
  return { query: itemId ? { kind: 'item', itemId } : { kind: 'text', text: query }, targetId, match: isMatch };
}

/**
 * Most lines one CSV row may span (a quoted field with line breaks): past it the quote is taken as never
 * closed, so a stray quote costs its own row, not every row after it (and no input makes parsing quadratic).
 */
export const MAX_CSV_ROW_LINES = 10;

/**
 * Parse an import file. CSV: `query,target[,match]` with an optional header row, RFC 4180 quoting (a quoted
 * field may hold commas, doubled quotes and line breaks); JSONL: one `{"query": …, "target": …, "match"?: …}`
 * object per line. Blank lines are skipped; a row's number is the line it starts on. Never throws.
 */
export function parsePairs(
  text: string,
  format: 'csv' | 'jsonl',
  resolve: ResolveName,
): { pairs: PairDraft[]; errors: PairRowError[] } {
  const pairs: PairDraft[] = [];
  const errors: PairRowError[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  for (let i = 0, span = 1; i < lines.length; i += span, span = 1) {
    const line = lines[i]!;
    const row = i + 1;
    if (!line.trim()) continue;
    let result: PairDraft | string;
    if (format === 'csv') {
      let record = line;
      let fields = splitCsvLine(record);
      while (!fields && span < MAX_CSV_ROW_LINES && i + span < lines.length) {
        record += `\n${lines[i + span]}`;
        span++;
        fields = splitCsvLine(record);
      }
      if (!fields) {
        span = 1;
        errors.push({ row, message: 'a quoted field is not closed' });
        continue;
      }
      if (row === 1 && fields[0]?.toLowerCase() === 'query' && fields[1]?.toLowerCase() === 'target') continue;
      if (fields.length < 2 || fields.length > 3) {
        errors.push({ row, message: `expected query,target[,match] but found ${fields.length} field(s)` });
        continue;
      }
      result = draftFrom(fields[0]!, fields[1]!, fields[2], resolve);
    } else {
      let obj: unknown;
      try {
        obj = JSON.parse(line);
      } catch {
        errors.push({ row, message: 'not valid JSON' });
        continue;
      }
      const rec = (typeof obj === 'object' && obj !== null ? obj : {}) as Record<string, unknown>;
      if (typeof rec.query !== 'string' || typeof rec.target !== 'string') {
        errors.push({ row, message: 'needs string fields "query" and "target"' });
        continue;
      }
      const match = rec.match;
      if (match !== undefined && typeof match !== 'boolean' && typeof match !== 'string' && typeof match !== 'number') {
        errors.push({ row, message: '"match" must be true or false' });
        continue;
      }
      result = draftFrom(
        rec.query.trim(),
        rec.target.trim(),
        typeof match === 'number' ? String(match) : match,
        resolve,
      );
    }
    if (typeof result === 'string') errors.push({ row, message: result });
    else pairs.push(result);
  }
  return { pairs, errors };
}

/** A name resolver over the user's items: exact file name first, then case-insensitive. */
export function nameResolver(items: readonly { id: string; name: string }[]): ResolveName {
  const exact = new Map(items.map((it) => [it.name, it.id]));
  const folded = new Map(items.map((it) => [it.name.toLowerCase(), it.id]));
  return (name) => exact.get(name) ?? folded.get(name.toLowerCase()) ?? null;
}

/**
 * Which pairs are held out (default 20 %). A pair is held out when hash(seed, id) falls under the share, so
 * its side never depends on the other pairs: adding pairs never moves a training pair into the held-out set
 * (it may have been trained on). With ≥ 2 pairs and none under the share, the pair with the lowest hash is
 * held out so there is always something to evaluate on; that one is never trained on either.
 * Stratified by label when `matched` (the ✓ pairs) is given: with ≥ 2 ✓ pairs and no ✓ pair under the share, the
 * ✓ pair with the lowest hash is held out too, so the held-out set can be scored (a ✗ pair alone cannot).
 */
/** The seed of the train / held-out split of pairs (the Fine-tune view and the built-in lesson share it). */
export const PAIR_SPLIT_SEED = 1;

export function heldOutIds(
  ids: readonly string[],
  seed: number,
  share = 0.2,
  matched?: ReadonlySet<string>,
): Set<string> {
  const hashed = ids.map((id) => ({ id, u: hashSeed(seed, 'pair-split', id) / 4294967296 }));
  const lowest = (hs: typeof hashed) => hs.reduce((a, b) => (b.u < a.u ? b : a)).id;
  const held = new Set(hashed.filter((h) => h.u < share).map((h) => h.id));
  if (held.size === 0 && ids.length >= 2) held.add(lowest(hashed));
  if (matched) {
    const ticks = hashed.filter((h) => matched.has(h.id));
    if (ticks.length >= 2 && !ticks.some((h) => held.has(h.id))) held.add(lowest(ticks));
  }
  return held;
}
