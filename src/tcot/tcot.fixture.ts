// A small vocabulary for the tcot tests (the real one is built from the world's words in default.ts).
import { Vocab } from './vocab';

export const TEST_WORDS = [
  'the',
  'small',
  'red',
  'star',
  'is',
  'left',
  'of',
  'a',
  'blue',
  'ring',
  'yes',
  'it',
  'matches',
  'appears',
  'then',
  'leaves',
  ',',
  '.',
];
export const testVocab = new Vocab(TEST_WORDS, { locBins: 101, frames: 16 });
