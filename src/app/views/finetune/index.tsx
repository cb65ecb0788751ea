// Fine-tune: teach the Reasoner what matters in your own media. Labelled pairs (from Explore or a CSV /
// JSONL file) with their seeded train / held-out split; an EG-RL run in the worker with live charts, a
// strip of one query's T-CoTs over training, pause / resume / stop and checkpoints; a before / after
// table on the held-out pairs; apply, revert, export and import of the fine-tuned Reasoner.
import { useCallback, useEffect, useState } from 'react';
import { useAppStore, useFields } from '../../store';
import { LibraryStatus } from '../LibraryStatus';
import { LessonCard } from './LessonCard';
import { PairsCard } from './PairsCard';
import { SettingsCard, Controls } from './RunControls';
import { Charts, SampleStrip, Teaching } from './RunLive';
import { Outcome } from './Outcome';
import './finetune.css';

export const PRESENT_KEY = 'embedrl.present';

/** Presentation mode (for a class): remembered in this browser; Esc leaves it. */
export function usePresentationMode(): [boolean, (on: boolean) => void] {
  const [present, setState] = useState(() => {
    try {
      return localStorage.getItem(PRESENT_KEY) === '1';
    } catch {
      return false;
    }
  });
  const set = useCallback((on: boolean) => {
    setState(on);
    try {
      if (on) localStorage.setItem(PRESENT_KEY, '1');
      else localStorage.removeItem(PRESENT_KEY);
    } catch {
      // not remembered: the mode still applies to this visit
    }
  }, []);
  useEffect(() => {
    if (!present) return;
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && set(false);
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [present, set]);
  return [present, set];
}

export function FinetuneView() {
  const s = useFields('libraryPhase', 'openLibrary', 'loadPairs', 'refreshFinetune', 'ft');
  const engineReady = useAppStore((st) => st.status?.phase === 'ready');
  const { libraryPhase: phase, openLibrary: open, loadPairs, refreshFinetune: refresh } = s;
  useEffect(() => {
    if (engineReady && phase === 'idle') void open();
  }, [engineReady, phase, open]);
  useEffect(() => {
    if (phase === 'ready') {
      void loadPairs();
      void refresh();
    }
  }, [phase, loadPairs, refresh]);
  const busy = ['preparing', 'running', 'pausing', 'stopping', 'evaluating'].includes(s.ft?.phase ?? 'idle');
  const [present, setPresent] = usePresentationMode();
  return (
    <div className={`view finetune${present ? ' present' : ''}`} data-present={String(present)}>
      <section className="card">
        <div className="row ft-title">
          <h2>Fine-tune the Reasoner on your pairs (EG-RL)</h2>
          <button
            type="button"
            data-testid="ft-present"
            aria-pressed={present}
            onClick={() => setPresent(!present)}
            title="Larger type, the pairs table and settings folded away: for showing a run to a class (Esc leaves)"
          >
            {present ? 'Leave presentation mode' : 'Presentation mode'}
          </button>
        </div>
        {!present && (
          <p className="hint intro-line">
            Label a handful of pairs — this query should find that item — and the Reasoner learns, by trial and reward,
            to write T-CoTs whose evidence makes your pairs match. It all runs here, on your device; the held-out pairs
            tell you whether it helped.
          </p>
        )}
      </section>
      <LibraryStatus />
      <LessonCard ft={s.ft} busy={busy} />
      {!present && <PairsCard />}
      {!present && <SettingsCard disabled={busy} />}
      <Controls ft={s.ft} />
      <div className="ft-live">
        {s.ft && s.ft.logs.length + s.ft.evals.length > 0 ? (
          <Charts ft={s.ft} height={present ? 250 : 170} />
        ) : (
          <div className="hint">The charts fill in as the run goes.</div>
        )}
        <Teaching ft={s.ft} />
      </div>
      {s.ft && <SampleStrip ft={s.ft} />}
      <Outcome ft={s.ft} />
    </div>
  );
}
