// Test helper: a Library over tiny, freshly initialised models (fixed seeds) and a (fake) IndexedDB factory,
// shared by the library and fine-tuner tests, and a user's clip to add.
import { LibraryStore } from '../../media/store';
import { Library } from '.';
import { libraryModels } from './models';
import { ModelSlots } from '../model-slots';

export async function tinyLibrary(factory: IDBFactory): Promise<{ slots: ModelSlots; library: Library }> {
  const slots = new ModelSlots();
  await slots.load('embedder', { kind: 'random', preset: 'tiny', seed: 3 });
  await slots.load('reasoner', { kind: 'random', preset: 'tiny', seed: 3 });
  return {
    slots,
    library: new Library(
      () => libraryModels(slots),
      () => LibraryStore.open(factory),
    ),
  };
}

/** A 16-frame clip of a square moving right, 32×24. */
export function movingSquare(): { frames: Uint8Array[]; width: number; height: number } {
  const width = 32;
  const height = 24;
  const frames = Array.from({ length: 16 }, (_, f) => {
    const rgba = new Uint8Array(width * height * 4).fill(40);
    for (let y = 8; y < 16; y++) for (let x = f; x < f + 8; x++) rgba.set([250, 30, 30, 255], (y * width + x) * 4);
    return rgba;
  });
  return { frames, width, height };
}
