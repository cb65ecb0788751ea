// Checkpoint stores for the recipe: in memory (tests) and on disk (Node CLI). Weights go through the
// models' own float32 save/load (src/models/weights.ts); the state is one JSON object.
import type { Embedder } from '../models/embedder';
import type { Reasoner } from '../models/reasoner';
import type { VisionModel } from '../models/vision';
import { loadWeightsInto, memoryHandler, saveWeights } from '../models/weights';
import type { CheckpointStore, RecipeState } from './recipe';

export function memoryStore(): CheckpointStore & { models: Map<string, ReturnType<typeof memoryHandler>> } {
  const models = new Map<string, ReturnType<typeof memoryHandler>>();
  let state: RecipeState | null = null;
  return {
    models,
    async saveModel(name: string, model: Embedder | Reasoner | VisionModel) {
      const handler = memoryHandler();
      await saveWeights(model, handler, 'float32');
      models.set(name, handler);
    },
    async loadModel(name: string, model: Embedder | Reasoner | VisionModel) {
      const handler = models.get(name);
      if (!handler) return false;
      await loadWeightsInto(model, handler);
      return true;
    },
    async saveState(s: RecipeState) {
      state = JSON.parse(JSON.stringify(s));
    },
    async loadState() {
      return state ? JSON.parse(JSON.stringify(state)) : null;
    },
  };
}
