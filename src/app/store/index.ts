// The one zustand store, built from slices (one file each, actions beside their state).
import { create } from 'zustand';
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
