// Explore: query by text, by example or by a dropped file; ranked results with and without T-CoT (and how
// each result moved); the trace of the query and of the selected result.
import { useEffect, useMemo, type ReactNode } from 'react';
import type { Hit, ResultFilter } from '../../engine/types';
import { instructionTarget, TASK_INSTRUCTIONS } from '../../world/tasks';
import { WORD_GROUPS, tokenizeWords, isWorldWord } from '../../world/vocab';
import { DropZone } from '../components/DropZone';
import { MarkCount, PairMark } from '../components/PairMark';
import { ItemFilmstrip, ItemThumb } from '../components/Pixels';
import { TracePanel } from '../components/TracePanel';
import { useAppStore, useFields, useOpenLibraryWhenReady } from '../store';
import { LibraryStatus } from './LibraryStatus';

const HINT_GROUPS = ['color', 'shape', 'size', 'texture', 'relation', 'event', 'count'] as const;
const AUTO_LABEL = { all: 'all (auto)', image: 'images (auto)', clip: 'clips (auto)' } as const;
const INSTRUCTIONS = Object.entries(TASK_INSTRUCTIONS).flatMap(([task, list]) => list.map((text) => ({ task, text })));

/** A select with a visually hidden label (its id is also its test id). */
function LabelledSelect(p: {
  id: string;
  label: string;
  title: string;
  value: string;
  onChange: (value: string) => void;
  children: ReactNode;
}) {
  return (
    <>
      <label className="visually-hidden" htmlFor={p.id}>
        {p.label}
      </label>
      <select id={p.id} data-testid={p.id} value={p.value} onChange={(e) => p.onChange(e.target.value)} title={p.title}>
        {p.children}
      </select>
    </>
  );
}

function QueryBox() {
  const s = useFields(
    'queryText',
    'setQueryText',
    'instruction',
    'setInstruction',
    'resultFilter',
    'setResultFilter',
    'search',
    'searchFile',
    'searching',
  );
  const ready = useAppStore((s) => s.libraryPhase === 'ready');
  const words = useMemo(() => tokenizeWords(s.queryText), [s.queryText]);
  const unknown = words.filter((w) => !isWorldWord(w) && !/^[,.?]$/.test(w));
  const submit = () =>
    s.queryText.trim() && ready && void s.search({ kind: 'text', text: s.queryText.trim() }, s.queryText.trim());
  return (
    <section className="card query" aria-labelledby="query-heading">
      <h2 id="query-heading">Explore</h2>
      <p className="hint intro-line">
        A <strong>T-CoT</strong> (traceability chain of thought) is a short note the Reasoner writes about an input
        before it is embedded: what matters, <em>where</em> it is (boxes on an image, key frames in a clip, keywords in
        a text), a check, and an answer. The Embedder then reads the input <em>and</em> that evidence, cut out at full
        resolution — so small objects and brief events it would otherwise blur away count in the match.
      </p>
      <form
        className="query-row"
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        <label className="visually-hidden" htmlFor="query-input">
          Query text
        </label>
        <input
          id="query-input"
          data-testid="query-input"
          type="search"
          placeholder="e.g. a small red circle left of a blue square"
          value={s.queryText}
          onChange={(e) => s.setQueryText(e.target.value)}
          autoComplete="off"
        />
        <LabelledSelect
          id="instruction"
          label="Instruction"
          value={s.instruction}
          onChange={s.setInstruction}
          title="The task instruction the models were trained with"
        >
          <option value="">(no instruction: compare inputs as they are)</option>
          {INSTRUCTIONS.map((i) => (
            <option key={i.text} value={i.text}>
              {i.text}
            </option>
          ))}
        </LabelledSelect>
        <LabelledSelect
          id="result-filter"
          label="Results"
          value={s.resultFilter}
          onChange={(v) => s.setResultFilter(v as ResultFilter)}
          title="Which items are ranked. Auto follows the instruction: one that asks for an image ranks images, one that asks for a video ranks clips, the others rank everything."
        >
          <option value="auto">{`Results: ${AUTO_LABEL[instructionTarget(s.instruction) ?? 'all']}`}</option>
          <option value="all">all items</option>
          <option value="image">images only</option>
          <option value="clip">clips only</option>
          <option value="user">your files only</option>
        </LabelledSelect>
        <button
          type="submit"
          data-testid="query-submit"
          disabled={!ready || s.searching || !s.queryText.trim()}
          title={
            !ready
              ? 'Search works once the library is ready (see the progress below)'
              : s.searching
                ? 'A search is running'
                : !s.queryText.trim()
                  ? 'Type a query first'
                  : undefined
          }
        >
          {s.searching ? 'Searching…' : 'Search'}
        </button>
      </form>
      {unknown.length > 0 && (
        <p className="query-mirror" data-testid="query-mirror" aria-live="polite">
          {words.map((w, i) => (
            <span
              key={i}
              className={unknown.includes(w) ? 'unknown-word' : ''}
              data-unknown={unknown.includes(w) ? 'true' : undefined}
            >
              {w}{' '}
            </span>
          ))}
          <span className="hint" data-testid="unknown-note">
            — underlined words are unknown to the built-in models (they read them as &lt;unk&gt;); see the words they
            know below.
          </span>
        </p>
      )}
      <details className="vocab-hints">
        <summary>Words the models know</summary>
        {HINT_GROUPS.map((g) => (
          <div key={g} className="vocab-group">
            <span className="hint">{g}:</span>{' '}
            {WORD_GROUPS[g].map((w) => (
              <button
                key={w}
                type="button"
                className="chip"
                onClick={() => s.setQueryText(`${s.queryText.trim()} ${w}`.trim())}
              >
                {w}
              </button>
            ))}
          </div>
        ))}
      </details>
      <DropZone testId="query-drop" multiple={false} onFiles={(files) => ready && void s.searchFile(files[0]!)}>
        <p className="hint">…or drop an image or video here to search with it.</p>
      </DropZone>
    </section>
  );
}

