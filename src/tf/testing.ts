// Test helper: every unit test that touches tensors runs on the same backend the CLI uses (WASM).
import './tf-node';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';

/** Switch tfjs to `name` (default 'wasm') and wait until it is ready. Idempotent. */
export async function initTestBackend(name: 'wasm' | 'cpu' = 'wasm'): Promise<void> {
  if (tf.getBackend() === name) return;
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`test backend '${name}' failed to initialise`);
  await tf.ready();
}
