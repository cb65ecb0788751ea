// The token vocabulary shared by both models: specials, T-CoT tags, evidence markers, location bins
// for box coordinates, frame indices, and the world's words. Ids are fixed by construction order, so a
// vocabulary built from the same word list always gives the same ids (weights depend on them).

export const SPECIALS = ['<pad>', '<bos>', '<eos>', '<unk>', '<emb>', '<sep>'] as const;
export const TAGS = ['<thinking>', '</thinking>', '<rethink>', '</rethink>', '<answer>', '</answer>'] as const;
/** Evidence markers: an opening token per JSON key, a separator between keywords, and the object's end. */
export const EVIDENCE_MARKERS = ['<bbox_2d>', '<key_frames>', '<text_keywords>', '<kw_sep>', '<evidence_end>'] as const;

export type EvidenceKey = 'bbox_2d' | 'key_frames' | 'text_keywords';

export interface VocabOptions {
  /** Location bins on the 0–1000 scale: bin k stands for the value k·1000/(locBins−1). Default 101 (steps of 10). */
  locBins: number;
  /** Frame tokens <frame_0> … <frame_{frames−1}> (0-based, SPEC ★). Default 16 (a clip's length). */
  frames: number;
}

export const DEFAULT_VOCAB_OPTIONS: VocabOptions = { locBins: 101, frames: 16 };

export class Vocab {
  readonly tokens: readonly string[];
  readonly size: number;
  readonly locBins: number;
  readonly frames: number;
  private readonly index: Map<string, number>;
  private readonly locStart: number;
  private readonly frameStart: number;
  private readonly wordStart: number;

  constructor(words: readonly string[], options: Partial<VocabOptions> = {}) {
    const { locBins, frames } = { ...DEFAULT_VOCAB_OPTIONS, ...options };
    if (!Number.isInteger(locBins) || locBins < 2)
      throw new RangeError(`locBins must be an integer ≥ 2, got ${locBins}`);
    if (!Number.isInteger(frames) || frames < 1) throw new RangeError(`frames must be an integer ≥ 1, got ${frames}`);
    const fixed = [...SPECIALS, ...TAGS, ...EVIDENCE_MARKERS];
    this.locStart = fixed.length;
    const locs = Array.from({ length: locBins }, (_, k) => `<loc_${k}>`);
    this.frameStart = this.locStart + locBins;
    const frameTokens = Array.from({ length: frames }, (_, k) => `<frame_${k}>`);
    this.wordStart = this.frameStart + frames;
    const tokens = [...fixed, ...locs, ...frameTokens];
    const index = new Map<string, number>(tokens.map((t, i) => [t, i]));
    for (const w of words) {
      if (w.startsWith('<') && w.endsWith('>'))
        throw new RangeError(`word "${w}" collides with the special-token syntax`);
      if (index.has(w)) continue; // duplicates in the word list keep their first id
      index.set(w, tokens.length);
      tokens.push(w);
    }
    this.tokens = tokens;
    this.index = index;
    this.size = tokens.length;
    this.locBins = locBins;
    this.frames = frames;
  }

  /** Id of a token; undefined when absent (callers decide: `<unk>` for words, an error for specials). */
  get(token: string): number | undefined {
    return this.index.get(token);
  }

  /** Id of a token that must exist (specials, tags, markers). */
  id(token: string): number {
    const id = this.index.get(token);
    if (id === undefined) throw new RangeError(`token ${token} is not in the vocabulary`);
    return id;
  }

  token(id: number): string {
    return this.tokens[id] ?? '<unk>';
  }

  isWord(id: number): boolean {
    return id >= this.wordStart && id < this.size;
  }

  isLoc(id: number): boolean {
    return id >= this.locStart && id < this.locStart + this.locBins;
  }

  isFrame(id: number): boolean {
    return id >= this.frameStart && id < this.frameStart + this.frames;
  }

  /** Coordinate (0–1000) a location token stands for. */
  locValue(id: number): number {
    return Math.round(((id - this.locStart) * 1000) / (this.locBins - 1));
  }

  /** Location token nearest to a 0–1000 coordinate (clamped). */
  locId(value: number): number {
    const clamped = Math.min(1000, Math.max(0, Number.isFinite(value) ? value : 0));
    return this.locStart + Math.round((clamped * (this.locBins - 1)) / 1000);
  }

  frameIndex(id: number): number {
    return id - this.frameStart;
  }

  frameId(index: number): number | undefined {
    return Number.isInteger(index) && index >= 0 && index < this.frames ? this.frameStart + index : undefined;
  }

  /** Ids of the tokens a generated T-CoT may contain (everything but <pad>, <bos>, <emb>, <sep>). */
  generatableIds(): number[] {
    const banned = new Set(['<pad>', '<bos>', '<emb>', '<sep>', '<unk>'].map((t) => this.id(t)));
    return this.tokens.map((_, i) => i).filter((i) => !banned.has(i));
  }
}
