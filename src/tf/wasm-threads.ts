// Threaded WASM in the browser. tfjs-backend-wasm starts each pthread from a blob holding its module factory's
// source, which it reads with `factory.toString()`. Once Vite has bundled and minified the factory, that string
// names a variable of the closure around it (`_scriptDir`, renamed `e`), and every pthread fails with
// "e is not defined". Here the factory's own `toString` returns the file as published instead, wrapped as one
// self-contained expression, so the pthreads evaluate what tfjs meant them to.
import factory from '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js';
import published from '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js?raw';

/** The source tfjs puts after `var WasmBackendModuleThreadedSimd = ` in the pthreads' blob. */
export function threadedFactorySource(file: string): string {
  if (!file.includes('var WasmBackendModuleThreadedSimd')) {
    throw new Error('tfjs-backend-wasm: the threaded factory file does not define WasmBackendModuleThreadedSimd');
  }
  return `(() => {\n${file}\nreturn WasmBackendModuleThreadedSimd;\n})()`;
}

let patched = false;

/** Makes the bundled threaded factory stringify to its published source (idempotent). */
export function patchThreadedFactory(): void {
  if (patched) return;
  const source = threadedFactorySource(published);
  Object.defineProperty(factory, 'toString', { value: () => source, configurable: true });
  patched = true;
}
