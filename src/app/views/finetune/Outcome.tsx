// The held-out before / after table, and apply, revert, export and import of the fine-tuned Reasoner.
import { useRef } from 'react';
import type { FinetuneSnapshot, HeldOutResult } from '../../../engine/types';
import { useFields } from '../../store';
import { fmt, pct } from './format';

export function ResultRow({ label, r }: { label: string; r: HeldOutResult | null }) {
  return (
    <tr>
      <th scope="row">{label}</th>
      <td data-testid={`hit1-${label}`}>{pct(r?.hit1)}</td>
      <td>{fmt(r?.mrr)}</td>
      <td>{r ? `${r.queries} queries × ${r.candidates} candidates` : '–'}</td>
    </tr>
  );
}

export function Outcome({ ft }: { ft: FinetuneSnapshot | null }) {
  const s = useFields('applyFinetuned', 'revertReasoner', 'exportFinetuned', 'importFinetuned', 'modelNote');
  const fileRef = useRef<HTMLInputElement>(null);
  const noHeld = ft?.before && !Number.isFinite(ft.before.hit1);
  return (
    <section className="card ft-outcome" aria-labelledby="outcome-heading">
      <h3 id="outcome-heading">Before and after, on the held-out pairs</h3>
      {noHeld && (
        <p className="hint">No held-out pair with a match (and 2 or more candidates) yet: add more pairs to measure.</p>
      )}
      <table className="ft-results" data-testid="ft-results">
        <thead>
          <tr>
            <th />
            <th>Hit@1</th>
            <th>MRR</th>
            <th>on</th>
          </tr>
        </thead>
        <tbody>
          <ResultRow label="before" r={ft?.before ?? null} />
          <ResultRow label="after" r={ft?.after ?? null} />
        </tbody>
      </table>
      <p className="hint">
        Candidates are every target in your pairs; each query’s target must beat the others. Both sides get the
        Reasoner’s T-CoT and evidence, as in Explore.
      </p>
      <div className="row">
        <button
          type="button"
          data-testid="ft-apply"
          disabled={!ft?.tuned || ft.applied}
          onClick={() => void s.applyFinetuned()}
        >
          Use the fine-tuned Reasoner in Explore
        </button>
        <button
          type="button"
          data-testid="ft-revert"
          disabled={!(ft?.applied || ft?.earlierApplied)}
          onClick={() => void s.revertReasoner()}
        >
          Back to the built-in Reasoner
        </button>
        <button type="button" data-testid="ft-export" disabled={!ft?.tuned} onClick={() => void s.exportFinetuned()}>
          Export…
        </button>
        <label className="file-button">
          Import a fine-tuned Reasoner…
          <input
            ref={fileRef}
            type="file"
            multiple
            accept=".json,.bin"
            data-testid="ft-import"
            onChange={(e) => {
              const files = [...(e.target.files ?? [])];
              if (files.length) void s.importFinetuned(files);
              e.target.value = '';
            }}
          />
        </label>
      </div>
      <p className="hint">
        <span data-testid="ft-in-use">
          {ft?.applied
            ? 'Explore is using the fine-tuned Reasoner.'
            : ft?.earlierApplied
              ? 'Explore is still using the fine-tuned Reasoner of an earlier run or import, not this one: use this one, or go back to the built-in Reasoner.'
              : 'Explore is using the built-in Reasoner.'}
        </span>{' '}
        Export gives two files (the weights and their manifest, which names the base model and the run’s settings);
        import both together.
      </p>
      {s.modelNote && (
        <p
          className={s.modelNote.ok ? 'ok' : 'error'}
          role={s.modelNote.ok ? 'status' : 'alert'}
          data-testid="ft-model-note"
          data-ok={String(s.modelNote.ok)}
        >
          {s.modelNote.text}
        </p>
      )}
    </section>
  );
}
