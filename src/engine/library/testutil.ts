// Test helper: a Library over tiny, freshly initialised models (fixed seeds) and a (fake) IndexedDB factory,
// shared by the library and fine-tuner tests.
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
