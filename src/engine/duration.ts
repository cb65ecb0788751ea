/**
 * A duration for people: "42 s", "3 min 5 s", "1 h 2 min" (`compact`: "42s", "3m05s", "1h02m", for a terminal
 * progress line). Seconds are rounded (`ceil`: rounded up, for a time still left), so "1 min 60 s" never shows.
 */
export function formatDuration(seconds: number, opts: { compact?: boolean; ceil?: boolean } = {}): string {
  const t = Math.max(0, opts.ceil ? Math.ceil(seconds) : Math.round(seconds));
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const s = t % 60;
  const two = (n: number) => String(n).padStart(2, '0');
  if (opts.compact) return h > 0 ? `${h}h${two(m)}m` : m > 0 ? `${m}m${two(s)}s` : `${s}s`;
  return h > 0 ? `${h} h ${m} min` : m > 0 ? `${m} min ${s} s` : `${s} s`;
}
