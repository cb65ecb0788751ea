// Where the user is, in the URL: the view, the last query (its text or the item searched from), the
// instruction, the result filter and the selected result. Reloads and shared links keep one's place; the
// library settings (?collection, ?preset, …: settings.ts) pass through untouched.
import type { ResultFilter } from '../engine/types';

export interface UrlState {
  view?: string;
  /** The last text query. */
  q?: string;
  /** The library item the last search started from ("Find similar"). */
  like?: string;
  /** The instruction; absent = the app's default, '' = none. */
  instruction?: string;
  filter?: ResultFilter;
  /** The selected result. */
  sel?: string;
}

const FILTERS: readonly ResultFilter[] = ['auto', 'all', 'image', 'clip', 'user'];
const KEYS = { view: 'view', q: 'q', like: 'like', instruction: 'in', filter: 'filter', sel: 'sel' } as const;

export function readUrlState(search: string = globalThis.location?.search ?? ''): UrlState {
  const p = new URLSearchParams(search);
  const out: UrlState = {};
  for (const [field, key] of Object.entries(KEYS) as [keyof UrlState, string][]) {
    const value = p.get(key);
    if (value !== null) (out as Record<string, string>)[field] = value;
  }
  if (out.filter !== undefined && !FILTERS.includes(out.filter)) delete out.filter;
  if (out.q !== undefined && !out.q.trim()) delete out.q;
  return out;
}

/** The search string for `state`, keeping every parameter this module does not own. */
export function writeUrlState(state: UrlState, search: string): string {
  const p = new URLSearchParams(search);
  for (const [field, key] of Object.entries(KEYS) as [keyof UrlState, string][]) {
    const value = state[field];
    if (value === undefined) p.delete(key);
    else p.set(key, value);
  }
  const s = p.toString();
  return s ? `?${s}` : '';
}
