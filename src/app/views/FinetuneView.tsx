// Fine-tune: teach the Reasoner what matters in your own media. Labelled pairs (from Explore or a CSV /
// JSONL file) with their seeded train / held-out split; an EG-RL run in the worker with live charts, a
// strip of one query's T-CoTs over training, pause / resume / stop and checkpoints; a before / after
// table on the held-out pairs; apply, revert, export and import of the fine-tuned Reasoner.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { FinetuneSample, FinetuneSettings, FinetuneSnapshot, HeldOutResult, PairView } from '../../engine/types';
import { VOCAB } from '../../tcot/default';
import { renderSegments, renderTokens } from '../../tcot/render';
import { LESSON_PAIRS, LESSON_SETTINGS, LESSONS, lessonById } from '../../train/lesson';
import { Chart, type ChartSeries } from '../components/Chart';
import { ItemThumb } from '../components/Pixels';
import { useAppStore } from '../store';
import { boxesOf } from '../trace-layout';
import { LibraryStatus } from './LibraryView';
import './finetune.css';

// (rounding to zero shows "0.000", not "-0.000")
const fmt = (v: number | undefined | null, d = 3) => (v === undefined || v === null || !Number.isFinite(v) ? '–' : (Number(v.toFixed(d)) || 0).toFixed(d));
const pct = (v: number | undefined | null) => (v === undefined || v === null || !Number.isFinite(v) ? '–' : `${(100 * v).toFixed(1)} %`);
const fmtS = (s: number) => (s < 60 ? `${s.toFixed(0)} s` : `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`);

/**
 * The built-in lesson: one click loads pairs around one concept from the built-in collection (held-out pairs of the
 * same concept) and the lesson's settings; then Start runs it with everything below. Node runs the same code
 * (`npm run lesson`).
 */
function LessonCard({ ft, busy }: { ft: FinetuneSnapshot | null; busy: boolean }) {
  const s = useAppStore(useShallow((s) => ({ pairs: s.pairs, lesson: s.lesson, load: s.loadLesson, ready: s.libraryPhase === 'ready' })));
  const [pick, setPick] = useState(LESSONS[0]!.id);
  // A remembered lesson whose pairs were all deleted is no longer loaded.
  const loaded = s.lesson && s.pairs.length > 0 ? s.lesson : null;
  const concept = lessonById(loaded ?? pick);
  const others = !loaded && s.pairs.length > 0;
  const why = !s.ready ? 'The built-in collection is still being made searchable.' : busy ? 'A run is going on.' : others ? `The lesson runs on its own pairs; the list holds ${s.pairs.length} of yours. Delete them first (or use another browser profile).` : loaded ? 'The lesson is loaded: press Start below.' : '';
  const phase = !loaded ? null : !ft || ft.phase === 'idle' ? 'before' : ft.phase === 'finished' ? 'after' : 'during';
  return (
    <section className="card ft-lesson" aria-labelledby="lesson-heading" data-testid="ft-lesson" data-phase={phase ?? 'none'}>
      <h2 id="lesson-heading">A lesson: watch embedder-guided RL at work</h2>
      <p className="hint">
        For a class: one click loads {LESSON_PAIRS} pairs made from the built-in collection around one concept — some to train on, the others held out to test on — with settings
        for a run of {LESSON_SETTINGS.steps} steps. Start it below and follow the three phases.
      </p>
      <div className="lesson-pick">
        <label>
          Concept{' '}
          <select value={concept.id} disabled={!!loaded || busy} onChange={(e) => setPick(e.target.value)} data-testid="lesson-concept">
            {LESSONS.map((l) => (
              <option key={l.id} value={l.id}>
                {l.title}
              </option>
            ))}
          </select>
        </label>{' '}
        <button type="button" data-testid="lesson-load" disabled={!s.ready || busy || others || !!loaded} title={why} onClick={() => void s.load(concept.id)}>
          Load the lesson
        </button>
        {why && <span className="hint"> {why}</span>}
      </div>
      <p>{concept.explain}</p>
      {phase && ft?.before && <LessonOutcome before={ft.before} after={phase === 'after' ? ft.after : null} />}
      {phase && (
        <ol className="lesson-phases" data-testid="lesson-phases">
          <li className={phase === 'before' ? 'now' : ''}>
            <strong>Before.</strong> Press Start: the held-out captions are searched with the Reasoner as it ships (the “before” row), and the sample strip shows one pair’s T-CoTs — look at where its boxes sit.
          </li>
          <li className={phase === 'during' ? 'now' : ''}>
            <strong>During.</strong> Each step samples {LESSON_SETTINGS.n} T-CoTs per side, the Embedder scores them, and the Reasoner moves towards the better ones: watch the reward and its parts, the KL and the strip.
          </li>
          <li className={phase === 'after' ? 'now' : ''}>
            <strong>After.</strong> The held-out captions are searched again: compare Hit@1 and MRR with before. A rise means the Reasoner now writes evidence the Embedder can use; no rise means the reward did not
            tell good T-CoTs from bad ones — the reward chart shows which.
          </li>
        </ol>
      )}
    </section>
  );
}

