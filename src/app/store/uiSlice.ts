// UI slice: which view is shown.
import type { StateCreator } from 'zustand';
import type { AppState } from './index';

export type ViewId = 'overview';

export interface UiSlice {
  view: ViewId;
  setView(view: ViewId): void;
}

export const createUiSlice: StateCreator<AppState, [], [], UiSlice> = (set) => ({
  view: 'overview',
  setView: (view) => set({ view }),
});
