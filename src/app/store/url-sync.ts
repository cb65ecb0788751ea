// Keeps the URL in step with the store (url-state.ts): every change of view, query, instruction, filter or
// selection replaces the URL (no history entries); on start, a query in the URL runs once the library is ready.
import { readUrlState, writeUrlState, type UrlState } from '../url-state';
import { DEFAULT_INSTRUCTION } from './exploreSlice';
import type { AppState } from './index';

interface Store {
  getState(): AppState;
  subscribe(listener: (state: AppState) => void): () => void;
}

function urlStateOf(s: AppState): UrlState {
  return {
    view: s.view === 'overview' ? undefined : s.view,
    q: s.lastQuery?.kind === 'text' ? s.lastQuery.text : undefined,
    like: s.lastQuery?.kind === 'item' ? s.lastQuery.id : undefined,
    instruction: s.instruction === DEFAULT_INSTRUCTION ? undefined : s.instruction,
    filter: s.resultFilter === 'auto' ? undefined : s.resultFilter,
    sel: s.selectedId ?? undefined,
  };
}

export function startUrlSync(
  store: Store,
  location: { search: string } = globalThis.location,
  history: Pick<History, 'replaceState'> = globalThis.history,
): () => void {
  let pending: UrlState | null = readUrlState(location.search);
  if (!pending.q && !pending.like) pending = null;
  const runPending = async (s: AppState) => {
    const p = pending!;
    pending = null;
    if (p.q) await s.search({ kind: 'text', text: p.q }, p.q);
    else if (p.like) await s.search({ kind: 'item', id: p.like }, p.like);
    if (p.sel && store.getState().result) await store.getState().select(p.sel);
  };
  let last = '';
  return store.subscribe((s) => {
    if (pending) {
      if (s.libraryPhase === 'ready' && s.handle) void runPending(s);
      return; // the URL keeps the query until it has run
    }
    // Most store changes (streamed tokens, progress) leave these fields alone: skip them before touching the URL.
    const state = urlStateOf(s);
    const key = JSON.stringify(state);
    if (key === last) return;
    last = key;
    const next = writeUrlState(state, location.search);
    if (next !== location.search)
      history.replaceState(
        null,
        '',
        `${next}${globalThis.location?.hash ?? ''}` || globalThis.location?.pathname || '/',
      );
  });
}
