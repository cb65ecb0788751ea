// The loaded models as the library needs them, with keys that identify their weights (caches are per key).
import type { Embedder } from '../../models/embedder';
import type { Reasoner } from '../../models/reasoner';
import type { ModelSlots } from '../model-slots';
import type { ModelInfo } from '../types';

export interface LibraryModels {
  embedder: Embedder;
  reasoner: Reasoner;
  /** Identifies the weights: caches are valid only for the same models. */
  embedderKey: string;
  reasonerKey: string;
}

/** sha256 of the payload for loaded weights; for a fresh initialisation, a hash of its config (which holds its seed). */
export function modelKey(info: ModelInfo): string {
  // A fine-tuned Reasoner's key says so: the library keeps derived data (T-CoTs, embeddings, the collection's
  // cache) of the built-in models, and of only the fine-tuned one in use (see FINETUNED_KEY).
  if (info.sha256) return `${info.source === 'finetuned' ? 'ft-' : ''}${info.sha256.slice(0, 16)}`;
  const text = JSON.stringify(Object.entries(info.config).sort(([a], [b]) => a.localeCompare(b)));
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619) >>> 0;
  return `random-${h.toString(16)}`;
}

export function libraryModels(slots: ModelSlots): LibraryModels {
  const embedder = slots.get('embedder') as Embedder | null;
  const reasoner = slots.get('reasoner') as Reasoner | null;
  const info = slots.info();
  if (!embedder || !reasoner || !info.embedder || !info.reasoner)
    throw new Error('load both models (Reasoner and Embedder) before using the library');
  return { embedder, reasoner, embedderKey: modelKey(info.embedder), reasonerKey: modelKey(info.reasoner) };
}

/** A fine-tuned Reasoner's key inside a stored record's key (`<id>|<embedder>+ft-<sha>/…`, `<id>|ft-<sha>/…`). */
const FINETUNED_KEY = /(?:^|[|+])(ft-[0-9a-f]{16})\//;

/** Whether a stored record's key holds data derived with a fine-tuned Reasoner other than `current` (a reasoner key). */
export function staleFinetunedKey(recordKey: string, current: string): boolean {
  const m = FINETUNED_KEY.exec(recordKey);
  return !!m && m[1] !== current;
}
