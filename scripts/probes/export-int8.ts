// Probe helper: a training run's float32 checkpoint of one model as the int8 folder `npm run eval` reads, beside the
// shipped Embedder — to evaluate a stage (e.g. the cold start's second part) before the run ends.
// `npx tsx scripts/probes/export-int8.ts CKPT_MODEL_DIR OUT_MODELS_DIR [reasoner-sft] [embedder dir]`
import { cpSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { createEngine } from '../../src/engine/engine';
import { nodePlatform } from '../../src/engine/backend/platform-node';
import { loadModel, saveWeights } from '../../src/models/weights';
import { nodeFileHandler } from '../../src/models/weights-node';

const [from, out, name = 'reasoner-sft', embedder = 'public/models/embedder'] = process.argv.slice(2);
if (!from || !out) throw new Error('usage: export-int8.ts CKPT_MODEL_DIR OUT_MODELS_DIR [name] [embedder dir]');
await createEngine(nodePlatform()).init({ preference: 'wasm' });
const { model } = await loadModel(nodeFileHandler(from));
await saveWeights(model, nodeFileHandler(join(out, name)), 'int8');
if (!existsSync(join(out, 'embedder'))) cpSync(embedder, join(out, 'embedder'), { recursive: true });
console.error(`${from} → ${join(out, name)} (int8)`);