/** A rank movement's colour (base.css): up is good, down bad, no move neutral. */
const MOVE_CLASS = { up: 'ok', down: 'bad', same: 'same' } as const;

function movement(hit: Hit, rank: number, other: Hit[]): { label: string; kind: keyof typeof MOVE_CLASS } {
  const j = other.findIndex((h) => h.id === hit.id);
  if (j < 0) return { label: 'new', kind: 'up' };
  const d = j - rank;
  return d === 0
    ? { label: '=', kind: 'same' }
    : d > 0
      ? { label: `▲${d}`, kind: 'up' }
      : { label: `▼${-d}`, kind: 'down' };
}

function Results() {
  const s = useFields(
    'result',
    'plainHits',
    'plainMs',
    'rankBy',
    'setRankBy',
    'selectedId',
    'select',
    'findSimilar',
    'queryMs',
    'queryLabel',
  );
  const result = s.result;
  if (!result && !s.plainHits) return null;
  // Until the query's T-CoT is written, only the ranking without it exists.
  const pending = !result;
  const rankBy = pending ? 'plain' : s.rankBy;
  const hits = result ? (rankBy === 'tcot' ? result.withTcot : result.withoutTcot) : s.plainHits!;
  const other = result ? (rankBy === 'tcot' ? result.withoutTcot : result.withTcot) : null;
  const t = result?.timings;
  return (
    <section className="card results" aria-labelledby="results-heading">
      <div className="row">
        <h3 id="results-heading">Results for “{s.queryLabel}”</h3>
        <div className="toggle" role="group" aria-label="Rank with or without the T-CoT">
          <button
            type="button"
            aria-pressed={rankBy === 'tcot'}
            data-testid="rank-tcot"
            disabled={pending}
            onClick={() => s.setRankBy('tcot')}
          >
            {pending ? 'With T-CoT (writing…)' : 'With T-CoT'}
          </button>
          <button
            type="button"
            aria-pressed={rankBy === 'plain'}
            data-testid="rank-plain"
            onClick={() => s.setRankBy('plain')}
          >
            Without T-CoT
          </button>
        </div>
      </div>
      <MarkCount />
      {result?.staleIndex && (
        <p className="hint warn" data-testid="stale-index">
          Ranked against the previous index while the collection is indexed again: the items’ T-CoTs are{' '}
          {result.staleIndex === 'shipped' ? 'the built-in Reasoner’s' : 'those of the Reasoner used before'}; the
          results refresh when indexing is done.
        </p>
      )}
      <p className="hint" data-testid="timings">
        {s.plainMs !== null && `${(s.plainMs / 1000).toFixed(2)} s to the ranking without T-CoT`}
        {t && s.queryMs !== null
          ? `, ${(s.queryMs / 1000).toFixed(2)} s to both (reasoning ${t.reason.toFixed(0)} ms, embedding ${t.embed.toFixed(0)} ms, search ${t.search.toFixed(1)} ms).`
          : '.'}
        {pending
          ? ' The Reasoner is writing the query’s T-CoT; the ranking with it follows.'
          : ` Arrows: how far each result moved compared with ranking ${rankBy === 'tcot' ? 'without' : 'with'} the T-CoT.`}
      </p>
      <details className="howto" data-testid="howto">
        <summary>New here? How to read the results</summary>
        <ul>
          <li>
            Each result’s <strong>score</strong> is how close its embedding is to the query’s (cosine similarity: 1
            means the same direction). The grid is ranked by it.
          </li>
          <li>
            <strong>With T-CoT</strong> ranks embeddings that include each side’s evidence;{' '}
            <strong>Without T-CoT</strong> ranks embeddings of the bare inputs. The arrows show how far each result
            moved between the two: the evidence’s effect on this query.
          </li>
          <li>
            Select a result to see <em>why</em> it ranked there: its trace shows what the Reasoner pointed at (boxes,
            key frames, keywords), each in the colour of its span in the T-CoT, and the crops the Embedder read. Compare
            it with the query’s trace.
          </li>
        </ul>
      </details>
      <ol className="result-grid" data-testid="results" data-rank-by={rankBy} data-pending={String(pending)}>
        {hits.map((h, rank) => {
          const mv = other ? movement(h, rank, other) : null;
          return (
            <li
              key={h.id}
              className={`result ${s.selectedId === h.id ? 'selected' : ''}`}
              data-testid="result"
              data-id={h.id}
              data-rank={rank + 1}
            >
              <button
                type="button"
                className="result-main"
                onClick={() => void s.select(h.id)}
                aria-pressed={s.selectedId === h.id}
                aria-label={`Result ${rank + 1}: ${h.item.name}, score ${h.score.toFixed(3)}`}
              >
                {h.item.kind === 'clip' ? (
                  <ItemFilmstrip id={h.id} label={`${h.item.name}, frames`} />
                ) : (
                  <ItemThumb id={h.id} label={h.item.name} />
                )}
                <span className="result-meta">
                  <span className="rank">#{rank + 1}</span> <span className="score">{h.score.toFixed(3)}</span>{' '}
                  {mv && (
                    <span className={`move ${MOVE_CLASS[mv.kind]}`} data-testid="move">
                      {mv.label}
                    </span>
                  )}
                </span>
                <span className="caption">{h.item.caption ?? h.item.name}</span>
              </button>
              <button type="button" className="link" onClick={() => void s.findSimilar(h.id, h.item.name)}>
                Find similar
              </button>
              <PairMark hit={h} />
            </li>
          );
        })}
      </ol>
    </section>
  );
}

