// Library settings from the URL, so tests and demos can pick a small collection and small models:
//   ?collection=N   built-in collection size (N items: about 3/4 images, 1/4 clips); default 1,000 + 300
//   ?preset=tiny    tiny untrained models, even when trained weights ship (default: the shipped weights, or
//                   untrained models of the shipped size when there are none)
//   ?tcot=teacher   built-in items' T-CoTs from the world's simulated teacher instead of the Reasoner
//   ?seed=S         world seed of the collection
//   ?tokens=N       longest T-CoT the Reasoner writes (default 80; small values keep software GPUs quick)
import { DEFAULT_COLLECTION, type CollectionOptions } from '../engine/types';

export interface LibrarySettings {
  collection: CollectionOptions;
  preset: 'tiny' | 'default';
  maxNewTokens?: number;
}

export function librarySettings(search: string = globalThis.location?.search ?? ''): LibrarySettings {
  const q = new URLSearchParams(search);
  const n = Number(q.get('collection'));
  const sized = Number.isInteger(n) && n >= 2 ? { images: Math.ceil(n * 0.75), clips: n - Math.ceil(n * 0.75) } : {};
  const seed = Number(q.get('seed'));
  return {
    collection: {
      ...DEFAULT_COLLECTION,
      ...sized,
      ...(Number.isInteger(seed) && seed > 0 ? { seed } : {}),
      tcot: q.get('tcot') === 'teacher' ? 'teacher' : 'reasoner',
    },
    preset: q.get('preset') === 'tiny' ? 'tiny' : 'default',
    ...(Number(q.get('tokens')) >= 1 ? { maxNewTokens: Math.floor(Number(q.get('tokens'))) } : {}),
  };
}
