// Reason → evidence → embed, in one place: how a side (an image, a clip or a text, with its instruction) gets a
// greedy T-CoT from the Reasoner, how long that T-CoT may be in both models, and the Embedder item it makes with
// the evidence it points at. The library (Explore, indexing), the fine-tuner, evaluation and the CLI tools all
// go through here, so a side is read the same way everywhere.
import type { EmbedItem, Embedder } from '../models/embedder';
import {
  embedItemFor,
  MAX_EVIDENCE,
  readTcot,
  reasonerInputFor,
  reasoningInstruction,
  type ItemParts,
} from '../models/inputs';
import type { VisualInput } from '../models/preprocess';
import type { Reasoner, ReasonerInput } from '../models/reasoner';
import { seededRng } from '../models/rng';
import { VOCAB } from '../tcot/default';

const EOS = VOCAB.id('<eos>');
/** How often (ms) streamed tokens are handed on. */
const TOKEN_FLUSH_MS = 50;

/** One side as both models read it: its pixels (full resolution), its own text, its instruction. */
export interface Side {
  visual?: VisualInput;
  text?: string;
  instruction?: string;
}

/**
 * The Reasoner was trained with a task instruction on both sides: a side without one (a library item, a query
 * with none chosen, a pair with none) is reasoned about under its modality's caption-retrieval instruction.
 */
export const prompted = <T extends Side>(s: T): T => ({
  ...s,
  instruction: s.instruction || reasoningInstruction(s.visual),
});

/** Crops / key frames a T-CoT feeds this Embedder: the shared MAX_EVIDENCE, within its slots. */
export const evidenceLimit = (embedder: Embedder): number => Math.min(MAX_EVIDENCE, embedder.config.maxEvidence);

export interface ReasonOptions {
  maxNewTokens: number;
  /** Inputs decoded together (default: all at once). Greedy decoding, so only speed depends on it. */
  chunk?: number;
  /** The first input's tokens as they are sampled (batched every 50 ms). */
  onTokens?: (ids: number[]) => void;
  /** After each chunk: inputs done so far. */
  onProgress?: (done: number) => void;
}

/**
 * Greedy T-CoTs (temperature 0), cut after <eos>. Each chunk's new tokens are capped to what its longest prefix
 * leaves in the Reasoner's maxLen (`Reasoner.prefixLength`).
 */
export async function reasonGreedy(
  reasoner: Reasoner,
  inputs: readonly ReasonerInput[],
  opts: ReasonOptions,
): Promise<Int32Array[]> {
  const chunk = opts.chunk ?? Math.max(1, inputs.length);
  const out: Int32Array[] = [];
  for (let start = 0; start < inputs.length; start += chunk) {
    const batch = inputs.slice(start, start + chunk);
    const prefix = Math.max(...batch.map((inp) => reasoner.prefixLength(inp)));
    const maxNewTokens = Math.max(1, Math.min(opts.maxNewTokens, reasoner.config.maxLen - prefix));
    const onTokens = start === 0 ? opts.onTokens : undefined;
    let pending: number[] = [];
    let last = performance.now();
    const gen = await reasoner.generate(batch, {
      n: 1,
      maxNewTokens,
      temperature: 0,
      rng: seededRng(1),
      stopId: EOS,
      onToken: onTokens
        ? (ev) => {
            if (ev.tokens[0]! >= 0) pending.push(ev.tokens[0]!);
            if (performance.now() - last > TOKEN_FLUSH_MS) {
              onTokens(pending);
              pending = [];
              last = performance.now();
            }
          }
        : undefined,
    });
    if (onTokens && pending.length) onTokens(pending);
    out.push(...gen.tokens.map((t) => readTcot(VOCAB, t).ids));
    opts.onProgress?.(Math.min(inputs.length, start + chunk));
  }
  return out;
}

/** Greedy T-CoTs for sides (each prompted as it comes: give it an instruction first, see `prompted`). */
export function greedyTcots(
  reasoner: Reasoner,
  sides: readonly Side[],
  maxNewTokens: number,
  chunk = 8,
): Promise<Int32Array[]> {
  return reasonGreedy(
    reasoner,
    sides.map((s) => reasonerInputFor(VOCAB, s)),
    { maxNewTokens, chunk },
  );
}

/** The Embedder item for a side and its T-CoT (null: without), the T-CoT cut so the item fits the Embedder's maxLen. */
export function embedItemFit(embedder: Embedder, side: Side, tcot: Int32Array | null): EmbedItem {
  const ec = embedder.config;
  let ids = tcot;
  for (;;) {
    const item = embedItemFor(VOCAB, { ...side, tcotIds: ids }, { maxEvidence: evidenceLimit(embedder) });
    const length = embedder.itemLength(item);
    if (length <= ec.maxLen || !ids || ids.length === 0) return item;
    ids = ids.slice(0, Math.max(0, ids.length - (length - ec.maxLen)));
  }
}

/**
 * The longest T-CoT every side of these inputs can take: within the Reasoner's maxLen after its prefix,
 * and within the Embedder's maxLen after the item and the most evidence a T-CoT can point at.
 */
export function tokenBudget(
  reasoner: Reasoner,
  embedder: Embedder,
  sides: readonly (Omit<ItemParts, 'tcotIds'> & { query: boolean })[],
  wanted: number,
): number {
  let budget = wanted;
  for (const side of sides) {
    budget = Math.min(budget, reasoner.config.maxLen - reasoner.prefixLength(reasonerInputFor(VOCAB, side)));
    const item = embedItemFor(VOCAB, { ...side, instruction: side.query ? side.instruction : undefined });
    const evidence = side.visual ? evidenceLimit(embedder) * embedder.evidenceTokens : 0;
    budget = Math.min(budget, embedder.config.maxLen - embedder.itemLength(item) - evidence);
  }
  if (budget < 4)
    throw new RangeError(`these inputs leave room for only ${budget} T-CoT tokens in the models (need ≥ 4)`);
  return budget;
}
