import { defineConfig } from 'vitest/config';

// Unit tests run in Node on the WASM backend (see src/tf/testing.ts); e2e specs are Playwright's.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'workers/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
