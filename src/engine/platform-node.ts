// The Node host (CLI tools and tests): WASM first, CPU as the last resort.
import './tf-setup';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { activateBackend } from './activate';
import type { Platform } from './backend';

export const nodePlatform: Platform = {
  host: 'node',
  order: ['wasm', 'cpu'],
  async tryBackend(name) {
    return activateBackend(name);
  },
};
