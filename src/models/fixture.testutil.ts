// A model a describe block's tests share: made before its first test, disposed after its last.
import { afterAll, beforeAll } from 'vitest';

/** `const model = fixture(() => new Reasoner(config))`, then `model()` in the tests. */
export function fixture<M extends { dispose(): void }>(make: () => M): () => M {
  let made: M | undefined;
  beforeAll(() => void (made = make()));
  afterAll(() => made?.dispose());
  return () => {
    if (!made) throw new Error('fixture: used outside a test');
    return made;
  };
}
