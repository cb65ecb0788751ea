// The vocabulary both shipped models use: the world's words, 101 location bins, one token per clip frame.
import { CLIP_FRAMES } from '../world/types';
import { WORLD_WORDS } from '../world/vocab';
import { Vocab } from './vocab';

export const VOCAB = new Vocab(WORLD_WORDS, { locBins: 101, frames: CLIP_FRAMES });

/** What a Reasoner on this vocabulary must know of it: its size and the ids that end a prefix and pad a row. */
export const REASONER_VOCAB = { vocabSize: VOCAB.size, bosId: VOCAB.id('<bos>'), padId: VOCAB.id('<pad>') } as const;
