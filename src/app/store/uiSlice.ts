// UI slice: which view is shown.
import type { StateCreator } from 'zustand';
import type { AppState } from './index';

export type ViewId = 'overview' | 'library' | 'explore' | 'finetune';
const VIEW_IDS: ViewId[] = ['overview', 'library', 'explore', 'finetune'];

/** `?view=` opens a view directly (links, tests). */
function initialView(): ViewId {
  const v = new URLSearchParams(globalThis.location?.search ?? '').get('view') as ViewId | null;
  return v && VIEW_IDS.includes(v) ? v : 'overview';
}

export interface UiSlice {
  view: ViewId;
  setView(view: ViewId): void;
}

export const createUiSlice: StateCreator<AppState, [], [], UiSlice> = (set) => ({
  view: initialView(),
  setView: (view) => set({ view }),
});
