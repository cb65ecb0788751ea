// Tokens → text in exactly the SPEC format. Works for any token sequence (a sampled one may be malformed):
// it renders what is there and never throws. The UI renders the segments (to colour each box's JSON span
// like its box on the image); everything else uses the joined text.
import type { Vocab } from './vocab';

export type SegmentKind = 'tag' | 'word' | 'evidence-open' | 'box' | 'frame' | 'keyword' | 'evidence-close' | 'stray';

export interface Segment {
  kind: SegmentKind;
  text: string;
  /** Token range [start, end) this segment came from. */
  start: number;
  end: number;
  /** For box/frame/keyword: its position in the evidence list. */
  item?: number;
  /** Whether to put a space before this segment when joining. */
  space: boolean;
}

const KEY_OF: Record<string, string> = {
  '<bbox_2d>': 'bbox_2d',
  '<key_frames>': 'key_frames',
  '<text_keywords>': 'text_keywords',
};

export function renderSegments(vocab: Vocab, ids: ArrayLike<number>): Segment[] {
  const out: Segment[] = [];
  const eos = vocab.id('<eos>');
  const pad = vocab.id('<pad>');
  const bos = vocab.id('<bos>');
  const end = vocab.id('<evidence_end>');
  let i = 0;
  while (i < ids.length) {
    const id = ids[i];
    if (id === eos) break;
    if (id === pad || id === bos) {
      i++;
      continue;
    }
    const tok = vocab.token(id);
    const key = KEY_OF[tok];
    if (key === undefined) {
      const kind: SegmentKind = tok.startsWith('<') ? (isTag(tok) ? 'tag' : 'stray') : 'word';
      out.push({ kind, text: tok, start: i, end: i + 1, space: true });
      i++;
      continue;
    }
    // An evidence object: the marker, its items, and the closing token if present.
    out.push({ kind: 'evidence-open', text: `{"${key}": [`, start: i, end: i + 1, space: true });
    i++;
    let item = 0;
    if (key === 'bbox_2d') {
      while (i < ids.length && vocab.isLoc(ids[i])) {
        const s = i;
        const coords: number[] = [];
        while (i < ids.length && vocab.isLoc(ids[i]) && coords.length < 4) coords.push(vocab.locValue(ids[i++]));
        out.push({
          kind: 'box',
          text: `${item ? ', ' : ''}[${coords.join(', ')}]`,
          start: s,
          end: i,
          item: item++,
          space: false,
        });
      }
    } else if (key === 'key_frames') {
      while (i < ids.length && vocab.isFrame(ids[i])) {
        out.push({
          kind: 'frame',
          text: `${item ? ', ' : ''}${vocab.frameIndex(ids[i])}`,
          start: i,
          end: i + 1,
          item: item++,
          space: false,
        });
        i++;
      }
    } else {
      const kwSep = vocab.id('<kw_sep>');
      while (i < ids.length && (vocab.isWord(ids[i]) || ids[i] === kwSep)) {
        if (ids[i] === kwSep) {
          i++;
          continue;
        }
        const s = i;
        const words: string[] = [];
        while (i < ids.length && vocab.isWord(ids[i])) words.push(vocab.token(ids[i++]));
        out.push({
          kind: 'keyword',
          text: `${item ? ', ' : ''}${JSON.stringify(words.join(' '))}`,
          start: s,
          end: i,
          item: item++,
          space: false,
        });
      }
    }
    const closed = i < ids.length && ids[i] === end;
    out.push({ kind: 'evidence-close', text: ']}', start: i, end: closed ? i + 1 : i, space: false });
    if (closed) i++;
  }
  return out;
}

function isTag(tok: string): boolean {
  return /^<\/?(thinking|rethink|answer)>$/.test(tok);
}

export function joinSegments(segments: Segment[]): string {
  let text = '';
  for (const s of segments) text += (s.space && text ? ' ' : '') + s.text;
  return text;
}

/** Tokens → SPEC text, e.g. `<thinking> the small star {"bbox_2d": [[120, 40, 260, 180]]} </thinking> …`. */
export function renderTokens(vocab: Vocab, ids: ArrayLike<number>): string {
  return joinSegments(renderSegments(vocab, ids));
}
