import { describe, expect, test, vi } from 'vitest';
import type { AppState } from './store';
import { startUrlSync } from './store/url-sync';
import { readUrlState, writeUrlState } from './url-state';

describe('URL state', () => {
  test('reads what it writes, keeps the library settings, drops bad values', () => {
    const search = writeUrlState(
      { view: 'explore', q: 'a red circle & more', instruction: '', filter: 'clip', sel: 'clip-3' },
      '?collection=12&preset=tiny&q=old',
    );
    const p = new URLSearchParams(search);
    expect(p.get('collection')).toBe('12');
    expect(p.get('preset')).toBe('tiny');
    expect(readUrlState(search)).toEqual({
      view: 'explore',
      q: 'a red circle & more',
      instruction: '',
      filter: 'clip',
      sel: 'clip-3',
    });
    expect(readUrlState('?filter=videos&q=%20%20')).toEqual({});
    expect(writeUrlState({}, '?q=x&sel=y')).toBe('');
  });

  test('sync: a query in the URL runs once the library is ready, then the URL follows the store', async () => {
    let listener: ((s: AppState) => void) | null = null;
    const search = vi.fn(async () => {});
    const select = vi.fn(async () => {});
    let state = {
      view: 'explore',
      libraryPhase: 'indexing',
      handle: {},
      lastQuery: null,
      instruction: 'find an image that matches the caption',
      resultFilter: 'auto',
      selectedId: null,
      result: { withTcot: [] },
      search,
      select,
    } as unknown as AppState;
    const store = { getState: () => state, subscribe: (l: (s: AppState) => void) => ((listener = l), () => {}) };
    const location = { search: '?view=explore&q=a%20red%20circle&sel=image-4&collection=12' };
    const history = { replaceState: vi.fn((_: unknown, __: string, url: string) => void (location.search = url)) };
    startUrlSync(store, location, history);
    listener!(state); // still indexing: nothing runs, the URL keeps the query
    expect(search).not.toHaveBeenCalled();
    expect(history.replaceState).not.toHaveBeenCalled();
    state = { ...state, libraryPhase: 'ready' } as AppState;
    listener!(state);
    await vi.waitFor(() => expect(select).toHaveBeenCalledWith('image-4'));
    expect(search).toHaveBeenCalledWith({ kind: 'text', text: 'a red circle' }, 'a red circle');
    state = {
      ...state,
      lastQuery: { kind: 'item', id: 'clip-2' },
      instruction: '',
      resultFilter: 'clip',
      selectedId: 'clip-2',
    } as AppState;
    listener!(state);
    expect(readUrlState(location.search)).toEqual({
      view: 'explore',
      like: 'clip-2',
      instruction: '',
      filter: 'clip',
      sel: 'clip-2',
    });
    expect(new URLSearchParams(location.search).get('collection')).toBe('12');
    expect(search).toHaveBeenCalledTimes(1);
  });
});
