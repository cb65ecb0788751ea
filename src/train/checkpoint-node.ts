// On-disk checkpoint store (Node only): DIR/ckpt/<name>/ (model.json + shards, float32) and DIR/ckpt/state.json.
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Embedder } from '../models/embedder';
import type { Reasoner } from '../models/reasoner';
import type { VisionModel } from '../models/vision';
import { loadWeightsInto, saveWeights } from '../models/weights';
import { nodeFileHandler } from '../models/weights-node';
import type { CheckpointStore, RecipeState } from './recipe';

/** `stateName`: the state file (a parallel stage's process keeps its own, beside the main run's state.json). */
export function diskStore(dir: string, stateName = 'state.json'): CheckpointStore {
  const root = join(dir, 'ckpt');
  return {
    async saveModel(name: string, model: Embedder | Reasoner | VisionModel) {
      await saveWeights(model, nodeFileHandler(join(root, name)), 'float32');
    },
    async loadModel(name: string, model: Embedder | Reasoner | VisionModel) {
      if (!existsSync(join(root, name, 'model.json'))) return false;
      await loadWeightsInto(model, nodeFileHandler(join(root, name)));
      return true;
    },
    async saveState(state: RecipeState) {
      await mkdir(root, { recursive: true });
      await writeFile(join(root, `${stateName}.tmp`), JSON.stringify(state, null, 2));
      await rename(join(root, `${stateName}.tmp`), join(root, stateName)); // atomic: a crash never leaves half a state
    },
    async loadState() {
      const file = join(root, stateName);
      return existsSync(file) ? (JSON.parse(await readFile(file, 'utf8')) as RecipeState) : null;
    },
  };
}
