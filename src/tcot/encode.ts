// Text and structured T-CoTs → tokens. Words outside the vocabulary become <unk> and are reported with
// their positions (the UI underlines them). The inverse is render.ts.
import type { Evidence, TCoT } from '../world/tcot-types';
import { tokenizeWords } from '../world/vocab';
import type { Vocab } from './vocab';

export interface UnknownWord {
  word: string;
  /** Index of the word among the text's words. */
  position: number;
}

export interface Encoded {
  ids: number[];
  unknown: UnknownWord[];
}

/** Plain text (a query, an instruction, a caption) → word ids. */
export function encodeWords(vocab: Vocab, text: string): Encoded {
  const unk = vocab.id('<unk>');
  const unknown: UnknownWord[] = [];
  const ids = tokenizeWords(text).map((word, position) => {
    const id = vocab.get(word);
    if (id === undefined || !vocab.isWord(id)) {
      unknown.push({ word, position });
      return unk;
    }
    return id;
  });
  return { ids, unknown };
}

/** Evidence → tokens: marker, items (4 location tokens a box, a frame token each, keywords split by <kw_sep>), end. */
export function encodeEvidence(vocab: Vocab, evidence: Evidence, unknown: UnknownWord[] = []): number[] {
  const ids = [vocab.id(`<${evidence.key}>`)];
  if (evidence.key === 'bbox_2d') {
    for (const box of evidence.boxes) for (const v of box) ids.push(vocab.locId(v));
  } else if (evidence.key === 'key_frames') {
    for (const f of evidence.frames) {
      const id = vocab.frameId(f);
      if (id !== undefined) ids.push(id);
    }
  } else {
    evidence.keywords.forEach((kw, i) => {
      if (i > 0) ids.push(vocab.id('<kw_sep>'));
      const enc = encodeWords(vocab, kw);
      ids.push(...enc.ids);
      unknown.push(...enc.unknown);
    });
  }
  ids.push(vocab.id('<evidence_end>'));
  return ids;
}

/**
 * A structured T-CoT → the token sequence the Reasoner learns to write:
 * <thinking> words <evidence…> </thinking> <rethink> words </rethink> <answer> words </answer> <eos>.
 */
export function encodeTCoT(vocab: Vocab, t: TCoT): Encoded {
  const unknown: UnknownWord[] = [];
  const words = (text: string) => {
    const enc = encodeWords(vocab, text);
    unknown.push(...enc.unknown);
    return enc.ids;
  };
  const ids = [
    vocab.id('<thinking>'),
    ...words(t.thinking),
    ...encodeEvidence(vocab, t.evidence, unknown),
    vocab.id('</thinking>'),
    vocab.id('<rethink>'),
    ...words(t.rethink),
    vocab.id('</rethink>'),
    vocab.id('<answer>'),
    ...words(t.answer),
    vocab.id('</answer>'),
    vocab.id('<eos>'),
  ];
  return { ids, unknown };
}

/**
 * SPEC text → tokens: tags, one JSON evidence object anywhere (parsed; malformed JSON becomes <unk>),
 * and words. Accepts what render.ts writes and what a person types.
 */
export function encodeTCoTText(vocab: Vocab, text: string): Encoded {
  const ids: number[] = [];
  const unknown: UnknownWord[] = [];
  let wordPos = 0;
  const pieces = text.split(/(<\/?(?:thinking|rethink|answer)>|\{[^{}]*\})/);
  for (const piece of pieces) {
    if (!piece) continue;
    if (/^<\/?(thinking|rethink|answer)>$/.test(piece)) {
      ids.push(vocab.id(piece));
    } else if (piece.startsWith('{')) {
      const evidence = parseEvidenceJson(piece);
      if (evidence) ids.push(...encodeEvidence(vocab, evidence, unknown));
      else {
        unknown.push({ word: piece, position: wordPos++ });
        ids.push(vocab.id('<unk>'));
      }
    } else {
      const enc = encodeWords(vocab, piece);
      ids.push(...enc.ids);
      unknown.push(...enc.unknown.map((u) => ({ ...u, position: u.position + wordPos })));
      wordPos += tokenizeWords(piece).length;
    }
  }
  return { ids, unknown };
}

/** `{"bbox_2d": [[…]]}` / `{"key_frames": […]}` / `{"text_keywords": […]}` → Evidence, or null. */
export function parseEvidenceJson(json: string): Evidence | null {
  let obj: unknown;
  try {
    obj = JSON.parse(json);
  } catch {
    return null;
  }
  if (typeof obj !== 'object' || obj === null) return null;
  const rec = obj as Record<string, unknown>;
  const num = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
  if (Array.isArray(rec.bbox_2d)) {
    const boxes = rec.bbox_2d.filter(
      (b): b is [number, number, number, number] => Array.isArray(b) && b.length === 4 && b.every(num),
    );
    return { key: 'bbox_2d', boxes };
  }
  if (Array.isArray(rec.key_frames))
    return { key: 'key_frames', frames: rec.key_frames.filter((f): f is number => num(f)) };
  if (Array.isArray(rec.text_keywords)) {
    return { key: 'text_keywords', keywords: rec.text_keywords.filter((k): k is string => typeof k === 'string') };
  }
  return null;
}
