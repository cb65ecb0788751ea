// The views the navigation offers. A view is listed only when it works (its `available` says so), so a
// feature that is not built yet is never shown as a dead link.
import type { ComponentType } from 'react';
import type { AppState } from '../store';
import type { ViewId } from '../store/uiSlice';
import { ExploreView } from './ExploreView';
import { FinetuneView } from './finetune';
import { LibraryView } from './LibraryView';
import { OverviewView } from './OverviewView';

export interface ViewEntry {
  id: ViewId;
  label: string;
  component: ComponentType;
  available(state: AppState): boolean;
}

const engineReady = (state: AppState) => state.status?.phase === 'ready';

export const VIEWS: ViewEntry[] = [
  { id: 'overview', label: 'Overview', component: OverviewView, available: () => true },
  { id: 'explore', label: 'Explore', component: ExploreView, available: engineReady },
  { id: 'library', label: 'Library', component: LibraryView, available: engineReady },
  { id: 'finetune', label: 'Fine-tune', component: FinetuneView, available: engineReady },
];
