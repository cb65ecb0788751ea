// Does a T-CoT's answer agree with the query it was written for? For a text query, every attribute group
// the query names (colour, shape, size, texture, count, event, relation, order, timing) constrains the
// answer: an answer word of that group the query does not use contradicts it ("a small red star" answered
// "a small pink star": pink where the query says red). Words of groups the query leaves open are not judged.
import { tokenizeWords, WORD_GROUP, type WordGroup } from '../world/vocab';

const JUDGED: readonly WordGroup[] = [
  'color',
  'shape',
  'size',
  'texture',
  'count',
  'event',
  'relation',
  'order',
  'timing',
];

export interface AnswerConflict {
  word: string; // the answer's word
  group: WordGroup;
  query: string[]; // what the query says in that group
}

export function answerConflicts(queryText: string, answer: string): AnswerConflict[] {
  const byGroup = (text: string) => {
    const out = new Map<WordGroup, string[]>();
    for (const w of tokenizeWords(text)) {
      const g = WORD_GROUP.get(w);
      if (g && JUDGED.includes(g)) out.set(g, [...(out.get(g) ?? []), w]);
    }
    return out;
  };
  const query = byGroup(queryText);
  const seen = new Set<string>();
  const conflicts: AnswerConflict[] = [];
  for (const [group, words] of byGroup(answer)) {
    const asked = query.get(group);
    if (!asked) continue;
    for (const word of words) {
      if (asked.includes(word) || seen.has(word)) continue;
      seen.add(word);
      conflicts.push({ word, group, query: [...new Set(asked)] });
    }
  }
  return conflicts;
}

/** One plain sentence for the conflicts (empty when there are none). */
export function conflictSentence(conflicts: readonly AnswerConflict[]): string {
  if (conflicts.length === 0) return '';
  const parts = conflicts.slice(0, 3).map((c) => `“${c.word}” where the query says “${c.query.join(' / ')}”`);
  return `The answer contradicts the query: it says ${parts.join('; ')}${conflicts.length > 3 ? ` (and ${conflicts.length - 3} more)` : ''}.`;
}
