// The run's settings, the resume offer and the start / pause / resume / stop controls.
import { useShallow } from 'zustand/react/shallow';
import type { FinetuneSettings, FinetuneSnapshot } from '../../../engine/types';
import { useAppStore, useFields } from '../../store';
import { formatDuration } from '../../../engine/duration';

export const FIELDS: { key: keyof FinetuneSettings; label: string; step: string; help: string }[] = [
  { key: 'steps', label: 'steps', step: '1', help: 'EG-RL updates of the Reasoner' },
  {
    key: 'n',
    label: 'G (rollouts)',
    step: '1',
    help: 'T-CoTs sampled per query and per target; each is scored against its siblings',
  },
  {
    key: 'batch',
    label: 'batch (pairs)',
    step: '1',
    help: 'pairs per step; the others in a batch are each pair’s negatives',
  },
  { key: 'lr', label: 'learning rate', step: 'any', help: 'how far one step moves the weights' },
  {
    key: 'klCoef',
    label: 'KL coefficient',
    step: 'any',
    help: 'how strongly the Reasoner is held near where it started',
  },
  { key: 'temperature', label: 'temperature', step: 'any', help: 'randomness of the sampled T-CoTs' },
  { key: 'seed', label: 'seed', step: '1', help: 'batches, samples and shuffles: the same seed runs the same' },
  { key: 'maxNewTokens', label: 'T-CoT length', step: '1', help: 'longest T-CoT (tokens)' },
  { key: 'evalEvery', label: 'evaluate every', step: '1', help: 'held-out Hit@1 and the sample strip every N steps' },
  { key: 'checkpointEvery', label: 'checkpoint every', step: '1', help: 'saved in this browser every N steps' },
  { key: 'heldOut', label: 'held-out share', step: 'any', help: 'share of pairs kept out of training' },
];

export function SettingsCard({ disabled }: { disabled: boolean }) {
  const s = useAppStore(useShallow((s) => ({ settings: s.ftSettings, set: s.setFtSettings })));
  const num = (v: string) => (v.trim() === '' ? NaN : Number(v));
  return (
    <details className="card ft-settings" data-testid="ft-settings">
      <summary>
        Settings (defaults: 30 steps of 4 pairs × 4 rollouts a side; about 8 s a step on one CPU core with WASM, less on
        a GPU)
      </summary>
      <div className="settings-grid">
        {FIELDS.map((f) => (
          <label key={f.key} title={f.help}>
            {f.label}
            <input
              type="number"
              step={f.step}
              disabled={disabled}
              data-testid={`ft-${f.key}`}
              value={String(s.settings[f.key])}
              onChange={(e) => s.set({ [f.key]: num(e.target.value) } as Partial<FinetuneSettings>)}
            />
          </label>
        ))}
        <label title="train only the Reasoner's top blocks and its heads: a shorter backward pass, so faster steps; the lower blocks stay as they are">
          trained blocks
          <select
            disabled={disabled}
            data-testid="ft-trainBlocks"
            value={s.settings.trainBlocks === undefined ? 'all' : String(s.settings.trainBlocks)}
            onChange={(e) => s.set({ trainBlocks: e.target.value === 'all' ? undefined : Number(e.target.value) })}
          >
            <option value="all">all</option>
            <option value="2">top 2 and the heads</option>
            <option value="1">top 1 and the heads</option>
          </select>
        </label>
        {(['format', 'orm', 'prm'] as const).map((k) => (
          <label key={k} title={`weight of the ${k.toUpperCase()} reward`}>
            {k} weight
            <input
              type="number"
              step="any"
              disabled={disabled}
              data-testid={`ft-w-${k}`}
              value={String(s.settings.weights[k])}
              onChange={(e) => s.set({ weights: { ...s.settings.weights, [k]: num(e.target.value) } })}
            />
          </label>
        ))}
      </div>
    </details>
  );
}

/** What a resume after a closed tab keeps and what it runs again, from the checkpoint and the run's progress mark. */
export function ResumeOffer({ saved }: { saved: NonNullable<FinetuneSnapshot['saved']> }) {
  const at = new Date(saved.savedAt).toLocaleTimeString();
  const redo = saved.reached - saved.step;
  if (redo <= 0) {
    return (
      <>
        A run was interrupted at step <strong>{saved.step}</strong> of {saved.steps}, and its checkpoint holds that step
        (saved {at}): resuming continues from step {saved.step + 1} and redoes nothing. Or start a new one.
      </>
    );
  }
  return (
    <>
      A run was interrupted after step <strong>{saved.reached}</strong> of {saved.steps}; its last checkpoint is step{' '}
      <strong>{saved.step}</strong> (saved {at}). Resuming keeps everything learned up to step {saved.step} and redoes{' '}
      {redo === 1 ? `step ${saved.reached}` : `steps ${saved.step + 1}–${saved.reached} (${redo} steps)`}. Or start a
      new one.
    </>
  );
}

export function Controls({ ft }: { ft: FinetuneSnapshot | null }) {
  const s = useFields('startFinetune', 'pauseFinetune', 'resumeFinetune', 'stopFinetune', 'discardFinetune', 'ftError');
  const ready = useAppStore((s) => s.libraryPhase === 'ready');
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
        <button type="button" data-testid="ft-start" disabled={busy || !ready} onClick={() => void s.startFinetune()}>
          {ft?.saved || (ft && phase !== 'idle') ? 'Start a new run' : 'Start EG-RL'}
        </button>
        <button
          type="button"
          data-testid="ft-pause"
          disabled={phase !== 'running'}
          onClick={() => void s.pauseFinetune()}
        >
          Pause
        </button>
        <button
          type="button"
          data-testid="ft-resume"
          disabled={!canResume || !ready}
          onClick={() => void s.resumeFinetune()}
        >
          {savedIdle
            ? ft!.saved!.finished
              ? 'Load the finished run'
              : `Resume from step ${ft!.saved!.step}`
            : 'Resume'}
        </button>
        <button
          type="button"
          data-testid="ft-stop"
          disabled={!(phase === 'running' || phase === 'paused')}
          onClick={() => void s.stopFinetune()}
        >
          Stop and evaluate
        </button>
        <button type="button" className="link" disabled={busy} onClick={() => void s.discardFinetune()}>
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
        {eta !== null && busy && <> · about {formatDuration(eta)} left</>}
        {ft && ft.trainPairs > 0 && (
          <>
            {' '}
            · {ft.trainPairs} training pairs, {ft.heldOutPairs} held-out queries
          </>
        )}
        {ft?.message && <span className="hint"> — {ft.message}</span>}
      </p>
      {ft && ft.steps > 0 && <progress max={ft.steps} value={ft.step} aria-label="Fine-tuning progress" />}
      {(ft?.error || s.ftError) && (
        <p className="error" role="alert" data-testid="ft-error">
          {ft?.error ?? s.ftError}
        </p>
      )}
    </section>
  );
}