export function ExploreView() {
  const s = useFields(
    'libraryPhase',
    'openLibrary',
    'result',
    'streamed',
    'searching',
    'searchError',
    'selectedTrace',
    'selectedId',
    'lastQuery',
    'searchCount',
  );
  useOpenLibraryWhenReady();
  // A selected result's trace sits beside the results on wide windows and below them on narrow ones: bring it
  // into view (focus stays on the result, so keyboard users go on from where they were).
  const selectedTraceId = s.selectedTrace?.id ?? null;
  const revealTrace = useAppStore((st) => st.revealTrace);
  useEffect(() => {
    if (selectedTraceId && revealTrace)
      document.querySelector('[data-testid="trace-result"]')?.scrollIntoView({ block: 'nearest' });
  }, [selectedTraceId, revealTrace]);
  const queryTokens = s.searching ? s.streamed : (s.result?.query.tokens ?? s.streamed);
  return (
    <div className="view explore" data-searches={s.searchCount}>
      <QueryBox />
      <LibraryStatus />
      {s.searchError && (
        <p className="error" role="alert" data-testid="search-error">
          {s.searchError}
        </p>
      )}
      <div className="explore-grid">
        <Results />
        <div className="traces">
          {(s.searching || s.result) && (
            <TracePanel
              title="The query’s trace"
              testId="trace-query"
              trace={s.searching ? null : (s.result?.query ?? null)}
              tokens={queryTokens}
              streaming={s.searching}
              queryText={s.lastQuery?.kind === 'text' ? s.lastQuery.text : undefined}
            />
          )}
          {s.selectedTrace && (
            <TracePanel
              title={`Trace of ${s.selectedTrace.id}`}
              testId="trace-result"
              trace={s.selectedTrace}
              tokens={s.selectedTrace.tokens}
            />
          )}
        </div>
      </div>
    </div>
  );
}
