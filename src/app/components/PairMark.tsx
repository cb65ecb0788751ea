// Label an Explore result as a match (or not) for the current query: a labelled pair for fine-tuning.
// Text and item queries label at once; a dropped file is not in the library, so labelling one of its results adds it
// to the library first (the button says so) and the pair's query is that new item.
import { useEffect } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { Hit } from '../../engine/types';
import { useAppStore, useFields } from '../store';

type Query = NonNullable<ReturnType<typeof useAppStore.getState>['lastQuery']>;
type Pair = ReturnType<typeof useAppStore.getState>['pairs'][number];
const sameQuery = (p: Pair, query: Query) =>
  query.kind === 'text'
    ? p.query.kind === 'text' && p.query.text === query.text.trim()
    : query.kind === 'item' && p.query.kind === 'item' && p.query.itemId === query.id;

/** How many results are labelled for the current query, and how many pairs there are in all. */
export function MarkCount() {
  const s = useAppStore(useShallow((s) => ({ query: s.lastQuery, file: s.queryFile, pairs: s.pairs })));
  const query = s.query;
  if (!query && s.file) {
    return (
      <p className="hint" data-testid="mark-count" data-match={0} data-nomatch={0}>
        Labelled for this query: none yet — labelling a result adds {s.file.name} to your library first (a pair's query
        must be stored) · {s.pairs.length} pair
        {s.pairs.length === 1 ? '' : 's'} in all for Fine-tune.
      </p>
    );
  }
  if (!query || query.kind === 'media') return null;
  const mine = s.pairs.filter((p) => sameQuery(p, query));
  const yes = mine.filter((p) => p.match).length;
  return (
    <p className="hint" data-testid="mark-count" data-match={yes} data-nomatch={mine.length - yes}>
      Labelled for this query: {yes} ✓ match, {mine.length - yes} ✗ not a match · {s.pairs.length} pair
      {s.pairs.length === 1 ? '' : 's'} in all for Fine-tune.
    </p>
  );
}

export function PairMark({ hit }: { hit: Hit }) {
  const s = useFields('lastQuery', 'queryFile', 'markResult', 'markDroppedResult', 'pairs', 'loadPairs');
  const adding = useAppStore((s) => s.addProgress !== null);
  // The labels already given show as pressed: load the pairs once (the first card asks; the flag stops the rest).
  const loadPairs = s.loadPairs;
  useEffect(() => {
    if (!useAppStore.getState().pairsLoaded) void loadPairs();
  }, [loadPairs]);
  const query = s.lastQuery;
  if (!query && s.queryFile) {
    const title = `Adds ${s.queryFile.name} to your library, then labels this result for it`;
    return (
      <span className="mark" role="group" aria-label={`Label ${hit.item.name} for the dropped file`}>
        <button
          type="button"
          data-testid="mark-match"
          disabled={adding}
          title={`A match. ${title}`}
          onClick={() => void s.markDroppedResult(hit, true)}
        >
          ✓ match
        </button>
        <button
          type="button"
          data-testid="mark-nomatch"
          disabled={adding}
          title={`Not a match. ${title}`}
          onClick={() => void s.markDroppedResult(hit, false)}
        >
          ✗ not a match
        </button>
      </span>
    );
  }
  if (!query || query.kind === 'media') return null;
  const existing = s.pairs.find((p) => p.targetId === hit.id && sameQuery(p, query));
  return (
    <span className="mark" role="group" aria-label={`Label ${hit.item.name} for this query`}>
      {MARKS.map((m) => (
        <button
          key={m.testId}
          type="button"
          data-testid={m.testId}
          aria-pressed={existing?.match === m.match}
          title={m.title}
          onClick={() => void s.markResult(query, hit, m.match)}
        >
          {m.label}
        </button>
      ))}
    </span>
  );
}

const MARKS = [
  {
    match: true,
    testId: 'mark-match',
    label: '✓ match',
    title: 'A match for this query: a training pair for Fine-tune',
  },
  { match: false, testId: 'mark-nomatch', label: '✗ not a match', title: 'Not a match for this query' },
] as const;