/** The lesson's figures in its own card, in plain words: what a class looks at first. */
function LessonOutcome({ before, after }: { before: HeldOutResult; after: HeldOutResult | null }) {
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
      Before → after: Hit@1 <strong>{pct(before.hit1)}</strong> → <strong>{pct(after.hit1)}</strong>, MRR {fmt(before.mrr)} → {fmt(after.mrr)} ({scored}) — {words}
    </p>
  );
}

/** A file with 100,000 bad rows must not render 100,000 lines: the first ones say what is wrong. */
const SHOWN_ROW_ERRORS = 200;

function PairsCard() {
  const s = useAppStore(
    useShallow((s) => ({ pairs: s.pairs, error: s.pairsError, importErrors: s.importErrors, importNote: s.importNote, update: s.updatePair, remove: s.deletePair, importFile: s.importPairsFile, heldOut: s.ftSettings.heldOut, lesson: s.lesson })),
  );
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
                    void s.update(p.id, { queryText: editing.text });
                    setEditing(null);
                  }}
                >
                  <input aria-label="Query text" value={editing.text} onChange={(e) => setEditing({ id: p.id, text: e.target.value })} autoFocus />
                  <button type="submit">Save</button>
                </form>
              ) : (
                <>
                  {p.query.kind === 'item' ? <ItemThumb id={p.query.itemId} label={p.queryLabel} /> : null} {p.queryLabel}
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
              <button type="button" className={p.match ? 'tag-ok' : 'tag-bad'} onClick={() => void s.update(p.id, { match: !p.match })} title="Click to change the label">
                {p.match ? '✓ match' : '✗ not a match'}
              </button>
            </td>
            <td>
              <span className={`split split-${p.split}`}>{p.split}</span>
            </td>
            <td>
              <button type="button" className="link" aria-label={`Delete the pair ${p.queryLabel} → ${p.targetName}`} onClick={() => void s.remove(p.id)}>
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
        Make pairs in <strong>Explore</strong>: search, then mark a result <em>✓ match</em> or <em>✗ not a match</em> for your query. Or import a file: CSV rows{' '}
        <code>query,target[,match]</code> or JSONL <code>{'{"query": …, "target": …, "match": true}'}</code>, where the query is text or a file name in your library and the target is a file name.
      </p>
      <p data-testid="pairs-split" data-train={train.length} data-held={held.length} data-scorable={scorable}>
        <strong>{s.pairs.length}</strong> pairs: <strong>{train.length}</strong> to train on ({ticks(train)} ✓, {train.length - ticks(train)} ✗), <strong>{held.length}</strong> held out to test on ({ticks(held)} ✓, {held.length - ticks(held)} ✗;{' '}
        {Math.round(100 * (1 - s.heldOut))} / {Math.round(100 * s.heldOut)} split, seeded and stratified: a pair keeps its side when you add more, and a ✓ pair is held out once there are two). Held-out pairs are never
        trained on. The run trains on the ✓ pairs only — EG-RL rewards a T-CoT by how well it finds the match, so a ✗ pair gives it nothing to reward; ✗ pairs are kept for your record.
      </p>
      <p className={scorable > 0 ? 'hint' : 'hint warn'} data-testid="pairs-measurable">
        {scorable > 0
          ? `${scorable} held-out ${scorable === 1 ? 'query' : 'queries'} can be scored before and after (each ranks its target among the ${targets} targets of your pairs).`
          : 'Nothing can be measured yet: a run needs a held-out ✓ pair and two or more different targets. Add ✓ pairs until one is held out.'}
      </p>
      <label className="file-button">
        Import pairs (CSV / JSONL)…
        <input type="file" accept=".csv,.jsonl,.json,text/csv" data-testid="pairs-import" onChange={(e) => e.target.files?.[0] && void s.importFile(e.target.files[0])} />
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
              … and {s.importErrors.length - SHOWN_ROW_ERRORS} more rows with errors (the first {SHOWN_ROW_ERRORS} are listed; none of these rows was added)
            </li>
          )}
        </ul>
      )}
      {s.error && (
        <p className="error" role="alert" data-testid="pairs-error">
          {s.error}
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

const FIELDS: { key: keyof FinetuneSettings; label: string; step: string; help: string }[] = [
  { key: 'steps', label: 'steps', step: '1', help: 'EG-RL updates of the Reasoner' },
  { key: 'n', label: 'G (rollouts)', step: '1', help: 'T-CoTs sampled per query and per target; each is scored against its siblings' },
  { key: 'batch', label: 'batch (pairs)', step: '1', help: 'pairs per step; the others in a batch are each pair’s negatives' },
  { key: 'lr', label: 'learning rate', step: 'any', help: 'how far one step moves the weights' },
  { key: 'klCoef', label: 'KL coefficient', step: 'any', help: 'how strongly the Reasoner is held near where it started' },
  { key: 'temperature', label: 'temperature', step: 'any', help: 'randomness of the sampled T-CoTs' },
  { key: 'seed', label: 'seed', step: '1', help: 'batches, samples and shuffles: the same seed runs the same' },
  { key: 'maxNewTokens', label: 'T-CoT length', step: '1', help: 'longest T-CoT (tokens)' },
  { key: 'evalEvery', label: 'evaluate every', step: '1', help: 'held-out Hit@1 and the sample strip every N steps' },
  { key: 'checkpointEvery', label: 'checkpoint every', step: '1', help: 'saved in this browser every N steps' },
  { key: 'heldOut', label: 'held-out share', step: 'any', help: 'share of pairs kept out of training' },
];

function SettingsCard({ disabled }: { disabled: boolean }) {
  const s = useAppStore(useShallow((s) => ({ settings: s.ftSettings, set: s.setFtSettings })));
  const num = (v: string) => (v.trim() === '' ? NaN : Number(v));
  return (
    <details className="card ft-settings" data-testid="ft-settings">
      <summary>Settings (defaults: 30 steps of 4 pairs × 4 rollouts a side; about 12 s a step on one CPU core with WASM, less on a GPU)</summary>
      <div className="settings-grid">
        {FIELDS.map((f) => (
          <label key={f.key} title={f.help}>
            {f.label}
            <input type="number" step={f.step} disabled={disabled} data-testid={`ft-${f.key}`} value={String(s.settings[f.key])} onChange={(e) => s.set({ [f.key]: num(e.target.value) } as Partial<FinetuneSettings>)} />
          </label>
        ))}
        {(['format', 'orm', 'prm'] as const).map((k) => (
          <label key={k} title={`weight of the ${k.toUpperCase()} reward`}>
            {k} weight
            <input type="number" step="any" disabled={disabled} data-testid={`ft-w-${k}`} value={String(s.settings.weights[k])} onChange={(e) => s.set({ weights: { ...s.settings.weights, [k]: num(e.target.value) } })} />
          </label>
        ))}
      </div>
    </details>
  );
}


/** What a resume after a closed tab keeps and what it runs again, from the checkpoint and the run's progress mark. */
function ResumeOffer({ saved }: { saved: NonNullable<FinetuneSnapshot['saved']> }) {
  const at = new Date(saved.savedAt).toLocaleTimeString();
  const redo = saved.reached - saved.step;
  if (redo <= 0) {
    return (
      <>
        A run was interrupted at step <strong>{saved.step}</strong> of {saved.steps}, and its checkpoint holds that step (saved {at}): resuming continues
        from step {saved.step + 1} and redoes nothing. Or start a new one.
      </>
    );
  }
  return (
    <>
      A run was interrupted after step <strong>{saved.reached}</strong> of {saved.steps}; its last checkpoint is step <strong>{saved.step}</strong> (saved {at}).
      Resuming keeps everything learned up to step {saved.step} and redoes {redo === 1 ? `step ${saved.reached}` : `steps ${saved.step + 1}–${saved.reached} (${redo} steps)`}. Or
      start a new one.
    </>
  );
}

function Controls({ ft }: { ft: FinetuneSnapshot | null }) {
  const s = useAppStore(
    useShallow((s) => ({ start: s.startFinetune, pause: s.pauseFinetune, resume: s.resumeFinetune, stop: s.stopFinetune, discard: s.discardFinetune, error: s.ftError, ready: s.libraryPhase === 'ready' })),
  );
  const phase = ft?.phase ?? 'idle';
  const busy = ['preparing', 'running', 'pausing', 'stopping', 'evaluating'].includes(phase);
  const logs = ft?.logs ?? [];
  const recent = logs.slice(-5);
  const stepS = recent.length ? recent.reduce((a, l) => a + l.dt, 0) / recent.length : null;
  const eta = stepS !== null && ft ? stepS * (ft.steps - ft.step) : null;
  // After a reload: an interrupted run can be resumed (also while a fine-tuned Reasoner of an earlier visit is in
  // use), and a finished one loaded again (to apply or export it) unless a fine-tuned Reasoner is loaded already.
  const savedIdle = phase === 'idle' && ft?.saved && (!ft.saved.finished || !ft.tuned);
  const canResume = !busy && ((phase === 'paused' && ft) || savedIdle);
  return (
    <section className="card ft-controls" aria-label="Run controls">
      {phase === 'idle' && ft?.saved && !ft.saved.finished && (
        <p className="banner" data-testid="ft-resume-offer">
          <ResumeOffer saved={ft.saved} />
        </p>
      )}
      <div className="row">
        <button type="button" data-testid="ft-start" disabled={busy || !s.ready} onClick={() => void s.start()}>
          {ft?.saved || (ft && phase !== 'idle') ? 'Start a new run' : 'Start EG-RL'}
        </button>
        <button type="button" data-testid="ft-pause" disabled={phase !== 'running'} onClick={() => void s.pause()}>
          Pause
        </button>
        <button type="button" data-testid="ft-resume" disabled={!canResume || !s.ready} onClick={() => void s.resume()}>
          {savedIdle ? (ft!.saved!.finished ? 'Load the finished run' : `Resume from step ${ft!.saved!.step}`) : 'Resume'}
        </button>
        <button type="button" data-testid="ft-stop" disabled={!(phase === 'running' || phase === 'paused')} onClick={() => void s.stop()}>
          Stop and evaluate
        </button>
        <button type="button" className="link" disabled={busy} onClick={() => void s.discard()}>
          Discard the run
        </button>
      </div>
      <p data-testid="ft-phase" data-phase={phase} data-step={ft?.step ?? 0}>
        <strong>{phase}</strong>
        {ft && ft.steps > 0 && (
          <>
            {' '}
            · step {ft.step} / {ft.steps}
          </>
        )}
        {stepS !== null && <span data-testid="ft-step-time"> · {stepS.toFixed(2)} s / step</span>}
        {eta !== null && busy && <> · about {fmtS(eta)} left</>}
        {ft && ft.trainPairs > 0 && (
          <>
            {' '}
            · {ft.trainPairs} training pairs, {ft.heldOutPairs} held-out queries
          </>
        )}
        {ft?.message && <span className="hint"> — {ft.message}</span>}
      </p>
      {ft && ft.steps > 0 && <progress max={ft.steps} value={ft.step} aria-label="Fine-tuning progress" />}
      {(ft?.error || s.error) && (
        <p className="error" role="alert" data-testid="ft-error">
          {ft?.error ?? s.error}
        </p>
      )}
    </section>
  );
}

function Charts({ ft, height }: { ft: FinetuneSnapshot; height: number }) {
  const data = useMemo(() => {
    const x = ft.logs.map((l) => l.step + 1);
    const reward: ChartSeries[] = [
      { label: 'reward mean', color: '#4f7cff', values: ft.logs.map((l) => l.reward.mean) },
      { label: 'reward std', color: '#9aa3c7', values: ft.logs.map((l) => l.reward.std), dash: [4, 4] },
      { label: 'ORM', color: '#3ccf91', values: ft.logs.map((l) => l.orm) },
      { label: 'PRM', color: '#f4b740', values: ft.logs.map((l) => l.prm) },
    ];
    const format: ChartSeries[] = [
      { label: 'format rate', color: '#c77dff', values: ft.logs.map((l) => l.formatRate) },
      { label: 'KL ×100', color: '#ff6b6b', values: ft.logs.map((l) => 100 * l.kl) },
    ];
    const ex = ft.evals.map((e) => e.step);
    const held: ChartSeries[] = [
      { label: 'held-out Hit@1', color: '#3ccf91', values: ft.evals.map((e) => e.hit1) },
      { label: 'MRR', color: '#4f7cff', values: ft.evals.map((e) => e.mrr) },
    ];
    return { x, reward, format, ex, held };
  }, [ft.logs, ft.evals]);
  return (
    <div className="ft-charts">
      <Chart title="Reward (mean, spread) and its parts" testId="chart-reward" x={data.x} series={data.reward} height={height} />
      <Chart title="Format rate and KL to the start" testId="chart-format" x={data.x} series={data.format} height={height} />
      <Chart title="Held-out retrieval (every N steps)" testId="chart-heldout" x={data.ex} series={data.held} yRange={[0, 1]} height={height} />
    </div>
  );
}

/** A thumbnail with the T-CoT's boxes drawn on it (0–1000 coordinates). */
function BoxedThumb({ id, label, tokens }: { id: string; label: string; tokens: number[] }) {
  const boxes = useMemo(() => boxesOf(VOCAB, tokens, renderSegments(VOCAB, tokens)), [tokens]);
  return (
    <div className="boxed-thumb">
      <ItemThumb id={id} label={label} />
      <svg viewBox="0 0 1000 1000" preserveAspectRatio="none" aria-hidden="true">
        {boxes.map((b, i) => (
          <rect key={i} x={b.box[0]} y={b.box[1]} width={Math.max(0, b.box[2]! - b.box[0]!)} height={Math.max(0, b.box[3]! - b.box[1]!)} fill="none" stroke="#f4b740" strokeWidth={24} />
        ))}
      </svg>
    </div>
  );
}

function SampleStrip({ ft }: { ft: FinetuneSnapshot }) {
  const p = ft.samplePair;
  if (!p || ft.samples.length === 0) return null;
  return (
    <section className="card ft-samples" aria-labelledby="samples-heading">
      <h3 id="samples-heading">
        How one pair’s T-CoTs change: “{p.queryLabel}” → {p.targetName}
      </h3>
      <p className="hint">The Reasoner’s greedy T-CoT for the query and for its target, each time it is evaluated. Boxes are the evidence the Embedder then reads.</p>
      <ol className="sample-strip" data-testid="ft-samples">
        {ft.samples.map((s: FinetuneSample) => (
          <li key={s.step} data-testid="ft-sample" data-step={s.step}>
            <div className="sample-step">step {s.step}</div>
            <div className="sample-side">
              {p.queryItemId && <BoxedThumb id={p.queryItemId} label={p.queryLabel} tokens={s.query} />}
              <code>{renderTokens(VOCAB, s.query)}</code>
            </div>
            <div className="sample-side">
              <BoxedThumb id={p.targetId} label={p.targetName} tokens={s.target} />
              <code>{renderTokens(VOCAB, s.target)}</code>
            </div>
          </li>
        ))}
      </ol>
    </section>
  );
}

function Teaching({ ft }: { ft: FinetuneSnapshot | null }) {
  const last = ft?.logs.at(-1);
  const lastEval = ft?.evals.at(-1);
  const w = ft?.settings?.weights;
  return (
    <aside className="card ft-teach" aria-labelledby="teach-heading" data-testid="ft-teach">
      <h3 id="teach-heading">What is going on</h3>
      <p>
        <strong>The Reasoner</strong> reads a query or an item and writes a short note, the T-CoT: what matters and <em>where</em> (boxes on an image, frames of a clip, key words of a text). It is the
        only thing that learns here.
      </p>
      <p>
        <strong>The Embedder</strong> turns an input plus the evidence the T-CoT points at into a list of numbers (a vector); similar vectors mean “these match”. It stays frozen: it is the judge.
      </p>
      <p>
        <strong>The reward</strong> scores each sampled T-CoT: does it have the right form (<em>format</em>, now {pct(last?.formatRate)}), does the Embedder then put your pair closer together than the
        other pairs in the batch (<em>ORM</em>, now {fmt(last?.orm)}), and can a text-only reader of the T-CoTs alone pick the right partner (<em>PRM</em>, now {fmt(last?.prm)}). Together, weighted{' '}
        {w ? `${w.format} / ${w.orm} / ${w.prm}` : '0.05 / 0.8 / 0.2'}: <strong>{fmt(last?.reward.mean)}</strong>. The Reasoner is nudged towards the T-CoTs that scored above their siblings’ average.
      </p>
      <p>
        <strong>The KL term</strong> measures how far the Reasoner has drifted from where it started (now {fmt(last?.kl, 4)}; 0 at the first step). A small penalty on it keeps the Reasoner from
        forgetting how to write sensible T-CoTs while it chases the reward.
      </p>
      <p>
        <strong>Did it help?</strong> Only the held-out pairs can say — they were never trained on. Hit@1 = how often the right target comes first: now {pct(lastEval?.hit1)}
        {ft?.before && Number.isFinite(ft.before.hit1) ? `, ${pct(ft.before.hit1)} before training` : ''}. With a handful of pairs, one pair moves it a lot.
      </p>
    </aside>
  );
}

function ResultRow({ label, r }: { label: string; r: HeldOutResult | null }) {
  return (
    <tr>
      <th scope="row">{label}</th>
      <td data-testid={`hit1-${label}`}>{pct(r?.hit1)}</td>
      <td>{fmt(r?.mrr)}</td>
      <td>{r ? `${r.queries} queries × ${r.candidates} candidates` : '–'}</td>
    </tr>
  );
}

function Outcome({ ft }: { ft: FinetuneSnapshot | null }) {
  const s = useAppStore(useShallow((s) => ({ apply: s.applyFinetuned, revert: s.revertReasoner, exportModel: s.exportFinetuned, importModel: s.importFinetuned, note: s.modelNote })));
  const fileRef = useRef<HTMLInputElement>(null);
  const noHeld = ft?.before && !Number.isFinite(ft.before.hit1);
  return (
    <section className="card ft-outcome" aria-labelledby="outcome-heading">
      <h3 id="outcome-heading">Before and after, on the held-out pairs</h3>
      {noHeld && <p className="hint">No held-out pair with a match (and 2 or more candidates) yet: add more pairs to measure.</p>}
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
      <p className="hint">Candidates are every target in your pairs; each query’s target must beat the others. Both sides get the Reasoner’s T-CoT and evidence, as in Explore.</p>
      <div className="row">
        <button type="button" data-testid="ft-apply" disabled={!ft?.tuned || ft.applied} onClick={() => void s.apply()}>
          Use the fine-tuned Reasoner in Explore
        </button>
        <button type="button" data-testid="ft-revert" disabled={!(ft?.applied || ft?.earlierApplied)} onClick={() => void s.revert()}>
          Back to the built-in Reasoner
        </button>
        <button type="button" data-testid="ft-export" disabled={!ft?.tuned} onClick={() => void s.exportModel()}>
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
              if (files.length) void s.importModel(files);
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
        </span> Export gives two files (the weights and their manifest, which names the base model and
        the run’s settings); import both together.
      </p>
      {s.note && (
        <p className={s.note.ok ? 'ok' : 'error'} role={s.note.ok ? 'status' : 'alert'} data-testid="ft-model-note" data-ok={String(s.note.ok)}>
          {s.note.text}
        </p>
      )}
    </section>
  );
}

const PRESENT_KEY = 'embedrl.present';

/** Presentation mode (for a class): remembered in this browser; Esc leaves it. */
function usePresentationMode(): [boolean, (on: boolean) => void] {
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
  const s = useAppStore(useShallow((s) => ({ phase: s.libraryPhase, open: s.openLibrary, loadPairs: s.loadPairs, refresh: s.refreshFinetune, ft: s.ft })));
  const engineReady = useAppStore((st) => st.status?.phase === 'ready');
  useEffect(() => {
    if (engineReady && s.phase === 'idle') void s.open();
  }, [engineReady, s.phase, s.open]);
  useEffect(() => {
    if (s.phase === 'ready') {
      void s.loadPairs();
      void s.refresh();
    }
  }, [s.phase, s.loadPairs, s.refresh]);
  const busy = ['preparing', 'running', 'pausing', 'stopping', 'evaluating'].includes(s.ft?.phase ?? 'idle');
  const [present, setPresent] = usePresentationMode();
  return (
    <div className={`view finetune${present ? ' present' : ''}`} data-present={String(present)}>
      <section className="card">
        <div className="row ft-title">
          <h2>Fine-tune the Reasoner on your pairs (EG-RL)</h2>
          <button type="button" data-testid="ft-present" aria-pressed={present} onClick={() => setPresent(!present)} title="Larger type, the pairs table and settings folded away: for showing a run to a class (Esc leaves)">
            {present ? 'Leave presentation mode' : 'Presentation mode'}
          </button>
        </div>
        {!present && (
          <p className="hint intro-line">
            Label a handful of pairs — this query should find that item — and the Reasoner learns, by trial and reward, to write T-CoTs whose evidence makes your pairs match. It all runs here, on
            your device; the held-out pairs tell you whether it helped.
          </p>
        )}
      </section>
      <LibraryStatus />
      <LessonCard ft={s.ft} busy={busy} />
      {!present && <PairsCard />}
      {!present && <SettingsCard disabled={busy} />}
      <Controls ft={s.ft} />
      <div className="ft-live">
        {s.ft && s.ft.logs.length + s.ft.evals.length > 0 ? <Charts ft={s.ft} height={present ? 250 : 170} /> : <div className="hint">The charts fill in as the run goes.</div>}
        <Teaching ft={s.ft} />
      </div>
      {s.ft && <SampleStrip ft={s.ft} />}
      <Outcome ft={s.ft} />
    </div>
  );
}
