// Explore slice: the query, the instruction, the two rankings (with / without T-CoT), the query's T-CoT as
// it streams in (token batches from the worker, applied at most once per animation frame) and the
// selected result's trace.
import * as Comlink from 'comlink';
import type { StateCreator } from 'zustand';
import type { Hit, ResultFilter, SearchQuery, SearchResult, Trace } from '../../engine/types';
import { prepareFiles, transferables } from '../files';
import { readUrlState } from '../url-state';
import type { AppState } from './index';
import { errorMessage } from '../../media/errors';

export interface ExploreSlice {
  queryText: string;
  instruction: string;
  /** Which items are ranked: 'auto' follows the instruction (a "find a video…" instruction ranks clips). */
  resultFilter: ResultFilter;
  rankBy: 'tcot' | 'plain';
  searching: boolean;
  /** Searches finished (with results or an error): lets scripts wait for the next one. */
  searchCount: number;
  searchError: string | null;
  /** Label of the last query (the text, an item's name, a file's name). */
  queryLabel: string | null;
  /** The last query (results can be labelled as matches of it for fine-tuning). */
  lastQuery: SearchQuery | null;
  /** The dropped file the last query was (not in the library: labelling a result adds it first), or null. */
  queryFile: File | null;
  streamed: number[];
  /** The ranking without T-CoT, shown while the Reasoner still writes the query's T-CoT. */
  plainHits: Hit[] | null;
  /** Page wall time from asking to the no-T-CoT ranking. */
  plainMs: number | null;
  result: SearchResult | null;
  /** Wall time from asking to seeing results, measured on the page. */
  queryMs: number | null;
  selectedId: string | null;
  selectedTrace: Trace | null;
  setQueryText(text: string): void;
  setInstruction(instruction: string): void;
  setResultFilter(filter: ResultFilter): void;
  /** Search with a library item as the query: no instruction (items are indexed without one), the text box cleared. */
  findSimilar(id: string, label: string): Promise<void>;
  setRankBy(rankBy: 'tcot' | 'plain'): void;
  search(query: SearchQuery, label: string): Promise<void>;
  searchFile(file: File): Promise<void>;
  /** Show a result's trace; `reveal` (the user picked it) scrolls it into view, a search's own pick does not. */
  select(id: string | null, reveal?: boolean): Promise<void>;
  /** Whether the selected trace should be scrolled into view when it arrives. */
  revealTrace: boolean;
}

/** The instruction Explore starts with (the URL carries another one, or '' for none). */
export const DEFAULT_INSTRUCTION = 'find an image that matches the caption';
const fromUrl = readUrlState();

export const createExploreSlice: StateCreator<AppState, [], [], ExploreSlice> = (set, get) => ({
  queryText: fromUrl.q ?? '',
  instruction: fromUrl.instruction ?? DEFAULT_INSTRUCTION,
  resultFilter: fromUrl.filter ?? 'auto',
  rankBy: 'tcot',
  searching: false,
  searchCount: 0,
  searchError: null,
  queryLabel: null,
  lastQuery: null,
  queryFile: null,
  streamed: [],
  plainHits: null,
  plainMs: null,
  result: null,
  queryMs: null,
  selectedId: null,
  selectedTrace: null,
  revealTrace: false,
  setQueryText: (queryText) => set({ queryText }),
  setInstruction: (instruction) => set({ instruction }),
  setResultFilter: (resultFilter) => set({ resultFilter }),
  async findSimilar(id, label) {
    set({ instruction: '', queryText: '' });
    await get().search({ kind: 'item', id }, label);
  },
  setRankBy: (rankBy) => set({ rankBy }),

  async search(query, label) {
    const handle = get().handle;
    if (!handle || get().libraryPhase !== 'ready') return;
    const t0 = performance.now();
    set({
      searching: true,
      searchError: null,
      streamed: [],
      plainHits: null,
      plainMs: null,
      result: null,
      queryLabel: label,
      lastQuery: query.kind === 'media' ? null : query,
      queryFile: query.kind === 'media' ? get().queryFile : null,
      selectedId: null,
      selectedTrace: null,
    });
    let buffer: number[] = [];
    let scheduled = false;
    const flush = () => {
      scheduled = false;
      if (buffer.length) set({ streamed: [...get().streamed, ...buffer] });
      buffer = [];
    };
    try {
      const result = await handle.engine.search(
        query,
        { k: 12, instruction: get().instruction, filter: get().resultFilter },
        Comlink.proxy((tokens: number[]) => {
          buffer.push(...tokens);
          if (!scheduled) {
            scheduled = true;
            requestAnimationFrame(flush);
          }
        }),
        Comlink.proxy((hits: Hit[]) => set({ plainHits: hits, plainMs: performance.now() - t0 })),
      );
      flush();
      set({ result, searching: false, searchCount: get().searchCount + 1, queryMs: performance.now() - t0 });
      // Show the top result's trace unless the user already picked one while the Reasoner was writing.
      const first = result.withTcot[0]?.id;
      // Not scrolled to: on a narrow window the trace sits below the results, and a search must not jump past them.
      if (first && !get().selectedId) void get().select(first, false);
    } catch (err) {
      set({ searching: false, searchCount: get().searchCount + 1, searchError: errorMessage(err) });
    }
  },

  async searchFile(file) {
    const { inputs, errors } = await prepareFiles([file]);
    if (errors[0] && !errors[0].ok) {
      set({ searchError: errors[0].message });
      return;
    }
    set({ queryFile: file });
    await get().search(Comlink.transfer({ kind: 'media', input: inputs[0]! }, transferables(inputs)), file.name);
  },

  async select(id, reveal = true) {
    const handle = get().handle;
    set({ selectedId: id, selectedTrace: null, revealTrace: reveal });
    if (!handle || !id) return;
    try {
      const trace = await handle.engine.traceItem(id);
      if (get().selectedId === id) set({ selectedTrace: trace });
    } catch (err) {
      set({ searchError: errorMessage(err) });
    }
  },
});
