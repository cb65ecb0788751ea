// The world's fixed vocabulary. Every caption, query, instruction, answer, rethink and thinking
// text the world generates is made of these words (the T-CoT evidence JSON is tokenised separately
// by src/tcot). Grouped by category so tests can check which detail a one-word edit changed.

import { COLORS, SHAPES, SIZES } from './types';

export const WORD_GROUPS = {
  color: [...COLORS],
  shape: [...SHAPES],
  size: [...SIZES],
  texture: ['outlined', 'striped'],
  count: ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve'],
  relation: ['left', 'right', 'above', 'below', 'next', 'inside'],
  event: [
    'appears',
    'leaves',
    'turns',
    'grows',
    'shrinks',
    'stops',
    'starts',
    'moving',
    'changes',
    'happens',
    'nothing',
  ],
  order: ['before', 'after', 'then'],
  timing: ['start', 'end'],
  negation: ['no'],
  grammar: ['a', 'an', 'the', 'of', 'to', 'at', 'in', 'and', 'is', 'are', 'there', 'it', 'that', 'with', 'about'],
  question: [
    'what',
    'which',
    'how',
    'many',
    'does',
    'do',
    'turn',
    'colour',
    'shape',
    'size',
    'most',
    'common',
    'object',
    'objects',
  ],
  task: [
    'classify',
    'choose',
    'label',
    'fits',
    'answer',
    'question',
    'find',
    'matches',
    'caption',
    'retrieve',
    'text',
    'describes',
    'image',
    'same',
    'similar',
    'region',
    'refers',
    'crop',
    'shows',
    'event',
    'video',
    'moment',
    'part',
  ],
  tcot: [
    'i',
    'look',
    'key',
    'frame',
    'frames',
    'boxes',
    'show',
    'names',
    'these',
    'words',
    'keywords',
    'cover',
    'query',
    'events',
    'order',
  ],
  punct: [',', '.', '?'],
} as const;

export type WordGroup = keyof typeof WORD_GROUPS;

/** Every word the world may emit, lower-case, each once. */
export const WORLD_WORDS: readonly string[] = Array.from(new Set(Object.values(WORD_GROUPS).flat()));

const WORD_SET = new Set(WORLD_WORDS);

/** Category of a word in the groups that carry meaning (color, shape, size, …); 'grammar' etc. otherwise. */
export const WORD_GROUP: ReadonlyMap<string, WordGroup> = new Map(
  (Object.entries(WORD_GROUPS) as [WordGroup, readonly string[]][])
    .flatMap(([g, ws]) => ws.map((w) => [w, g] as const))
    .reverse(),
);

/** Lower-case and split on whitespace; ',', '.', '?' become tokens of their own. */
export function tokenizeWords(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/([,.?])/g, ' $1 ')
    .split(/\s+/)
    .filter((w) => w.length > 0);
}

/** Words of `text` that are not in the vocabulary (empty when the text is covered). */
export function outOfVocab(text: string): string[] {
  return tokenizeWords(text).filter((w) => !WORD_SET.has(w));
}

export function isWorldWord(word: string): boolean {
  return WORD_SET.has(word);
}

const STOP = new Set<string>([...WORD_GROUPS.grammar, ...WORD_GROUPS.punct]);

/** The words that carry content (drops articles, copulas and punctuation), in order. */
export function contentWords(text: string): string[] {
  return tokenizeWords(text).filter((w) => !STOP.has(w));
}
