// The one zustand store, built from slices (one file each, actions beside their state).
import { create } from 'zustand';
import { useEffect } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { createEngineSlice, type EngineSlice } from './engineSlice';
import { createExploreSlice, type ExploreSlice } from './exploreSlice';
import { createFinetuneSlice, type FinetuneSlice } from './finetuneSlice';
import { createLibrarySlice, type LibrarySlice } from './librarySlice';
import { createUiSlice, type UiSlice } from './uiSlice';

export type AppState = EngineSlice & UiSlice & LibrarySlice & ExploreSlice & FinetuneSlice;

export const useAppStore = create<AppState>()((...a) => ({
  ...createEngineSlice(...a),
  ...createUiSlice(...a),
  ...createLibrarySlice(...a),
  ...createExploreSlice(...a),
  ...createFinetuneSlice(...a),
}));

/** These fields of the store; the component re-renders only when one of them changes (zustand's useShallow). */
export function useFields<K extends keyof AppState>(...keys: K[]): Pick<AppState, K> {
  return useAppStore(useShallow((s) => Object.fromEntries(keys.map((k) => [k, s[k]])) as Pick<AppState, K>));
}

/** Opens the library once the engine is ready (again after a backend switch, which starts a new worker). */
export function useOpenLibraryWhenReady(): void {
  const engineReady = useAppStore((st) => st.status?.phase === 'ready');
  const phase = useAppStore((st) => st.libraryPhase);
  const open = useAppStore((st) => st.openLibrary);
  useEffect(() => {
    if (engineReady && phase === 'idle') void open();
  }, [engineReady, phase, open]);
}
