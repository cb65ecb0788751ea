import { useShallow } from 'zustand/react/shallow';
import { describeMeasured, label } from '../../engine/backend/backend';
import { useAppStore } from '../store';

/** The backend the engine runs on, with the adapter and skipped backends in its tooltip. */
export function BackendBadge() {
  const { status, progress } = useAppStore(useShallow((s) => ({ status: s.status, progress: s.progress })));
  if (!status || status.phase === 'starting') {
    return (
      <span className="badge badge-pending" data-testid="backend-badge" data-state="starting" role="status">
        {progress?.message ?? 'starting…'}
      </span>
    );
  }
  if (status.phase === 'error' || !status.backend) {
    return (
      <span className="badge badge-error" data-testid="backend-badge" data-state="error" role="status">
        no backend
      </span>
    );
  }
  const adapter = status.adapter;
  const title = [
    adapter
      ? `Adapter: ${[adapter.vendor, adapter.architecture, adapter.description].filter(Boolean).join(' / ') || 'unnamed'}${adapter.isFallbackAdapter ? ' (fallback adapter)' : ''}`
      : null,
    status.measured.length > 1 ? `Measured: ${describeMeasured(status.measured)} → ${label(status.backend)}` : null,
    ...status.skipped.map((s) => `Skipped ${s.reason}`),
  ]
    .filter(Boolean)
    .join('\n');
  return (
    <span
      className={`badge badge-${status.backend}`}
      data-testid="backend-badge"
      data-state="ready"
      data-measured={status.measured.length ? describeMeasured(status.measured) : undefined}
      title={title}
      role="status"
    >
      {status.backend}
    </span>
  );
}
