// The labelled pairs: the table with its split, adding, editing, deleting and importing pairs.
import { useState } from 'react';
import type { PairView } from '../../../engine/types';
import { ItemThumb } from '../../components/Pixels';
import { useAppStore, useFields } from '../../store';

/** A file with 100,000 bad rows must not render 100,000 lines: the first ones say what is wrong. */
export const SHOWN_ROW_ERRORS = 200;

export function PairsCard() {
  const s = useFields(
    'pairs',
    'pairsError',
    'importErrors',
    'importNote',
    'updatePair',
    'deletePair',
    'importPairsFile',
    'lesson',
  );
  const heldOut = useAppStore((s) => s.ftSettings.heldOut);
  const [editing, setEditing] = useState<{ id: string; text: string } | null>(null);
  const train = s.pairs.filter((p) => p.split === 'train');
  const held = s.pairs.filter((p) => p.split === 'held-out');
  const ticks = (ps: PairView[]) => ps.filter((p) => p.match).length;
  const targets = new Set(s.pairs.map((p) => p.targetId)).size;
  const scorable = targets >= 2 ? ticks(held) : 0; // a held-out ✓ pair, ranked among every pair's target
  const table = (
    <table className="pairs-table" data-testid="pairs">
      <thead>
        <tr>
          <th>query</th>
          <th>target</th>
          <th>label</th>
          <th>split</th>
          <th />
        </tr>
      </thead>
      <tbody>
        {s.pairs.map((p: PairView) => (
          <tr key={p.id} data-testid="pair" data-id={p.id} data-split={p.split} data-match={String(p.match)}>
            <td>
              {editing?.id === p.id ? (
                <form
                  onSubmit={(e) => {
                    e.preventDefault();
                    void s.updatePair(p.id, { queryText: editing.text });
                    setEditing(null);
                  }}
                >
                  <input
                    aria-label="Query text"
                    value={editing.text}
                    onChange={(e) => setEditing({ id: p.id, text: e.target.value })}
                    autoFocus
                  />
                  <button type="submit">Save</button>
                </form>
              ) : (
                <>
                  {p.query.kind === 'item' ? <ItemThumb id={p.query.itemId} label={p.queryLabel} /> : null}{' '}
                  {p.queryLabel}
                  {p.query.kind === 'text' && (
                    <button type="button" className="link" onClick={() => setEditing({ id: p.id, text: p.queryLabel })}>
                      edit
                    </button>
                  )}
                </>
              )}
            </td>
            <td>
              <ItemThumb id={p.targetId} label={p.targetName} /> {p.targetName}
              {p.problem && <div className="error">{p.problem}</div>}
            </td>
            <td>
              <button
                type="button"
                className={p.match ? 'ok' : 'bad'}
                onClick={() => void s.updatePair(p.id, { match: !p.match })}
                title="Click to change the label"
              >
                {p.match ? '✓ match' : '✗ not a match'}
              </button>
            </td>
            <td>
              <span className={`split split-${p.split}`}>{p.split}</span>
            </td>
            <td>
              <button
                type="button"
                className="link"
                aria-label={`Delete the pair ${p.queryLabel} → ${p.targetName}`}
                onClick={() => void s.deletePair(p.id)}
              >
                delete
              </button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
  return (
    <section className="card ft-pairs" aria-labelledby="pairs-heading">
      <h2 id="pairs-heading">Your labelled pairs</h2>
      <p className="hint">
        Make pairs in <strong>Explore</strong>: search, then mark a result <em>✓ match</em> or <em>✗ not a match</em>{' '}
        for your query. Or import a file: CSV rows <code>query,target[,match]</code> or JSONL{' '}
        <code>{'{"query": …, "target": …, "match": true}'}</code>, where the query is text or a file name in your
        library and the target is a file name.
      </p>
      <p data-testid="pairs-split" data-train={train.length} data-held={held.length} data-scorable={scorable}>
        <strong>{s.pairs.length}</strong> pairs: <strong>{train.length}</strong> to train on ({ticks(train)} ✓,{' '}
        {train.length - ticks(train)} ✗), <strong>{held.length}</strong> held out to test on ({ticks(held)} ✓,{' '}
        {held.length - ticks(held)} ✗; {Math.round(100 * (1 - heldOut))} / {Math.round(100 * heldOut)} split, seeded and
        stratified: a pair keeps its side when you add more, and a ✓ pair is held out once there are two). Held-out
        pairs are never trained on. The run trains on the ✓ pairs only — EG-RL rewards a T-CoT by how well it finds the
        match, so a ✗ pair gives it nothing to reward; ✗ pairs are kept for your record.
      </p>
      <p className={scorable > 0 ? 'hint' : 'hint warn'} data-testid="pairs-measurable">
        {scorable > 0
          ? `${scorable} held-out ${scorable === 1 ? 'query' : 'queries'} can be scored before and after (each ranks its target among the ${targets} targets of your pairs).`
          : 'Nothing can be measured yet: a run needs a held-out ✓ pair and two or more different targets. Add ✓ pairs until one is held out.'}
      </p>
      <label className="file-button">
        Import pairs (CSV / JSONL)…
        <input
          type="file"
          accept=".csv,.jsonl,.json,text/csv"
          data-testid="pairs-import"
          onChange={(e) => e.target.files?.[0] && void s.importPairsFile(e.target.files[0])}
        />
      </label>
      {s.importNote && <p data-testid="pairs-import-note">{s.importNote}</p>}
      {s.importErrors.length > 0 && (
        <ul className="errors" data-testid="pairs-import-errors">
          {s.importErrors.slice(0, SHOWN_ROW_ERRORS).map((e) => (
            <li key={e.row}>
              row {e.row}: {e.message}
            </li>
          ))}
          {s.importErrors.length > SHOWN_ROW_ERRORS && (
            <li data-testid="pairs-import-errors-more">
              … and {s.importErrors.length - SHOWN_ROW_ERRORS} more rows with errors (the first {SHOWN_ROW_ERRORS} are
              listed; none of these rows was added)
            </li>
          )}
        </ul>
      )}
      {s.pairsError && (
        <p className="error" role="alert" data-testid="pairs-error">
          {s.pairsError}
        </p>
      )}
      {s.pairs.length > 0 &&
        (s.lesson ? (
          // A lesson's 60 pairs would push the run and its charts far down the page: folded until asked for.
          <details className="pairs-fold" data-testid="pairs-fold">
            <summary>Show the lesson's {s.pairs.length} pairs</summary>
            {table}
          </details>
        ) : (
          table
        ))}
    </section>
  );
}
