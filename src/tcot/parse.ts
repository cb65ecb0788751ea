// The T-CoT parser: any token sequence in, the parts it found and a list of format issues out. It never
// throws. The format reward and the UI both use it: `formatOk` is SPEC's format check (tags in order)
// plus this project's stricter rule (exactly one valid evidence object of the expected key).
import type { Evidence } from '../world/tcot-types';
import type { Box } from '../world/types';
import type { EvidenceKey, Vocab } from './vocab';

export type { Box, Evidence };

export interface FormatIssue {
  code:
    | 'missing-tag'
    | 'duplicate-tag'
    | 'tag-order'
    | 'no-evidence'
    | 'multiple-evidence'
    | 'wrong-evidence-key'
    | 'unclosed-evidence'
    | 'bad-box'
    | 'whole-image-box'
    | 'bad-frame'
    | 'empty-evidence'
    | 'stray-token'
    | 'empty-answer'
    | 'unknown-word'
    | 'outside-sections'
    | 'no-eos';
  message: string;
  severity: 'error' | 'warning';
  /** Token index the issue refers to, when there is one. */
  at?: number;
}

export interface ParsedTCoT {
  thinking: string;
  evidence: Evidence | null;
  rethink: string;
  answer: string;
  issues: FormatIssue[];
  /** True when no issue is an error. */
  formatOk: boolean;
  /** Token ranges [start, end) of each section's content, when its tags were found. */
  sections: Partial<Record<'thinking' | 'rethink' | 'answer', [number, number]>>;
  /** Token range of the evidence object (marker to closing token). */
  evidenceSpan: [number, number] | null;
}

export interface ParseOptions {
  /** The evidence key the input's modality calls for (image → bbox_2d, video → key_frames, text → text_keywords). */
  expectedKey?: EvidenceKey;
  /** Boxes covering at least this share of the image count as "the whole image" (never allowed). */
  wholeImageArea?: number;
}

const SECTIONS = ['thinking', 'rethink', 'answer'] as const;
type Section = (typeof SECTIONS)[number];

export function parseTokens(vocab: Vocab, ids: ArrayLike<number>, options: ParseOptions = {}): ParsedTCoT {
  const wholeImageArea = options.wholeImageArea ?? 0.9;
  const issues: FormatIssue[] = [];
  const issue = (
    code: FormatIssue['code'],
    message: string,
    at?: number,
    severity: FormatIssue['severity'] = 'error',
  ) => issues.push({ code, message, severity, at });

  // Everything up to the first <eos> (or the whole sequence).
  const eos = vocab.id('<eos>');
  let n = 0;
  while (n < ids.length && ids[n] !== eos) n++;
  if (n === ids.length)
    issue('no-eos', 'the sequence never ends with <eos> (cut off at the length limit?)', undefined, 'warning');
  const pad = vocab.id('<pad>');
  const bos = vocab.id('<bos>');

  // Locate each section's tags (first occurrence) and flag duplicates.
  const open: Partial<Record<Section, number>> = {};
  const close: Partial<Record<Section, number>> = {};
  for (let i = 0; i < n; i++) {
    const m = /^<(\/?)(thinking|rethink|answer)>$/.exec(vocab.token(ids[i]));
    if (!m) continue;
    const section = m[2] as Section;
    const table = m[1] ? close : open;
    if (table[section] === undefined) table[section] = i;
    else issue('duplicate-tag', `<${m[1]}${section}> appears more than once`, i);
  }
  const sections: ParsedTCoT['sections'] = {};
  let last = -1;
  for (const s of SECTIONS) {
    const o = open[s];
    const c = close[s];
    if (o === undefined || c === undefined) {
      issue('missing-tag', `missing ${o === undefined ? `<${s}>` : `</${s}>`}`);
      continue;
    }
    if (c < o || o < last) {
      issue('tag-order', `<${s}>…</${s}> is out of order`, o);
      continue;
    }
    sections[s] = [o + 1, c];
    last = c;
  }

  // Tokens outside every section (allowed by SPEC's "…", but worth a warning).
  const inside = (i: number) => SECTIONS.some((s) => sections[s] && i >= sections[s]![0] - 1 && i <= sections[s]![1]);
  for (let i = 0; i < n; i++) {
    if (ids[i] === pad || ids[i] === bos || inside(i)) continue;
    issue('outside-sections', `"${vocab.token(ids[i])}" is outside <thinking>, <rethink> and <answer>`, i, 'warning');
    break; // one warning is enough
  }

  // Evidence: exactly one object, inside <thinking>.
  let evidence: Evidence | null = null;
  let evidenceSpan: [number, number] | null = null;
  const thinkingWords: string[] = [];
  const th = sections.thinking;
  if (th) {
    let count = 0;
    for (let i = th[0]; i < th[1]; i++) {
      const tok = vocab.token(ids[i]);
      const key = markerKey(tok);
      if (key) {
        const parsed = parseEvidence(vocab, ids, i, th[1], key, wholeImageArea, issue);
        count++;
        if (count === 1) {
          evidence = parsed.evidence;
          evidenceSpan = [i, parsed.end];
        } else issue('multiple-evidence', 'more than one evidence object in <thinking>', i);
        i = parsed.end - 1;
      } else if (vocab.isWord(ids[i])) thinkingWords.push(tok);
      else checkStray(vocab, ids[i], i, issue);
    }
    if (count === 0) issue('no-evidence', 'no evidence object (bbox_2d, key_frames or text_keywords) in <thinking>');
    const found: Evidence | null = evidence;
    if (found && options.expectedKey && found.key !== options.expectedKey) {
      issue(
        'wrong-evidence-key',
        `evidence uses "${found.key}" but this input needs "${options.expectedKey}"`,
        evidenceSpan?.[0],
      );
    }
  }

  const sectionText = (s: Section): string => {
    const r = sections[s];
    if (!r) return '';
    const words: string[] = [];
    for (let i = r[0]; i < r[1]; i++) {
      if (vocab.isWord(ids[i])) words.push(vocab.token(ids[i]));
      else if (s !== 'thinking') checkStray(vocab, ids[i], i, issue);
    }
    return words.join(' ');
  };
  const rethink = sectionText('rethink');
  const answer = sectionText('answer');
  if (sections.answer && answer === '') issue('empty-answer', '<answer> is empty');

  return {
    thinking: thinkingWords.join(' '),
    evidence,
    rethink,
    answer,
    issues,
    formatOk: !issues.some((x) => x.severity === 'error'),
    sections,
    evidenceSpan,
  };
}

