import { runInNewContext } from 'node:vm';
import { describe, expect, test } from 'vitest';
import published from '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js?raw';
import { threadedFactorySource } from './wasm-threads';

describe('the threaded factory source the pthreads evaluate', () => {
  test('defines the factory in a context with nothing else (as a pthread blob does)', () => {
    // What tfjs-backend-wasm writes into the pthreads' blob, evaluated where no bundle's closure exists.
    const blob = `var WasmBackendModuleThreadedSimd = ${threadedFactorySource(published)};`;
    const context: Record<string, unknown> = {};
    runInNewContext(blob, context);
    expect(typeof context.WasmBackendModuleThreadedSimd).toBe('function');
  });

  test('refuses a file that is not the factory, with a reason', () => {
    expect(() => threadedFactorySource('export default 1;')).toThrow(/does not define WasmBackendModuleThreadedSimd/);
  });
});
