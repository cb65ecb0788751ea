// The built-in lesson card and its before / after outcome.
import { useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { FinetuneSnapshot, HeldOutResult } from '../../../engine/types';
import { LESSON_PAIRS, LESSON_SETTINGS, LESSONS, lessonById } from '../../../train/lesson';
import { useAppStore } from '../../store';
import { fmt, pct } from './format';

/**
 * The built-in lesson: one click loads pairs around one concept from the built-in collection (held-out pairs of the
 * same concept) and the lesson's settings; then Start runs it with everything below. Node runs the same code
 * (`npm run lesson`).
 */
export function LessonCard({ ft, busy }: { ft: FinetuneSnapshot | null; busy: boolean }) {
  const s = useAppStore(
    useShallow((s) => ({ pairs: s.pairs, lesson: s.lesson, load: s.loadLesson, ready: s.libraryPhase === 'ready' })),
  );
  const [pick, setPick] = useState(LESSONS[0]!.id);
  // A remembered lesson whose pairs were all deleted is no longer loaded.
  const loaded = s.lesson && s.pairs.length > 0 ? s.lesson : null;
  const concept = lessonById(loaded ?? pick);
  const others = !loaded && s.pairs.length > 0;
  const why = !s.ready
    ? 'The built-in collection is still being made searchable.'
    : busy
      ? 'A run is going on.'
      : others
        ? `The lesson runs on its own pairs; the list holds ${s.pairs.length} of yours. Delete them first (or use another browser profile).`
        : loaded
          ? 'The lesson is loaded: press Start below.'
          : '';
  const phase = !loaded ? null : !ft || ft.phase === 'idle' ? 'before' : ft.phase === 'finished' ? 'after' : 'during';
  return (
    <section
      className="card ft-lesson"
      aria-labelledby="lesson-heading"
      data-testid="ft-lesson"
      data-phase={phase ?? 'none'}
    >
      <h2 id="lesson-heading">A lesson: watch embedder-guided RL at work</h2>
      <p className="hint">
        For a class: one click loads {LESSON_PAIRS} pairs made from the built-in collection around one concept — some to
        train on, the others held out to test on — with settings for a run of {LESSON_SETTINGS.steps} steps. Start it
        below and follow the three phases.
      </p>
      <div className="lesson-pick">
        <label>
          Concept{' '}
          <select
            value={concept.id}
            disabled={!!loaded || busy}
            onChange={(e) => setPick(e.target.value)}
            data-testid="lesson-concept"
          >
            {LESSONS.map((l) => (
              <option key={l.id} value={l.id}>
                {l.title}
              </option>
            ))}
          </select>
        </label>{' '}
        <button
          type="button"
          data-testid="lesson-load"
          disabled={!s.ready || busy || others || !!loaded}
          title={why}
          onClick={() => void s.load(concept.id)}
        >
          Load the lesson
        </button>
        {why && <span className="hint"> {why}</span>}
      </div>
      <p>{concept.explain}</p>
      {phase && ft?.before && <LessonOutcome before={ft.before} after={phase === 'after' ? ft.after : null} />}
      {phase && (
        <ol className="lesson-phases" data-testid="lesson-phases">
          <li className={phase === 'before' ? 'now' : ''}>
            <strong>Before.</strong> Press Start: the held-out captions are searched with the Reasoner as it ships (the
            “before” row), and the sample strip shows one pair’s T-CoTs — look at where its boxes sit.
          </li>
          <li className={phase === 'during' ? 'now' : ''}>
            <strong>During.</strong> Each step samples {LESSON_SETTINGS.n} T-CoTs per side, the Embedder scores them,
            and the Reasoner moves towards the better ones: watch the reward and its parts, the KL and the strip.
          </li>
          <li className={phase === 'after' ? 'now' : ''}>
            <strong>After.</strong> The held-out captions are searched again: compare Hit@1 and MRR with before. A rise
            means the Reasoner now writes evidence the Embedder can use; no rise means the reward did not tell good
            T-CoTs from bad ones — the reward chart shows which.
          </li>
        </ol>
      )}
    </section>
  );
}

/** The lesson's figures in its own card, in plain words: what a class looks at first. */
export function LessonOutcome({ before, after }: { before: HeldOutResult; after: HeldOutResult | null }) {
  const scored = `${before.queries} held-out ${before.queries === 1 ? 'caption' : 'captions'} × ${before.candidates} candidates`;
  if (!after) {
    return (
      <p className="lesson-outcome" data-testid="lesson-outcome" data-verdict="pending">
        Before: Hit@1 <strong>{pct(before.hit1)}</strong>, MRR {fmt(before.mrr)} ({scored}).
      </p>
    );
  }
  const gain = after.hit1 - before.hit1;
  const verdict = gain > 0 ? 'rose' : gain < 0 ? 'fell' : 'same';
  const words =
    verdict === 'rose'
      ? 'held-out Hit@1 rose: the fine-tuned Reasoner writes T-CoTs the Embedder ranks better with, on captions it never trained on.'
      : verdict === 'fell'
        ? 'held-out Hit@1 fell: the run moved the Reasoner, but not towards evidence the Embedder can use — with these models the reward barely tells good T-CoTs from bad ones (its ORM accuracy stays near chance).'
        : 'held-out Hit@1 did not change: the run did not move the Reasoner towards evidence the Embedder can use.';
  return (
    <p className="lesson-outcome" data-testid="lesson-outcome" data-verdict={verdict}>
      Before → after: Hit@1 <strong>{pct(before.hit1)}</strong> → <strong>{pct(after.hit1)}</strong>, MRR{' '}
      {fmt(before.mrr)} → {fmt(after.mrr)} ({scored}) — {words}
    </p>
  );
}