function markerKey(tok: string): EvidenceKey | null {
  return tok === '<bbox_2d>'
    ? 'bbox_2d'
    : tok === '<key_frames>'
      ? 'key_frames'
      : tok === '<text_keywords>'
        ? 'text_keywords'
        : null;
}

type IssueFn = (code: FormatIssue['code'], message: string, at?: number, severity?: FormatIssue['severity']) => void;

function checkStray(vocab: Vocab, id: number, at: number, issue: IssueFn) {
  const tok = vocab.token(id);
  if (tok === '<unk>') issue('unknown-word', 'a word the models do not know (<unk>)', at, 'warning');
  else if (!vocab.isWord(id)) issue('stray-token', `${tok} is out of place`, at);
}

/** Parse one evidence object starting at its marker; returns it and the index just past it. */
function parseEvidence(
  vocab: Vocab,
  ids: ArrayLike<number>,
  start: number,
  limit: number,
  key: EvidenceKey,
  wholeImageArea: number,
  issue: IssueFn,
): { evidence: Evidence; end: number } {
  const endId = vocab.id('<evidence_end>');
  let i = start + 1;
  let closed = false;
  const items: number[] = [];
  const keywords: string[][] = [[]];
  for (; i < limit; i++) {
    const id = ids[i];
    if (id === endId) {
      closed = true;
      i++;
      break;
    }
    if (key === 'bbox_2d' && vocab.isLoc(id)) items.push(vocab.locValue(id));
    else if (key === 'key_frames' && vocab.isFrame(id)) items.push(vocab.frameIndex(id));
    else if (key === 'text_keywords' && vocab.isWord(id)) keywords[keywords.length - 1].push(vocab.token(id));
    else if (key === 'text_keywords' && vocab.token(id) === '<kw_sep>') keywords.push([]);
    else break; // anything else ends the object (unclosed)
  }
  if (!closed) issue('unclosed-evidence', `the ${key} object is not closed`, i);

  if (key === 'bbox_2d') {
    if (items.length % 4 !== 0) issue('bad-box', `a box needs 4 coordinates; got ${items.length} values`, start);
    const boxes: Box[] = [];
    for (let b = 0; b + 4 <= items.length; b += 4) {
      const [x1, y1, x2, y2] = items.slice(b, b + 4);
      if (x2 <= x1 || y2 <= y1)
        issue('bad-box', `box ${boxes.length + 1} [${x1}, ${y1}, ${x2}, ${y2}] has no area`, start);
      else if (((x2 - x1) * (y2 - y1)) / 1e6 >= wholeImageArea) {
        issue(
          'whole-image-box',
          `box ${boxes.length + 1} covers the whole image; evidence must point at a part`,
          start,
        );
      }
      boxes.push([x1, y1, x2, y2]);
    }
    if (boxes.length === 0) issue('empty-evidence', 'bbox_2d has no boxes', start);
    return { evidence: { key, boxes }, end: i };
  }
  if (key === 'key_frames') {
    const unique = [...new Set(items)];
    if (unique.length !== items.length) issue('bad-frame', 'a key frame is listed twice', start, 'warning');
    if (items.length === 0) issue('empty-evidence', 'key_frames is empty', start);
    return { evidence: { key, frames: items }, end: i };
  }
  const list = keywords.map((w) => w.join(' ')).filter(Boolean);
  if (list.length === 0) issue('empty-evidence', 'text_keywords is empty', start);
  return { evidence: { key, keywords: list }, end: i };
}
