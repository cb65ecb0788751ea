import { describe, expect, test } from 'vitest';
import { librarySettings } from './settings';
import { withRate } from './store/librarySlice';

describe('librarySettings', () => {
  test('defaults: the full collection, default models, Reasoner T-CoTs', () => {
    expect(librarySettings('')).toMatchObject({
      collection: { images: 1000, clips: 300, tcot: 'reasoner' },
      preset: 'default',
    });
    expect(librarySettings('').maxNewTokens).toBeUndefined();
  });
  test('?collection=N splits about 3:1 into images and clips; other settings parse or fall back', () => {
    expect(librarySettings('?collection=12&preset=tiny&tcot=teacher&tokens=12&seed=5')).toMatchObject({
      collection: { images: 9, clips: 3, tcot: 'teacher', seed: 5 },
      preset: 'tiny',
      maxNewTokens: 12,
    });
    expect(librarySettings('?collection=abc&preset=huge&tcot=x').collection).toMatchObject({
      images: 1000,
      clips: 300,
      tcot: 'reasoner',
    });
  });
});

describe('withRate', () => {
  test('rate and time left from the start of the same task', () => {
    const start = withRate({ task: 'index', done: 0, total: 10 }, null);
    expect(start.rate).toBeNull();
    const later = withRate({ task: 'index', done: 5, total: 10 }, { ...start, startedAt: performance.now() - 2000 });
    expect(later.rate!).toBeGreaterThan(2.3);
    expect(later.rate!).toBeLessThan(2.6);
    expect(later.etaS!).toBeGreaterThan(1.8);
    expect(later.etaS!).toBeLessThan(2.2);
  });
});
