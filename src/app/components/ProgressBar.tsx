import { formatDuration } from '../../engine/duration';
import type { RateProgress } from '../store/librarySlice';

const fmtEta = (s: number | null) => (s === null ? '…' : formatDuration(s, { ceil: true }));

/** Count, rate and time left of a long operation, with a cancel button. */
export function ProgressBar({
  progress,
  unit,
  onCancel,
  testId,
}: {
  progress: RateProgress;
  unit: string;
  onCancel?: () => void;
  testId: string;
}) {
  const pct = progress.total > 0 ? Math.round((100 * progress.done) / progress.total) : 0;
  return (
    <div className="progress" data-testid={testId} data-done={progress.done} data-total={progress.total}>
      <progress max={progress.total || 1} value={progress.done} aria-label={progress.message ?? progress.task} />
      <span className="progress-text">
        {progress.done} / {progress.total} {unit} ({pct} %)
        {progress.rate !== null && ` · ${progress.rate.toFixed(1)} ${unit}/s · ${fmtEta(progress.etaS)} left`}
      </span>
      {onCancel && (
        <button type="button" onClick={onCancel} data-testid={`${testId}-cancel`}>
          Cancel
        </button>
      )}
      {progress.message && <div className="hint">{progress.message}</div>}
    </div>
  );
}
