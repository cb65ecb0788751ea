// The user's labelled pairs (IndexedDB): list with their train / held-out split and any problem (an item that
// left the library), add, edit, delete, CSV / JSONL import, and the built-in lesson's pairs.
import { FinetuneStore, pairId, type PairRecord } from '../../media/finetune-store';
import { heldOutIds, nameResolver, parsePairs } from '../../media/pairs';
import { LESSON_PAIRS, lessonById, lessonPairs } from '../../train/lesson';
import type { Library } from '../library';
import { SPLIT_SEED } from './records';
import type { NewPair, PairImportResult, PairView } from './types';

export class PairBook {
  constructor(
    private readonly library: Library,
    private readonly store: () => Promise<FinetuneStore | null>,
    /** The held-out share the split is drawn with (the current run's setting, else the default). */
    private readonly heldOut: () => number,
  ) {}

  private itemNames(): Map<string, string> {
    return new Map(this.library.items().map((i) => [i.id, i.name]));
  }

  private async requireStore(): Promise<FinetuneStore> {
    const store = await this.store();
    if (!store) throw new Error('pairs need IndexedDB, which this browser does not offer here');
    return store;
  }

  /** Every pair, its split (with `heldOut` as the held-out share) and what keeps it out of a run, if anything. */
  async list(heldOut = this.heldOut()): Promise<PairView[]> {
    const store = await this.store();
    const records = store ? await store.pairs() : [];
    const held = heldOutIds(
      records.map((r) => r.id),
      SPLIT_SEED,
      heldOut,
      new Set(records.filter((r) => r.match).map((r) => r.id)),
    );
    const names = this.itemNames();
    return records.map((r) => {
      const targetName = names.get(r.targetId);
      const queryName = r.query.kind === 'item' ? names.get(r.query.itemId) : undefined;
      const problem = !targetName
        ? `the target (${r.targetId}) is not in the library`
        : r.query.kind === 'item' && !queryName
          ? `the query item (${r.query.itemId}) is not in the library`
          : null;
      return {
        ...r,
        split: held.has(r.id) ? 'held-out' : 'train',
        queryLabel: r.query.kind === 'text' ? r.query.text : (queryName ?? r.query.itemId),
        targetName: targetName ?? r.targetId,
        problem,
      };
    });
  }

  async add(drafts: NewPair[]): Promise<PairView[]> {
    const names = this.itemNames();
    for (const d of drafts) {
      if (!names.has(d.targetId)) throw new Error(`the target "${d.targetId}" is not in the library`);
      if (d.query.kind === 'item' && !names.has(d.query.itemId))
        throw new Error(`the query item "${d.query.itemId}" is not in the library`);
      if (d.query.kind === 'text' && !d.query.text.trim()) throw new Error('the query text is empty');
    }
    const store = await this.requireStore();
    const existing = new Map((await store.pairs()).map((p) => [p.id, p]));
    const now = Date.now();
    const records: PairRecord[] = drafts.map((d, i) => {
      const query = d.query.kind === 'text' ? { kind: 'text' as const, text: d.query.text.trim() } : d.query;
      const id = pairId({ query, targetId: d.targetId });
      // Re-labelling an existing pair keeps its place in the list.
      return {
        id,
        query,
        targetId: d.targetId,
        match: d.match,
        ...(d.instruction ? { instruction: d.instruction } : {}),
        createdAt: existing.get(id)?.createdAt ?? now + i / 1000,
      };
    });
    await store.putPairs(records);
    return this.list();
  }

  /** Edit a pair: its label, or its query text (a new query is a new pair: the old one goes). */
  async update(id: string, patch: { match?: boolean; queryText?: string }): Promise<PairView[]> {
    const store = await this.requireStore();
    const rec = (await store.pairs()).find((p) => p.id === id);
    if (!rec) throw new Error(`no pair ${id}`);
    const query =
      patch.queryText !== undefined && rec.query.kind === 'text'
        ? { kind: 'text' as const, text: patch.queryText.trim() }
        : rec.query;
    if (query.kind === 'text' && !query.text) throw new Error('the query text is empty');
    const next: PairRecord = {
      ...rec,
      query,
      match: patch.match ?? rec.match,
      id: pairId({ query, targetId: rec.targetId }),
    };
    await store.putPairs([next]);
    if (next.id !== id) await store.deletePair(id);
    return this.list();
  }

  async delete(id: string): Promise<PairView[]> {
    await (await this.requireStore()).deletePair(id);
    return this.list();
  }

  /**
   * The built-in lesson's pairs (src/train/lesson.ts: captions of built-in items around one concept, ✓), added to
   * an empty list so the run's figures are the lesson's; a list that already holds pairs is left as it is.
   */
  async loadLesson(id: string, seed = 1): Promise<PairView[]> {
    const concept = lessonById(id);
    const existing = await this.list();
    const drafts = lessonPairs(
      concept,
      this.library
        .items()
        .flatMap((i) => (i.source === 'builtin' && i.caption ? [{ id: i.id, kind: i.kind, caption: i.caption }] : [])),
      { seed, count: LESSON_PAIRS },
    );
    const ours = new Set(drafts.map((d) => d.id));
    const others = existing.filter((p) => !ours.has(p.id)).length;
    if (others > 0)
      throw new Error(
        `the lesson runs on its own pairs, and the list holds ${others} of yours: delete them first (or open the app in another browser profile), so that the lesson's figures are the lesson's`,
      );
    return this.add(drafts.map(({ query, targetId, match, instruction }) => ({ query, targetId, match, instruction })));
  }

  /** CSV (`query,target[,match]`) or JSONL; rows that do not resolve come back as errors, the rest are added. */
  async import(text: string, format: 'csv' | 'jsonl'): Promise<PairImportResult> {
    const { pairs, errors } = parsePairs(text, format, nameResolver(this.library.items()));
    const list = pairs.length ? await this.add(pairs) : await this.list();
    return { pairs: list, added: pairs.length, errors };
  }
}
