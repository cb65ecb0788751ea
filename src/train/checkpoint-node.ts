// On-disk checkpoint store (Node only): DIR/ckpt/<name>/ (model.json + shards, float32) and DIR/ckpt/state.json.
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Embedder } from '../models/embedder';
import type { Reasoner } from '../models/reasoner';
import { loadWeightsInto, saveWeights } from '../models/weights';
import { nodeFileHandler } from '../models/weights-node';
import type { CheckpointStore, RecipeState } from './recipe';

export function diskStore(dir: string): CheckpointStore {
  const root = join(dir, 'ckpt');
  return {
    async saveModel(name: string, model: Embedder | Reasoner) {
      await saveWeights(model, nodeFileHandler(join(root, name)), 'float32');
    },
    async loadModel(name: string, model: Embedder | Reasoner) {
      if (!existsSync(join(root, name, 'model.json'))) return false;
      await loadWeightsInto(model, nodeFileHandler(join(root, name)));
      return true;
    },
    async saveState(state: RecipeState) {
      await mkdir(root, { recursive: true });
      await writeFile(join(root, 'state.json.tmp'), JSON.stringify(state, null, 2));
      await rename(join(root, 'state.json.tmp'), join(root, 'state.json')); // atomic: a crash never leaves half a state
    },
    async loadState() {
      const file = join(root, 'state.json');
      return existsSync(file) ? (JSON.parse(await readFile(file, 'utf8')) as RecipeState) : null;
    },
  };
}
