// Node only: the two models of a folder laid out as public/models/ (embedder/, reasoner/), keyed by their
// weights' hashes as the browser keys them.
import { join } from 'node:path';
import type { Embedder } from '../../models/embedder';
import type { Reasoner } from '../../models/reasoner';
import { loadModel } from '../../models/weights';
import { nodeFileHandler } from '../../models/weights-node';
import type { LibraryModels } from './models';

export async function loadLibraryModels(dir: string): Promise<LibraryModels> {
  const emb = await loadModel(nodeFileHandler(join(dir, 'embedder')));
  const rsn = await loadModel(nodeFileHandler(join(dir, 'reasoner')));
  return {
    embedder: emb.model as Embedder,
    reasoner: rsn.model as Reasoner,
    embedderKey: emb.manifest.sha256.slice(0, 16),
    reasonerKey: rsn.manifest.sha256.slice(0, 16),
  };
}
