// Number formats of the Fine-tune view.
// (rounding to zero shows "0.000", not "-0.000")
export const fmt = (v: number | undefined | null, d = 3) =>
  v === undefined || v === null || !Number.isFinite(v) ? '–' : (Number(v.toFixed(d)) || 0).toFixed(d);
export const pct = (v: number | undefined | null) =>
  v === undefined || v === null || !Number.isFinite(v) ? '–' : `${(100 * v).toFixed(1)} %`;
