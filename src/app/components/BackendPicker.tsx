import type { BackendPreference } from '../../engine/types';
import { useAppStore } from '../store';

const OPTIONS: { value: BackendPreference; label: string }[] = [
  { value: 'auto', label: 'Auto (fastest)' },
  { value: 'webgpu', label: 'WebGPU' },
  { value: 'webgl', label: 'WebGL' },
  { value: 'wasm', label: 'WASM' },
  { value: 'cpu', label: 'CPU' },
];

/** The user's override of the backend order; changing it restarts the engine worker. */
export function BackendPicker() {
  const preference = useAppStore((s) => s.preference);
  const setPreference = useAppStore((s) => s.setPreference);
  return (
    <label className="picker">
      <span className="visually-hidden">Compute backend</span>
      <select
        value={preference}
        onChange={(e) => void setPreference(e.target.value as BackendPreference)}
        data-testid="backend-picker"
        title="Compute backend"
      >
        {OPTIONS.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </label>
  );
}
